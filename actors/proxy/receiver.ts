/**
 * The proxy receiver with real effects: runs the receiver machine (find routers, build a circuit,
 * publish its address, rebuild on failure) and the reachability machine, over a plain transport
 * that only ever talks to the circuit's first hop.
 */
import { createActor, fromCallback, fromPromise, type Actor, type AnyActorRef } from 'xstate';
import { adoptActor, stopAdopted } from '../inspection/describe-actor.js';
import { realClock, type Clock } from '../clock.js';
import { createRandom, type Random } from '../random.js';
import { seekService } from '../dht/index.js';
import type { DhtNode } from '../dht/types.js';
import type { Transport } from '../transports/types.js';
import {
  receiverMachine,
  type ReceiverContext,
  type ReceiverEvent
} from '../../machines/proxy/receiver/machine.js';
import { reachabilityMachine } from '../../machines/proxy/reachability/machine.js';
import { CELL_TAG, decodeCell } from '../../machines/proxy/circuit/messages.js';
import {
  CircuitClient,
  type CircuitHandlers,
  type CircuitTiming,
  type RouterInfo
} from './circuit-client.js';
import { ProxyError } from './errors.js';

/** Where routers come from: the DHT proxy-routers layer, or a fixed list (tests, preferred). */
export type RouterDirectory = () => Promise<RouterInfo[]>;

/** A fixed list of routers. */
export const staticDirectory =
  (routers: RouterInfo[]): RouterDirectory =>
  async () => [...routers];

/** Routers announced in the DHT proxy-routers layer with a `noiseKey` (hex) in their meta. */
export const dhtDirectory =
  (dht: DhtNode): RouterDirectory =>
  async () =>
    (await seekService(dht, 'proxy-routers'))
      .filter(
        (c) =>
          typeof c.meta?.noiseKey === 'string' && /^[0-9a-f]{64}$/.test(String(c.meta.noiseKey))
      )
      .map((c) => ({ address: c.address, noiseKey: Buffer.from(String(c.meta?.noiseKey), 'hex') }));

/** How to run a receiver. */
export interface ProxyReceiverOptions {
  transport: Transport;
  directory: RouterDirectory;
  /** Routers per circuit: 1 for NAT only (default), 3 in privacy mode. */
  hops?: number;
  /** Privacy mode: never `direct`, even when inbound works. */
  privacy?: boolean;
  timing?: CircuitTiming;
  retryDelayMs?: number;
  /**
   * Keep a spare circuit through other routers, built once the first is up, and switch to it at
   * once when the first fails (docs/proxy.md). Needs twice `hops` routers. Default false.
   */
  spare?: boolean;
  /** Pad every relay cell of its circuits to one size (docs/proxy.md, "Padding"). Default false. */
  pad?: boolean;
  clock?: Clock;
  random?: Random;
  /**
   * The node's actor to show the receiver under (its network service): the receiver, its
   * reachability and each circuit then run in the node's actor system, so the inspector sees them.
   */
  parent?: AnyActorRef;
}

/** Options that place an actor under `parent` in the node's system (none without one). */
export function hostedBy(parent: AnyActorRef | undefined, id: string) {
  return parent ? { parent, id } : {};
}

/** Shows `actor` under `parent` in the inspector's tree, when there is a parent. */
export function adoptBy(parent: AnyActorRef | undefined, actor: AnyActorRef): void {
  if (parent) adoptActor(parent, actor);
}

/** What the API and inspector show of a receiver. */
export interface ReceiverStatus extends ReceiverContext {
  state: string;
  reachability: { state: string; reason: string };
  authFailures: number;
  /** A spare circuit is up, ready to take over. */
  spareUp: boolean;
}

/** A running proxy receiver. */
export class ProxyReceiver {
  readonly actor: Actor<typeof receiverMachine>;
  readonly reachability: Actor<typeof reachabilityMachine>;
  #circuit: CircuitClient | null = null;
  #spare: CircuitClient | null = null;
  #spareAddress: string | null = null;
  #authFailures = 0;
  readonly #data = new Set<(peer: string, payload: Uint8Array) => void>();
  readonly #address = new Set<(address: string | null) => void>();
  readonly #off: (() => void)[] = [];

