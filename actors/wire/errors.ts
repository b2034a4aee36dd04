/**
 * Wire errors. Decoding runs on bytes from strangers, so every way it can fail has a stable code,
 * and nothing but a {@link DecodeError} ever leaves `decode`. Encoding failures are our own bugs or
 * oversize payloads, so they get their own class: a caller must never mistake one for the other.
 */
import { BitDustError } from '../errors.js';

/** Every code `decode` can report; stats keep one counter per code. */
export const DECODE_ERROR_CODES = [
  'ERR_WIRE_TOO_LARGE',
  'ERR_WIRE_MALFORMED',
  'ERR_WIRE_LIMIT',
  'ERR_WIRE_VERSION',
  'ERR_WIRE_UNKNOWN_TYPE',
  'ERR_WIRE_SCHEMA'
] as const;

/** A decode failure code: see docs/wire.md for what each one means. */
export type DecodeErrorCode = (typeof DECODE_ERROR_CODES)[number];

/** Codes `encode` can report (a subset of the decode codes: the same rules apply both ways). */
export type EncodeErrorCode = 'ERR_WIRE_TOO_LARGE' | 'ERR_WIRE_UNKNOWN_TYPE' | 'ERR_WIRE_SCHEMA';

/** The only error `decode` throws: the frame was rejected, the process is fine. */
export class DecodeError extends BitDustError {
  declare readonly code: DecodeErrorCode;

  constructor(code: DecodeErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'DecodeError';
  }
}

/** Thrown by `encode` when the outgoing envelope breaks the schema or the size cap. */
export class EncodeError extends BitDustError {
  declare readonly code: EncodeErrorCode;

  constructor(code: EncodeErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'EncodeError';
  }
}
