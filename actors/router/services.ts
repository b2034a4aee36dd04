/**
 * One router, many services: the router takes a single handler per request type, so
 * `cmd.request-service` and `cmd.cancel-service` are answered by a dispatcher that routes on
 * `body.service`. Each service registers its pair with {@link handleService}; the dispatcher is
 * installed on the first registration and removed with the last one.
 */
import { BitDustError } from '../errors.js';
import type { Router, RouterHandler } from './types.js';

/** The handlers of one service. */
export interface ServiceHandlers {
  request: RouterHandler<'cmd.request-service'>;
  cancel?: RouterHandler<'cmd.cancel-service'>;
}

interface Dispatcher {
  services: Map<string, ServiceHandlers>;
  off: () => void;
}

const dispatchers = new WeakMap<Router, Dispatcher>();

function unknown(service: string): never {
  throw new BitDustError('ERR_ROUTER_NO_SERVICE', `no service ${service} here`);
}

/**
 * Registers `service` on `router`; returns its removal. A second registration of the same service
 * is a programming error (TypeError), as for `router.handle`.
 */
export function handleService(router: Router, service: string, handlers: ServiceHandlers) {
  let d = dispatchers.get(router);
  if (!d) {
    const services = new Map<string, ServiceHandlers>();
    const offs = [
      router.handle('cmd.request-service', (env, address) => {
        const h = services.get(env.body.service) ?? unknown(env.body.service);
        return h.request(env, address);
      }),
      router.handle('cmd.cancel-service', (env, address) => {
        const h = services.get(env.body.service)?.cancel ?? unknown(env.body.service);
        return h(env, address);
      })
    ];
    d = { services, off: () => offs.forEach((f) => f()) };
    dispatchers.set(router, d);
  }
  if (d.services.has(service)) throw new TypeError(`service ${service} is already handled`);
  d.services.set(service, handlers);
  const current = d;
  return () => {
    current.services.delete(service);
    if (current.services.size === 0) {
      current.off();
      dispatchers.delete(router);
    }
  };
}
