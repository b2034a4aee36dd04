/**
 * The proxy router service with real effects: it carries circuit hops for others over a plain
 * transport. Per hop it holds one Noise NK session with the circuit's builder (we are the
 * responder, the builder stays anonymous), its predecessor and, once extended, its successor —
 * nothing else. It removes its layer from forward cells and adds one to backward cells, so it
 * never sees the builder's payload, nor any address but its two neighbours'. As the last hop of a
 * registered circuit it is the builder's proxy router: frames for its token are sent back down the
 * circuit, frames the builder sends out leave from this router's address.
 *
 * Whether a hop is carried is decided by the router machine (capacity, stopped); a refusal goes
 * back as a destroy cell with the machine's plain reason.
 */
import { createActor, fromPromise, type Actor, type AnyActorRef } from 'xstate';
import { adoptActor, stopAdopted } from '../inspection/describe-actor.js';
import { realClock, type Clock } from '../clock.js';
import { announceService, withdrawService } from '../dht/index.js';
import type { DhtNode } from '../dht/types.js';
import type { KeyPair } from '../crypto/primitives.js';
import { routerMachine, type RouterContext } from '../../machines/proxy/router/machine.js';
import type { Transport } from '../transports/types.js';
import { RouterHops, type Hop } from './router-hops.js';

/** How to run a proxy router. */
export interface ProxyRouterOptions {
  /** The transport it listens on (shared with the node layer or its own). */
  transport: Transport;
  /** Its Noise static key pair; builders learn the public half from its announcement. */
  staticKeyPair: KeyPair;
  /** Circuit hops carried at once. Default 20. */
  maxCircuits?: number;
  /** When given, the router announces itself in the proxy-routers layer (or later: `announceIn`). */
  dht?: DhtNode;
  /** The node's actor to show the router under in the inspector (its network service). */
  parent?: AnyActorRef;
  /** Delay before a failed announcement is tried again. Default 60 s. */
  reannounceMs?: number;
  clock?: Clock;
}

/** Counters of a router; `frames*` count cells and routed frames handled. */
export interface ProxyRouterStats extends RouterContext {
  state: string;
  authFailures: number;
  badFrames: number;
  relayed: number;
  exitFrames: number;
  /** Layer buffers lent to a send and not given back yet, and allocated in all (layer-pool.ts). */
  layersOut: number;
  layersAllocated: number;
}

/** A running proxy router. */
export interface ProxyRouter {
  readonly address: string;
  readonly noiseKey: Uint8Array;
  readonly actor: Actor<typeof routerMachine>;
  stats(): ProxyRouterStats;
  /** Announces the router in `dht` (a node's DHT opens after its transport), retrying on failure. */
  announceIn(dht: DhtNode): void;
  /** Stops serving (refuses new hops, withdraws the announcement) and drops every hop. */
  stop(): void;
}

/** Starts a proxy router on `options.transport`. */
export function createProxyRouter(options: ProxyRouterOptions): ProxyRouter {
  const { transport, staticKeyPair: keys } = options;
  let dht = options.dht;
  let actor: Actor<typeof routerMachine> | null = null;
  const hops = new RouterHops(transport, keys, (event) => actor?.send(event));
  actor = createActor(
    routerMachine.provide({
      actions: {
        acceptRoute: (_, { key }) => hops.accept(key),
        refuseRoute: (_, { key, reason }) => hops.refuse(key, reason),
        withdraw: () => {
          if (dht) withdrawService(dht, 'proxy-routers');
        }
      },
      actors: {
        announce: fromPromise(async () => {
          if (!dht) return false;
          const noiseKey = Buffer.from(keys.publicKey).toString('hex');
          const capacity = options.maxCircuits ?? 20;
          await announceService(dht, 'proxy-routers', { meta: { noiseKey, capacity } });
          return true;
        })
      }
    }),
    {
      input: {
        maxCircuits: options.maxCircuits,
        ...(options.reannounceMs !== undefined ? { reannounceMs: options.reannounceMs } : {})
      },
      clock: options.clock ?? realClock,
      ...(options.parent ? { parent: options.parent, id: 'proxy.router' } : {})
    }
  );
  if (options.parent) adoptActor(options.parent, actor);
  actor.start();
  actor.send({ type: 'router.start' });
  const offFrame = transport.onFrame((from, frame) => hops.onFrame(from, frame), { borrow: true });
  const offDown = transport.onPeerDown?.((peer) => hops.onPeerDown(peer));
  return {
    address: transport.address,
    noiseKey: keys.publicKey,
    actor,
    stats: () => ({
      ...(actor as Actor<typeof routerMachine>).getSnapshot().context,
      state: JSON.stringify((actor as Actor<typeof routerMachine>).getSnapshot().value),
      ...hops.counters,
      layersOut: hops.layers.outstanding,
      layersAllocated: hops.layers.allocated
    }),
    announceIn(next) {
      dht = next;
      actor?.send({ type: 'router.announce' });
    },
    stop() {
      actor?.send({ type: 'router.stop' });
      hops.dropAll('router shutting down');
      offFrame();
      offDown?.();
      if (actor) stopAdopted(actor);
    }
  };
}

export type { Hop };
