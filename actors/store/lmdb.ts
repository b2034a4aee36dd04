/**
 * The LMDB store (lmdb-js): one environment per data dir, one named database per namespace. Keys
 * are stored as their raw UTF-8 bytes (`keyEncoding: 'binary'`) so LMDB's memcmp order is exactly
 * the code point order the memory store uses; values are our own plain msgpack, stored as bytes, so
 * both stores return identical values (`put-bytes` values are stored as they are).
 *
 * Durability: a write's promise resolves when its transaction is committed (visible). With
 * lmdb-js's default `overlappingSync` the fsync happens after the commit, so "durable" additionally
 * awaits the environment's `flushed` promise, which covers every commit before it.
 */
import { open, type Database, type RootDatabase } from 'lmdb';
import { StoreError } from './errors.js';
import { checkKey, checkName, checkRange, decodeValue, encodeOp } from './keys.js';
import type { KvEntry, KvOp, KvStore } from './types.js';

/** Options for {@link openLmdbStore}. */
export interface LmdbStoreOptions {
  /** The environment directory (created if missing). */
  path: string;
  /** LZ4 for large values; must stay the same for the life of the data dir. */
  compression?: boolean;
  /** Most namespaces the environment can hold (LMDB's `maxDbs`); default 64. */
  maxDbs?: number;
}

type Db = Database<Buffer, Buffer>;

interface Env {
  root: RootDatabase<Buffer, Buffer>;
  dbs: Map<string, Db>;
  compression: boolean;
  closed: boolean;
}

/** Opens (or creates) an LMDB store in `options.path`; returns its root namespace. */
export function openLmdbStore(options: LmdbStoreOptions): KvStore {
  const root = io(() =>
    open<Buffer, Buffer>({
      path: options.path,
      maxDbs: options.maxDbs ?? 64,
      keyEncoding: 'binary',
      encoding: 'binary',
      compression: options.compression ?? false,
      // Without it lmdb-js runs queued batches after queued single puts: call order would be lost.
      strictAsyncOrder: true,
      noSync: false
    })
  );
  return handle(
    { root, dbs: new Map(), compression: options.compression ?? false, closed: false },
    ''
  );
}

/** Runs an lmdb-js call, wrapping its failures (which are plain Errors) as ERR_STORE_IO. */
function io<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError('ERR_STORE_IO', 'lmdb operation failed', { cause: err });
  }
}

/** {@link io} for calls that return a promise: rejections are wrapped too. */
async function ioAsync<T>(fn: () => PromiseLike<T>): Promise<T> {
  try {
    return await io(fn);
  } catch (err) {
    if (err instanceof StoreError) throw err;
    throw new StoreError('ERR_STORE_IO', 'lmdb operation failed', { cause: err });
  }
}

const utf8 = (key: string): Buffer => Buffer.from(key, 'utf8');

/** Marks a write's own promise as handled (its batch reports the outcome). */
function ignore(result: unknown): void {
  const p = result as PromiseLike<unknown> | undefined;
  if (typeof p?.then === 'function') p.then(undefined, () => undefined);
}

/** The smallest byte string above every string starting with `prefix` (UTF-8 has no 0xff). */
function successor(prefix: Buffer): Buffer {
  const out = Buffer.from(prefix);
  out[out.length - 1] = (out[out.length - 1] as number) + 1;
  return out;
}

const maxBuf = (a?: Buffer, b?: Buffer): Buffer | undefined =>
  !a ? b : !b ? a : Buffer.compare(a, b) >= 0 ? a : b;
const minBuf = (a?: Buffer, b?: Buffer): Buffer | undefined =>
  !a ? b : !b ? a : Buffer.compare(a, b) <= 0 ? a : b;

function joinPath(base: string, sub: string | undefined): string {
  if (sub === undefined) return base;
  return [base, ...sub.split('/').map(checkName)].filter(Boolean).join('/');
}

