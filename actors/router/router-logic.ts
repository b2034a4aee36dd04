/**
 * The router as a supervised actor: starting it takes frames from the transport, stopping it (or a
 * crash of a sibling under rest_for_one) fails every pending request with ERR_ROUTER_CLOSED, so no
 * caller waits on a router that is gone.
 */
import { fromCallback } from 'xstate';
import { childSpec } from '../supervisor/index.js';
import type { ChildSpec } from '../supervisor/index.js';
import type { Router } from './types.js';

/** Actor logic whose lifetime is the router's. */
export function routerLogic(router: Router) {
  return fromCallback(() => {
    router.start();
    return () => router.stop();
  });
}

/**
 * A child spec for the network supervisor.
 *
 * @example
 *   supervisorSpec('network', { strategy: 'rest_for_one', children: [routerChildSpec(router), ...] });
 */
export function routerChildSpec(router: Router, id = 'router'): ChildSpec {
  return childSpec(id, routerLogic(router), { systemId: id, shutdown: 'brutal_kill' });
}
