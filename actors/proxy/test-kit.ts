/**
 * Helpers shared by the proxy tests and bench: tcp endpoints on distinct loopback addresses, a
 * transport wrapper that records every frame (and can drop, delay or tamper, to play a bad
 * router), a socket recorder, and bounded waits that yield to I/O instead of sleeping. Not part of
 * the proxy layer.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { generateKeyPair, type KeyPair } from '../crypto/primitives.js';
import { createTcpTransport } from '../transports/tcp.js';
import type { Transport } from '../transports/types.js';
import { createProxyRouter, type ProxyRouter } from './router-node.js';
import type { RouterInfo } from './circuit-client.js';

/** One frame a recorded transport handled. */
export interface Seen {
  dir: 'in' | 'out';
  peer: string;
  frame: Uint8Array;
}

/** What a misbehaving transport does to an outgoing frame. */
export type Fault = (to: string, frame: Uint8Array) => 'pass' | 'drop' | Uint8Array;

/** A transport that records every frame and applies `fault` to what it sends. */
export interface Recorded extends Transport {
  readonly seen: Seen[];
  fault: Fault | null;
  record: boolean;
}

/** Wraps `t` so each frame in and out is kept (copied) in `seen`. */
export function recorded(t: Transport): Recorded {
  const seen: Seen[] = [];
  const r: Recorded = {
    kind: t.kind,
    get address() {
      return t.address;
    },
    maxFrameBytes: t.maxFrameBytes,
    seen,
    fault: null,
    record: true,
    send(to, frame) {
      const f = r.fault?.(to, frame) ?? 'pass';
      if (f === 'drop') return Promise.resolve();
      const out = f === 'pass' ? frame : f;
      if (r.record) seen.push({ dir: 'out', peer: to, frame: new Uint8Array(out) });
      return t.send(to, out);
    },
    // Kept whenever the wrapped transport has it, so what runs over a recorded transport (the
    // bench's nodes and routers too) takes the same writev path as over a bare one; a frame that
    // is recorded or faulted is joined first, so `seen` and `fault` see whole frames.
    ...(t.sendParts
      ? {
          sendParts(to: string, parts: readonly Uint8Array[], released?: () => void) {
            if (r.record || r.fault) {
              const joined = Buffer.concat(parts);
              released?.();
              return r.send(to, joined);
            }
            return (t.sendParts as NonNullable<Transport['sendParts']>)(to, parts, released);
          }
        }
      : {}),
    onFrame(h, options) {
      // The handler's own `borrow` is passed on: recording copies what it keeps anyway.
      return t.onFrame((from, frame) => {
        if (r.record) seen.push({ dir: 'in', peer: from, frame: new Uint8Array(frame) });
        h(from, frame);
      }, options);
    },
    onPeerDown: (h) => t.onPeerDown?.(h) ?? (() => {}),
    close: () => t.close()
  };
  return r;
}

/** True when `needle` occurs in `hay`. */
export function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength).indexOf(needle) >= 0;
}

/** Every accepted or dialed loopback socket: local and remote `ip:port`, and optionally its bytes. */
export class SocketLog {
  readonly sockets: { local: string; remote: string; socket: Socket; received: Buffer[] }[] = [];
  /** With `bytes`, every chunk each socket received is kept (both ends live in this process). */
  constructor(readonly options: { bytes?: boolean } = {}) {}
  readonly #on = (msg: unknown) => {
    const socket = (msg as { socket: Socket }).socket;
    const received: Buffer[] = [];
    // Published before the owner's own listeners are attached, in the same tick: no byte is missed.
    if (this.options.bytes) socket.on('data', (chunk: Buffer) => received.push(chunk));
    const note = () =>
      this.sockets.push({
        local: `${socket.localAddress}:${socket.localPort}`,
        remote: `${socket.remoteAddress}:${socket.remotePort}`,
        socket,
        received
      });
    if (socket.remoteAddress) note();
    else socket.once('connect', note);
  };
  start(): this {
    subscribe('net.server.socket', this.#on);
    subscribe('net.client.socket', this.#on);
    return this;
  }
  stop(): void {
    unsubscribe('net.server.socket', this.#on);
    unsubscribe('net.client.socket', this.#on);
  }
  /** Sockets whose local end is on `ip`: remote ip of each, and all bytes it received. */
  of(ip: string): { remoteIp: string; bytes: Buffer }[] {
    return this.sockets
      .filter((s) => s.local.slice(0, s.local.lastIndexOf(':')) === ip)
      .map((s) => ({
        remoteIp: s.remote.slice(0, s.remote.lastIndexOf(':')),
        bytes: Buffer.concat(s.received)
      }));
  }
}

/** Polls `cond` once per event-loop turn until true or `ms` of real time passed. */
export async function waitFor(cond: () => boolean, ms: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await yieldToIo();
  }
}

/** A router on its own loopback address. */
export interface TestRouter {
  host: string;
  transport: Recorded;
  router: ProxyRouter;
  keys: KeyPair;
  info: RouterInfo;
}

/** Opens tcp endpoints and routers, and closes them all. */
export class ProxyNet {
  readonly #open: Transport[] = [];
  readonly #routers: ProxyRouter[] = [];

  /** A tcp endpoint listening on `host` (e.g. 127.0.0.2), recorded. */
  async endpoint(host: string, options: { deadAfterMs?: number } = {}): Promise<Recorded> {
    const t = recorded(
      await createTcpTransport({ host, pingIntervalMs: 500, deadAfterMs: 2000, ...options })
    );
    this.#open.push(t);
    return t;
  }

  /** A proxy router on `host`. */
  async router(host: string, maxCircuits = 20): Promise<TestRouter> {
    const transport = await this.endpoint(host);
    const keys = generateKeyPair();
    const router = createProxyRouter({ transport, staticKeyPair: keys, maxCircuits });
    this.#routers.push(router);
    return {
      host,
      transport,
      router,
      keys,
      info: { address: transport.address, noiseKey: keys.publicKey }
    };
  }

  /** Kills a router: stops relaying and closes its transport (its peers see it go). */
  async kill(r: TestRouter): Promise<void> {
    r.router.stop();
    await r.transport.close();
  }

  async close(): Promise<void> {
    for (const r of this.#routers) r.stop();
    await Promise.allSettled(this.#open.map((t) => t.close()));
  }
}
