/**
 * A proxy-aware {@link Transport} around a plain one, so the node layer can run unchanged:
 *
 * - `direct`: our own address; frames to a `proxy:<router>#<token>` address go to that router as
 *   routed frames; routed frames from exit routers arrive with the hidden sender's proxy address
 *   as `from`. Every node should use at least this mode, or it cannot answer hidden nodes.
 * - `nat` (1 hop) and `privacy` (3 hops): a {@link ProxyReceiver} keeps a circuit up; `address` is
 *   the circuit's proxy address (empty while none is up) and every frame goes out through the
 *   circuit, so no peer ever sees this node's own address (a node that finds its routers in the
 *   DHT looks them up first under a throwaway identity: server/cli/hidden-bootstrap.ts).
 *
 * Proxy cells and routed frames for other roles (a router on the same transport) are never
 * handed to the node layer.
 */
import type { FrameHandler, PeerDownHandler, Transport } from '../transports/types.js';
import { TransportError } from '../transports/errors.js';
import * as wire from '../../machines/proxy/circuit/messages.js';
import { ProxyReceiver, type ProxyReceiverOptions, type ReceiverStatus } from './receiver.js';
import { ProxyError } from './errors.js';
import type { ProxyRouter, ProxyRouterStats } from './router-node.js';

/**
 * Largest frame one circuit carries: each layer is one Noise message (65,519 B of plaintext), less
 * the data command (3 B + a peer address of up to 1 KiB) and 25 B per outer layer, rounded down.
 */
export const PROXY_MAX_FRAME = 64_000;

/** How to wrap a transport. */
export interface ProxyTransportOptions extends Partial<Omit<ProxyReceiverOptions, 'transport'>> {
  base: Transport;
  mode: 'direct' | 'nat' | 'privacy';
  /** A proxy router serving on `base` beside this node: reported by `proxy()`, stopped by close. */
  router?: ProxyRouter;
}

/** What /api/proxy shows of a node: its mode, reachability with a plain reason, counters. */
export interface ProxyStatus {
  mode: ProxyTransportOptions['mode'];
  /** The node's address now ('' while a relayed node has no circuit). */
  address: string;
  reachability: { state: string; reason: string };
  /** A relayed node's receiver: state, current path, circuits, rebuilds, failures by code. */
  receiver: ReceiverStatus | null;
  /** A router's service: capacity, load, refusals, announcement, relay counters. */
  router: ProxyRouterStats | null;
}

/** The wrapper: a Transport plus the receiver's status and address changes. */
export interface ProxyTransport extends Transport {
  readonly mode: ProxyTransportOptions['mode'];
  readonly receiver: ProxyReceiver | null;
  /** Resolves with the address once one is published (at once in direct mode). */
  whenReady(): Promise<string>;
  /** Told each new address ('' while a relayed node has no circuit): publish it as the contact. */
  onAddress(h: (address: string) => void): () => void;
  status(): ReceiverStatus | null;
  /** Mode, reachability and counters, for the API. */
  proxy(): ProxyStatus;
}

/** The proxy status of a node's transport, or null when it is not a proxy wrapper (nats). */
export function proxyStatusOf(transport: Transport | undefined): ProxyStatus | null {
  const p = transport as Partial<ProxyTransport> | undefined;
  return typeof p?.proxy === 'function' ? p.proxy() : null;
}

/** `base.sendParts`, or `base.send` of the parts joined when the medium has no writev path. */
function sendParts(base: Transport, to: string, parts: readonly Uint8Array[]): Promise<void> {
  if (base.sendParts) return base.sendParts(to, parts);
  return base.send(to, Buffer.concat(parts));
}