function handle(env: Env, namespace: string): KvStore {
  let closed = false;
  const children = new Map<string, KvStore>();
  const db = (path = namespace): Db => {
    if (env.closed || closed) throw StoreError.closed(namespace);
    let d = env.dbs.get(path);
    if (!d) {
      const name = `kv:${path}`;
      d = io(() =>
        env.root.openDB<Buffer, Buffer>({
          name,
          keyEncoding: 'binary',
          encoding: 'binary',
          compression: env.compression
        })
      );
      env.dbs.set(path, d);
    }
    return d;
  };
  const durable = async (durable: boolean | undefined): Promise<void> => {
    if (durable) await ioAsync(() => env.root.flushed);
  };

  const store: KvStore = {
    namespace,
    async get<T>(key: string) {
      checkKey(key);
      const bytes = io(() => db().get(utf8(key)));
      return bytes === undefined ? undefined : decodeValue<T>(bytes);
    },
    async readBytes(key, read) {
      checkKey(key);
      const d = db();
      // getBinaryFast: a view of the map (or of lmdb-js's shared buffer), valid until the next
      // read; `read` runs before anything else can read.
      const bytes = io(() => d.getBinaryFast(utf8(key)));
      // A plain Uint8Array view (lmdb-js's shared buffer reports the value's length as its own).
      return bytes === undefined
        ? undefined
        : read(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length));
    },
    async getMany<T>(keys: readonly string[]) {
      keys.forEach(checkKey);
      const d = db();
      const values = await ioAsync(() => d.getMany(keys.map(utf8)));
      return values.map((b) => (b === undefined ? undefined : decodeValue<T>(b)));
    },
    async put(key, value, options) {
      checkKey(key);
      const bytes = encodeOp({ type: 'put', key, value })!;
      const d = db();
      await ioAsync(() =>
        d.put(utf8(key), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      );
      await durable(options?.durable);
    },
    async remove(key, options) {
      checkKey(key);
      const d = db();
      await ioAsync(() => d.remove(utf8(key)));
      await durable(options?.durable);
    },
    async batch(ops: readonly KvOp[], options) {
      // Everything is validated, encoded and every database opened before the transaction starts:
      // inside it, nothing can fail halfway.
      const prepared = ops.map((op) => {
        checkKey(op.key);
        // put-bytes: no copy here, LMDB copies them into the transaction (the caller waits).
        const bytes = encodeOp(op, false);
        return { d: db(joinPath(namespace, op.sub)), key: utf8(op.key), bytes };
      });
      db();
      // One lmdb-js batch: its writes commit together, in call order with every other write,
      // and run on lmdb-js's write thread (the values are copied there, not on the event loop;
      // a transaction callback with putSync would hold the event loop for every byte).
      await ioAsync(() =>
        env.root.batch(() => {
          // The batch's promise carries the outcome; the single writes' own are not awaited.
          for (const { d, key, bytes } of prepared) {
            const value = bytes && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
            ignore(value ? d.put(key, value) : d.remove(key));
          }
        })
      );
      await durable(options?.durable);
    },
    async range<T>(options = {}) {
      const { prefix, start, end, limit, reverse } = checkRange(options);
      const p = prefix === undefined ? undefined : utf8(prefix);
      const lo = maxBuf(start === undefined ? undefined : utf8(start), p);
      const hi = minBuf(end === undefined ? undefined : utf8(end), p && successor(p));
      const d = db();
      const out: Array<KvEntry<T>> = [];
      if (limit === 0 || (lo && hi && Buffer.compare(lo, hi) >= 0)) return out;
      // lmdb-js reverse ranges start inclusive and end exclusive from the top, which is the wrong
      // way round for [lo, hi): walk down from hi and apply both bounds and the limit here.
      const entries = reverse
        ? io(() => d.getRange({ start: hi, reverse: true }))
        : io(() => d.getRange({ start: lo, end: hi }));
      for (const { key, value } of entries) {
        if (reverse && hi && Buffer.compare(key, hi) >= 0) continue;
        if (reverse && lo && Buffer.compare(key, lo) < 0) break;
        out.push({ key: key.toString('utf8'), value: decodeValue<T>(value) });
        if (out.length >= limit) break;
      }
      return out;
    },
    async flushed() {
      db();
      await ioAsync(() => env.root.flushed);
    },
    sub(name) {
      const path = joinPath(namespace, checkName(name));
      let child = children.get(name);
      if (!child) children.set(name, (child = handle(env, path)));
      return child;
    },
    async close() {
      closed = true;
      if (namespace !== '' || env.closed) return;
      env.closed = true;
      await ioAsync(() => env.root.close());
    }
  };
  return store;
}
