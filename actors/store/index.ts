/**
 * Node state storage: the KvStore contract, its LMDB and in-memory implementations, and the
 * compliance suite both pass. See docs/store.md.
 */
export type {
  KvEntry,
  KvKey,
  KvOp,
  KvRangeOptions,
  KvStore,
  KvValue,
  KvWriteOptions
} from './types.js';
export { MAX_KEY_BYTES } from './types.js';
export { StoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export { openLmdbStore } from './lmdb.js';
export type { LmdbStoreOptions } from './lmdb.js';
export { createMemoryStore } from './memory.js';
export { compareKeys } from './keys.js';