/** Wraps `options.base`; in `nat`/`privacy` mode starts a receiver (needs `directory`). */
export function createProxyTransport(options: ProxyTransportOptions): ProxyTransport {
  const { base, mode } = options;
  const frames = new Map<FrameHandler, boolean>(); // handler → borrows
  const addressHandlers = new Set<(address: string) => void>();
  /**
   * Hands `frame` to every handler: `owned` frames (a layer just decrypted for us) as they are;
   * a borrowed view of the medium's buffer as it is to borrowing handlers (the node's sessions
   * read it in place) and as one copy to the others, made only if one of them is there.
   */
  const deliver = (from: string, frame: Uint8Array, owned = true) => {
    let copy: Uint8Array | null = owned ? frame : null;
    for (const [h, borrow] of [...frames])
      h(from, borrow ? frame : (copy ??= new Uint8Array(frame)));
  };
  let receiver: ProxyReceiver | null = null;
  let relayed = '';
  if (mode !== 'direct') {
    if (!options.directory) throw new TypeError('a relayed proxy transport needs a directory');
    receiver = new ProxyReceiver({
      ...options,
      directory: options.directory,
      transport: base,
      privacy: mode === 'privacy'
    });
    receiver.onData(deliver);
    receiver.onAddress((a) => {
      // Told from inside the receiver's transition, before its snapshot shows the address: keep
      // it here, so `address` and `send` agree with what the handlers are told.
      relayed = a ?? '';
      for (const h of [...addressHandlers]) h(relayed);
    });
  }
  // Borrowed, and copied only for a handler that keeps frames: cells (a hidden node's whole
  // circuit traffic) are for the receiver and routers, which read them in place.
  const offBase = base.onFrame(
    (from, frame) => {
      if (!wire.isProxyFrame(frame)) return deliver(from, frame, false);
      if (frame[0] !== wire.ROUTED_TAG) return; // cells: circuit clients and routers
      try {
        const f = wire.decodeRouted(frame);
        if (f.token === '') deliver(f.from || from, f.payload, false);
      } catch {
        /* malformed routed frame: dropped, as a transport drops garbage */
      }
    },
    { borrow: true }
  );
  // Even a direct node may send to a relayed address (`proxy:…`), whose frames the circuit caps:
  // announcing the smaller limit lets the session layer size its fragments for either path.
  const maxFrameBytes = Math.min(base.maxFrameBytes, PROXY_MAX_FRAME);
  return {
    kind: base.kind, // the node layer reads contacts by kind: a relayed tcp node is still tcp
    mode,
    receiver,
    get address() {
      return receiver ? relayed : base.address;
    },
    maxFrameBytes,
    async send(to, frame) {
      if (frame.byteLength > maxFrameBytes) {
        throw TransportError.tooLarge(frame.byteLength, maxFrameBytes);
      }
      if (receiver) {
        return receiver.send(to, frame);
      }
      const p = wire.parseProxyAddress(to);
      if (!p) return base.send(to, frame);
      if (frame.byteLength > PROXY_MAX_FRAME)
        throw ProxyError.tooLarge(frame.byteLength, PROXY_MAX_FRAME);
      return base.send(
        p.router,
        wire.encodeRouted({ token: p.token, from: base.address, payload: frame })
      );
    },
    sendParts(to, parts) {
      let bytes = 0;
      for (const p of parts) bytes += p.byteLength;
      if (bytes > maxFrameBytes)
        return Promise.reject(TransportError.tooLarge(bytes, maxFrameBytes));
      if (receiver) {
        return receiver.sendParts(to, parts);
      }
      const p = wire.parseProxyAddress(to);
      if (!p) return sendParts(base, to, parts);
      return sendParts(base, p.router, [wire.routedHead(p.token, base.address), ...parts]);
    },
    onFrame(h, options) {
      frames.set(h, options?.borrow === true);
      return () => frames.delete(h);
    },
    onPeerDown(h: PeerDownHandler) {
      return base.onPeerDown?.(h) ?? (() => {});
    },
    whenReady() {
      if (!receiver) return Promise.resolve(base.address);
      const r = receiver;
      if (relayed) return Promise.resolve(relayed);
      return new Promise((resolve) => {
        const off = r.onAddress((a) => {
          if (!a) return;
          off();
          resolve(a);
        });
      });
    },
    onAddress(h) {
      addressHandlers.add(h);
      return () => addressHandlers.delete(h);
    },
    status: () => receiver?.status() ?? null,
    proxy: () => {
      const status = receiver?.status() ?? null;
      return {
        mode,
        address: receiver ? relayed : base.address,
        // A direct node does not probe its own inbound reachability: it says what it assumes.
        reachability: status?.reachability ?? {
          state: 'direct',
          reason: 'not hidden: peers reach it at its own address'
        },
        receiver: status,
        router: options.router?.stats() ?? null
      };
    },
    async close() {
      options.router?.stop();
      receiver?.stop();
      offBase();
      await base.close();
    }
  };
}
