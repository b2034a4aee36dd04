/**
 * Transport errors: the three ways a send can fail that a caller must tell apart — its own endpoint
 * is closed (stop), the peer cannot be reached (back off, try another route), or the frame is
 * too large (a bug or an attack upstream: split it, never retry it as is).
 */
import { BitDustError } from '../errors.js';

/** Every code a transport can report. */
export type TransportErrorCode =
  | 'ERR_TRANSPORT_CLOSED'
  | 'ERR_TRANSPORT_UNREACHABLE'
  | 'ERR_TRANSPORT_FRAME_TOO_LARGE'
  | 'ERR_TRANSPORT_ADDRESS_IN_USE';

/** A transport operation failed. */
export class TransportError extends BitDustError {
  declare readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'TransportError';
  }

  /** This endpoint is closed (or its node is down). */
  static closed(address: string): TransportError {
    return new TransportError('ERR_TRANSPORT_CLOSED', `transport ${address} is closed`);
  }

  /** `to` cannot be reached now. */
  static unreachable(to: string, why: string): TransportError {
    return new TransportError('ERR_TRANSPORT_UNREACHABLE', `${to} is unreachable: ${why}`);
  }

  /** The frame exceeds the transport's cap. */
  static tooLarge(bytes: number, max: number): TransportError {
    return new TransportError('ERR_TRANSPORT_FRAME_TOO_LARGE', `frame of ${bytes} B > ${max} B`);
  }
}