  constructor(readonly options: ProxyReceiverOptions) {
    const { transport, directory } = options;
    const clock = options.clock ?? realClock;
    const random = options.random ?? createRandom();
    const hops = options.hops ?? (options.privacy ? 3 : 1);
    const known = new Map<string, RouterInfo>();
    const parent = options.parent;
    this.reachability = createActor(reachabilityMachine, {
      input: { privacy: options.privacy },
      clock,
      ...hostedBy(parent, 'proxy.reachability')
    });
    adoptBy(parent, this.reachability);
    this.actor = createActor(
      receiverMachine.provide({
        actors: {
          findRouters: fromPromise(async ({ input }) => {
            const all = (await directory()).filter((r) => r.address !== transport.address);
            for (const r of all) known.set(r.address, r);
            const rank = new Map(all.map((r) => [r.address, random.next()]));
            const score = (a: string) => (input.suspects[a] ?? 0) + (rank.get(a) ?? 0);
            return all.map((r) => r.address).sort((a, b) => score(a) - score(b));
          }),
          circuit: fromCallback(({ sendBack, input, self }) => {
            const build = (routers: string[], shown: boolean): CircuitClient => {
              const c: CircuitClient = new CircuitClient(
                transport,
                routers.map((a) => known.get(a) as RouterInfo),
                this.#handlers(
                  sendBack,
                  () => c,
                  () => {
                    // The active circuit is up: build the spare, if one is wanted and possible.
                    if (input.spare.length === 0 || this.#spare) return;
                    this.#spare = build(input.spare, false);
                    this.#spare.start();
                  }
                ),
                options.timing,
                clock,
                // The inspector shows the first circuit; a spare that takes over is not adopted.
                parent && shown ? self : undefined,
                options.pad === true
              );
              return c;
            };
            const c = build(input.path, true);
            this.#circuit = c;
            c.start();
            return () => {
              for (const x of [this.#circuit, this.#spare]) x?.close();
              this.#circuit = this.#spare = null;
              this.#spareAddress = null;
            };
          })
        },
        actions: {
          publishContacts: (_, { address }) => {
            this.reachability.send({ type: 'reach.relayed', via: address, hops });
            for (const h of this.#address) h(address);
          },
          withdrawContacts: ({ event }) => {
            const reason = event.type === 'circuit.failed' ? event.reason : 'receiver stopped';
            this.reachability.send({ type: 'reach.relay-lost', reason });
            for (const h of this.#address) h(null);
          }
        }
      }),
      {
        input: { hops, retryDelayMs: options.retryDelayMs, spare: options.spare === true },
        clock,
        ...hostedBy(parent, 'proxy.receiver')
      }
    );
    adoptBy(parent, this.actor);
    // Borrowed: a cell is only read here (a layer is decrypted into a fresh buffer, a handshake
    // reply is copied by the handshake), so the medium need not copy every cell for us.
    this.#off.push(
      transport.onFrame(
        (from, frame) => {
          const [c, s] = [this.#circuit, this.#spare];
          if (frame[0] !== CELL_TAG || !c) return;
          try {
            const cell = decodeCell(frame);
            if (cell.circId === c.circId && from === c.path[0]?.address) c.onCell(cell);
            else if (s && cell.circId === s.circId && from === s.path[0]?.address) s.onCell(cell);
          } catch {
            /* not a cell of ours: the router role or nobody */
          }
        },
        { borrow: true }
      )
    );
    const offDown = transport.onPeerDown?.((peer, reason) => {
      for (const c of [this.#circuit, this.#spare]) {
        if (c && peer === c.path[0]?.address) c.linkDown(reason);
      }
    });
    if (offDown) this.#off.push(offDown);
    this.reachability.start();
    if (!options.privacy)
      this.reachability.send({ type: 'reach.inbound', ok: false, detail: 'behind NAT' });
    this.actor.start();
    this.actor.send({ type: 'receiver.start' });
  }

  /** The published proxy address, or null while (re)building. */
  get address(): string | null {
    return this.actor.getSnapshot().context.address;
  }

  /** Sends `payload` to `peer` through the circuit. */
  send(peer: string, payload: Uint8Array): Promise<void> {
    return this.sendParts(peer, [payload]);
  }

  /** Sends the payload `parts` make, joined, through the circuit (read, never kept). */
  sendParts(peer: string, parts: readonly Uint8Array[]): Promise<void> {
    const c = this.#circuit;
    if (!c) return Promise.reject(ProxyError.notReady());
    return c.sendParts(peer, parts);
  }

  /** Frames that came down the circuit: `peer` is the sender's reply address. */
  onData(h: (peer: string, payload: Uint8Array) => void): () => void {
    this.#data.add(h);
    return () => this.#data.delete(h);
  }

  /** Told the new address when a circuit comes up, null when it goes down. */
  onAddress(h: (address: string | null) => void): () => void {
    this.#address.add(h);
    return () => this.#address.delete(h);
  }

  /** Counters and states, for the API and tests. */
  status(): ReceiverStatus {
    const snap = this.actor.getSnapshot();
    const reach = this.reachability.getSnapshot();
    return {
      ...snap.context,
      state: JSON.stringify(snap.value),
      reachability: { state: String(reach.value), reason: reach.context.reason },
      authFailures: this.#authFailures,
      spareUp: this.#spare?.ready === true
    };
  }

  /** Stops: tears the circuit down and withdraws the contacts. */
  stop(): void {
    this.actor.send({ type: 'receiver.stop' });
    stopAdopted(this.actor);
    stopAdopted(this.reachability);
    for (const off of this.#off.splice(0)) off();
  }

  /**
   * What circuit `me()` reports. The active one tells the machine (and starts the spare once it
   * is up); a spare only notes its address until it takes over, which it does when the active
   * one fails while it is up (`circuit.switched`); a spare that ends unused is dropped.
   */
  #handlers(
    sendBack: (e: ReceiverEvent) => void,
    me: () => CircuitClient,
    activeUp: () => void
  ): CircuitHandlers {
    return {
      onReady: (address) => {
        if (me() === this.#spare) return void (this.#spareAddress = address ?? '');
        if (me() !== this.#circuit) return;
        sendBack({ type: 'circuit.ready', address: address ?? '' });
        activeUp();
      },
      onEnd: (o) => {
        if (me() === this.#spare) {
          this.#spare = null;
          this.#spareAddress = null;
          return;
        }
        if (me() !== this.#circuit || o.status !== 'failed') return;
        const failure = {
          code: o.code ?? 'ERR_PROXY_CIRCUIT',
          reason: o.reason,
          suspects: o.suspects
        };
        const spare = this.#spare;
        const address = this.#spareAddress;
        if (spare?.ready && address) {
          this.#circuit = spare;
          this.#spare = null;
          this.#spareAddress = null;
          return sendBack({ type: 'circuit.switched', address, ...failure });
        }
        sendBack({ type: 'circuit.failed', ...failure });
      },
      onData: (peer, payload) => {
        for (const h of this.#data) h(peer, payload);
      },
      onAuthFailure: () => {
        this.#authFailures++;
      }
    };
  }
}
