/**
 * The router: the command set over a Transport, with request/response matching, timeouts, retries,
 * duplicate suppression and replay rejection. Message schemas are in machines/router/messages.ts.
 */
export { createRouter } from './router.js';
export { routerChildSpec, routerLogic } from './router-logic.js';
export { RouterError } from './errors.js';
export type { RouterErrorCode } from './errors.js';
export { SeenCache } from './seen-cache.js';
export type { SeenEntry } from './seen-cache.js';
export type {
  RequestOptions,
  Router,
  RouterEnvelope,
  RouterHandler,
  RouterOptions,
  RouterRefusals,
  RouterStats
} from './types.js';
export { handleService } from './services.js';
export type { ServiceHandlers } from './services.js';
