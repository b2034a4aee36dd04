/**
 * The network service's `discovery` child: joins the DHT through the seeds, publishes the node's
 * identity document in the DHT's identities layer, and keeps a peer actor for every contact of the
 * routing table (up to the peers cap). It runs on ticks of the node's clock (and at once when a
 * session comes up), never in a loop: a tick that finds no session with a seed yet asks for one
 * and tries again on the next tick.
 */
import { fromCallback } from 'xstate';
import type { Clock } from '../../clock.js';
import type { DhtContact } from '../../dht/index.js';
import type { NetRuntime } from './net-runtime.js';

export interface DiscoveryDeps {
  clock: Clock;
  intervalMs: number;
  maxPeers: number;
  /** Transport addresses to join through (no node ids needed: the handshake proves them). */
  seeds(): string[];
  runtime(): NetRuntime;
  /** The node's current signed identity document (published as its identities record). */
  identityDocument(): Uint8Array;
  connect(address: string): void;
  /** Start peer actors for these contacts and retire long-dead ones. */
  sync(contacts: DhtContact[]): void;
  /** Lets a new session wake discovery before its next tick. */
  setKick(kick: () => void): void;
  log(level: 'info' | 'warn', obj: object, msg: string): void;
}

export function discoveryLogic(deps: DiscoveryDeps) {
  return fromCallback(() => {
    let stopped = false;
    let running = false;
    let again = false;
    let timer: unknown;
    let joined = false;
    let published = false;

    const join = async (rt: NetRuntime): Promise<boolean> => {
      const seeds = deps.seeds().filter((a) => a !== rt.raw.address);
      if (seeds.length === 0) return true; // the first node: others join through us
      for (const seed of seeds) {
        const session = rt.channel.get(seed);
        if (!session) {
          deps.connect(seed);
          continue;
        }
        const size = await rt.dht.bootstrap([{ id: session.nodeId, address: seed }]);
        deps.log('info', { seed, contacts: size }, 'joined the DHT');
        return true;
      }
      return false;
    };

    const publish = async (rt: NetRuntime): Promise<boolean> => {
      if (rt.dht.table.size === 0) return false;
      const out = await rt.dht.put('identities', rt.router.nodeId, deps.identityDocument());
      deps.log('info', { replicas: out.replicas }, 'identity published in the DHT');
      return true;
    };

    const schedule = (ms: number) => {
      if (stopped) return;
      deps.clock.clearTimeout(timer);
      timer = deps.clock.setTimeout(() => void tick(), ms);
    };

    const tick = async (): Promise<void> => {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        const rt = deps.runtime();
        if (!joined) joined = await join(rt);
        if (joined && !published) published = await publish(rt);
        deps.sync(rt.dht.table.closest(rt.router.nodeId, deps.maxPeers));
      } catch (err) {
        deps.log('warn', { err: String(err) }, 'discovery tick failed');
      } finally {
        running = false;
        schedule(again ? 0 : deps.intervalMs);
        again = false;
      }
    };

    deps.setKick(() => {
      if (!joined || !published) schedule(0);
    });
    schedule(0);
    return () => {
      stopped = true;
      deps.clock.clearTimeout(timer);
      deps.setKick(() => undefined);
    };
  });
}
