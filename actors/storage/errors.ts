/**
 * Storage errors: one class, stable codes (ERR_STORAGE_<WHAT>, never reused once retired). A
 * supplier handler that throws one of these answers the peer with `cmd.fail` carrying the code, so
 * the customer side sees the same code the supplier raised.
 */
import { BitDustError } from '../errors.js';

/** Every code the storage area reports. */
export type StorageErrorCode =
  /** A sealed block failed authentication: wrong key, wrong (backup, block) or altered bytes. */
  | 'ERR_STORAGE_TAMPERED'
  /** Bytes that do not parse as the format they claim (sealed block, proof, catalog image). */
  | 'ERR_STORAGE_FORMAT'
  /** A key of the wrong length or an argument out of range. */
  | 'ERR_STORAGE_ARGUMENT'
  /** Bytes whose hash is not the one they were announced or stored with. */
  | 'ERR_STORAGE_HASH_MISMATCH'
  /** A stored shard no longer matches its hash: reported, never served. */
  | 'ERR_STORAGE_CORRUPT'
  /** No such shard (or no such catalog entry). */
  | 'ERR_STORAGE_NOT_FOUND'
  /** The supplier refuses service to this customer (policy, rejected earlier, closed). */
  | 'ERR_STORAGE_REFUSED'
  /** The customer owes more than the supplier's credit limit: no new data until it pays. */
  | 'ERR_STORAGE_UNPAID'
  /** Not enough space: the supplier's capacity or the customer's granted quota is exhausted. */
  | 'ERR_STORAGE_QUOTA'
  /** A customer without accepted service tried to store. */
  | 'ERR_STORAGE_NO_SERVICE'
  /** Too few good shards for some blocks: `blocks` names them. */
  | 'ERR_STORAGE_UNRECOVERABLE'
  /** A restored file's hash is not the one in the catalog. */
  | 'ERR_STORAGE_FILE_HASH'
  /** The catalog refused an operation (unknown file or version, inconsistent commit). */
  | 'ERR_STORAGE_CATALOG'
  /** Fewer positions than required acknowledged a block. */
  | 'ERR_STORAGE_UNDER_REPLICATED'
  /** A job was cancelled. */
  | 'ERR_STORAGE_CANCELLED'
  /** A restore target exists and overwriting was not asked for. */
  | 'ERR_STORAGE_EXISTS';

/** A storage operation failed; `blocks` lists the block indexes concerned, when there are any. */
export class StorageError extends BitDustError {
  declare readonly code: StorageErrorCode;

  constructor(
    code: StorageErrorCode,
    message: string,
    options?: ErrorOptions & { blocks?: readonly number[] }
  ) {
    super(code, message, options);
    this.name = 'StorageError';
    this.blocks = options?.blocks ?? [];
  }

  /** Block indexes this error is about (unrecoverable blocks, tampered blocks). */
  readonly blocks: readonly number[];

  /** Blocks that cannot be recovered: fewer than k good shards. */
  static unrecoverable(blocks: readonly number[], detail: string): StorageError {
    return new StorageError(
      'ERR_STORAGE_UNRECOVERABLE',
      `blocks ${blocks.join(', ')} cannot be recovered: ${detail}`,
      { blocks }
    );
  }
}
