/**
 * Router errors: the one typed failure a request ends with when no reply came (a reply, even a
 * `cmd.fail`, is a response, not an error). Codes are the request machine's failure codes.
 */
import { BitDustError } from '../errors.js';
import type { RequestFailureCode } from '../../machines/router/machine.js';

/** Every code a request can fail with, plus `ERR_ROUTER_NOT_STARTED`. */
export type RouterErrorCode = RequestFailureCode | 'ERR_ROUTER_NOT_STARTED';

/** A request ended without a reply. */
export class RouterError extends BitDustError {
  declare readonly code: RouterErrorCode;

  constructor(
    code: RouterErrorCode,
    message: string,
    /** Attempts made before giving up. */
    readonly attempts = 0,
    options?: ErrorOptions
  ) {
    super(code, message, options);
    this.name = 'RouterError';
  }

  /** The node layer has no address for `peer`. */
  static noRoute(peer: string): RouterError {
    return new RouterError('ERR_ROUTER_NO_ROUTE', `no address known for ${peer}`);
  }
}
