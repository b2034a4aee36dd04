/**
 * The key-value store every piece of node state goes through: LMDB on disk, an in-memory twin for
 * simulations, both held to one compliance suite. Keys are strings ordered by their UTF-8 bytes
 * (which is Unicode code point order), values are plain msgpack values, and every write says
 * separately when it is visible (the promise) and when it is durable (`durable: true`, `flushed()`).
 */

/** A key: a non-empty, well-formed string of at most {@link MAX_KEY_BYTES} UTF-8 bytes. */
export type KvKey = string;

/** Longest key in UTF-8 bytes; LMDB's own limit is 1978. */
export const MAX_KEY_BYTES = 1024;

/**
 * A stored value: null, boolean, number, string, Uint8Array, or arrays and plain objects of them.
 * Stored as plain msgpack, so what comes back is a copy: `undefined` object properties are dropped,
 * `-0` reads back as `0`, and `undefined` itself cannot be stored.
 */
export type KvValue = unknown;

/** One entry of a range read. */
export interface KvEntry<T = KvValue> {
  key: KvKey;
  value: T;
}

/**
 * One write of a batch; `sub` addresses a namespace below the store the batch runs on. `put-bytes`
 * stores `bytes` as they are, without msgpack (large blobs: one copy fewer each way); such a key is
 * read back with `readBytes`, not `get` or `range`. The store may keep `bytes` until the batch's
 * promise settles: the caller must not change them before.
 */
export type KvOp =
  | { type: 'put'; key: KvKey; value: KvValue; sub?: string }
  | { type: 'put-bytes'; key: KvKey; bytes: Uint8Array; sub?: string }
  | { type: 'remove'; key: KvKey; sub?: string };

/**
 * A range read. Bounds combine (intersection): `prefix` selects keys starting with it, `start` is
 * inclusive, `end` exclusive, whatever the direction. `limit` counts entries returned.
 */
export interface KvRangeOptions {
  prefix?: string;
  start?: KvKey;
  end?: KvKey;
  limit?: number;
  reverse?: boolean;
}

/** Options of a write. */
export interface KvWriteOptions {
  /**
   * Resolve only once the write is durable on disk, not merely committed and visible. Use it
   * before acknowledging anything to a peer (a stored shard, a ledger entry).
   */
  durable?: boolean;
}

/** A namespace of the store; see docs/store.md for the sub-database layout. */
export interface KvStore {
  /** `''` for the root, else the slash-joined path of sub names (`shards`, `catalog/files`). */
  readonly namespace: string;
  /** The value, or `undefined` when absent. */
  get<T = KvValue>(key: KvKey): Promise<T | undefined>;
  /**
   * The bytes stored under `key` (by `put-bytes`) handed to `read`, whose result is returned;
   * `undefined` when absent. `bytes` is valid only during the call (LMDB: a view of its memory
   * map, no copy): `read` copies what it keeps and must not modify them.
   */
  readBytes<R>(key: KvKey, read: (bytes: Uint8Array) => R): Promise<R | undefined>;
  /** Values in the order of `keys`, `undefined` where absent. */
  getMany<T = KvValue>(keys: readonly KvKey[]): Promise<Array<T | undefined>>;
  /** Writes one value; resolves once committed and visible to reads. */
  put(key: KvKey, value: KvValue, options?: KvWriteOptions): Promise<void>;
  /** Removes a key (absent keys are fine); resolves once committed. */
  remove(key: KvKey, options?: KvWriteOptions): Promise<void>;
  /**
   * Applies all ops atomically, in order: every key and value is validated first, so one bad op
   * rejects the whole batch and nothing is written.
   */
  batch(ops: readonly KvOp[], options?: KvWriteOptions): Promise<void>;
  /** Entries in key order (descending when `reverse`). */
  range<T = KvValue>(options?: KvRangeOptions): Promise<Array<KvEntry<T>>>;
  /** Resolves once every write issued before the call is durable on disk. */
  flushed(): Promise<void>;
  /** A namespace below this one; names match `[a-z0-9][a-z0-9_-]{0,31}`. Same handle each call. */
  sub(name: string): KvStore;
  /**
   * On the root: waits for pending writes, then closes everything. On a sub: closes that handle.
   * Afterwards every call rejects with `ERR_STORE_CLOSED`.
   */
  close(): Promise<void>;
}
