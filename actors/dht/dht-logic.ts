/**
 * The DHT node as a supervised actor: starting it registers the RPC handlers and the maintenance
 * timers, stopping it removes both. Bootstrapping is the node layer's call, once the router runs.
 */
import { fromCallback } from 'xstate';
import { childSpec, type ChildSpec } from '../supervisor/index.js';
import type { DhtNode } from './types.js';

/** Actor logic whose lifetime is the DHT node's. */
export function dhtLogic(dht: DhtNode) {
  return fromCallback(() => {
    dht.start();
    return () => dht.stop();
  });
}

/**
 * A child spec for the network supervisor, after the router's (rest_for_one: a router restart
 * restarts the DHT with it).
 */
export function dhtChildSpec(dht: DhtNode, id = 'dht'): ChildSpec {
  return childSpec(id, dhtLogic(dht), { systemId: id, shutdown: 'brutal_kill' });
}
