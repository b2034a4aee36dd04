/**
 * Store errors. Bad keys, values and names are caught before anything is written (that is what
 * makes batches all-or-nothing); failures of the underlying database are wrapped with their cause.
 */
import { BitDustError } from '../errors.js';

/** Every code a store can report. */
export type StoreErrorCode =
  | 'ERR_STORE_CLOSED'
  | 'ERR_STORE_KEY'
  | 'ERR_STORE_VALUE'
  | 'ERR_STORE_NAMESPACE'
  | 'ERR_STORE_RANGE'
  | 'ERR_STORE_CORRUPT'
  | 'ERR_STORE_IO';

/** A store operation failed; nothing of a failed batch was written. */
export class StoreError extends BitDustError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'StoreError';
  }

  /** The store (or this namespace of it) is closed. */
  static closed(namespace: string): StoreError {
    return new StoreError('ERR_STORE_CLOSED', `store ${JSON.stringify(namespace)} is closed`);
  }
}
