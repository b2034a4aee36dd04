/**
 * Operational errors of the proxy layer, in the shared {@link BitDustError} shape.
 */
import { BitDustError } from '../errors.js';

/** An error of the proxy layer; codes are ERR_PROXY_<WHAT>. */
export class ProxyError extends BitDustError {
  /** No circuit is up (building, rebuilding or stopped): the caller retries later. */
  static notReady(): ProxyError {
    return new ProxyError('ERR_PROXY_NOT_READY', 'no circuit is up');
  }
  /** A frame above what one circuit cell carries. */
  static tooLarge(bytes: number, max: number): ProxyError {
    return new ProxyError('ERR_PROXY_FRAME_TOO_LARGE', `${bytes} B exceeds ${max} B`);
  }
}
