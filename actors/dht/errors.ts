/**
 * DHT errors. Record refusals travel back to the storing node as `cmd.fail` with these codes, and
 * every refusal is counted, so a forged or replayed record is visible in the node's stats.
 */
import { BitDustError } from '../errors.js';

/** Every code the DHT reports. */
export type DhtErrorCode =
  | 'ERR_DHT_RECORD_FORGED'
  | 'ERR_DHT_RECORD_EXPIRED'
  | 'ERR_DHT_RECORD_TTL'
  | 'ERR_DHT_RECORD_TOO_LARGE'
  | 'ERR_DHT_RECORD_STALE'
  | 'ERR_DHT_RECORD_KEY'
  | 'ERR_DHT_STORE_FULL'
  | 'ERR_DHT_NO_PEERS'
  | 'ERR_DHT_LOOKUP_FAILED'
  | 'ERR_DHT_STORE_FAILED'
  | 'ERR_DHT_REMOTE'
  | 'ERR_DHT_NOT_STARTED';

/** A DHT operation or record was refused. */
export class DhtError extends BitDustError {
  declare readonly code: DhtErrorCode;

  constructor(code: DhtErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
    this.name = 'DhtError';
  }
}
