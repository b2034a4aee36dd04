/**
 * The in-memory store for simulations and tests: the same contract as LMDB (validation, ordering,
 * atomic batches, copies in and out), with writes applied at call time and "durable" meaning
 * "done" because there is no disk. Values are kept encoded, so nothing aliases the caller's objects.
 */
import { StoreError } from './errors.js';
import { checkKey, checkName, checkRange, compareKeys, decodeValue, encodeOp } from './keys.js';
import type { KvEntry, KvOp, KvStore } from './types.js';

/** One namespace: keys kept sorted for ranges, encoded values by key. */
interface Space {
  keys: string[];
  values: Map<string, Uint8Array>;
}

interface Env {
  spaces: Map<string, Space>;
  closed: boolean;
}

/** Creates an empty in-memory store (the root namespace). */
export function createMemoryStore(): KvStore {
  return handle({ spaces: new Map(), closed: false }, '');
}

/** First index where `pred` turns false (`pred` must hold for a prefix of `keys`). */
function lowerBound(keys: string[], pred: (k: string) => boolean): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(keys[mid] as string)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function apply(space: Space, op: { type: KvOp['type']; key: string }, bytes?: Uint8Array): void {
  const exists = space.values.has(op.key);
  if (op.type !== 'remove') {
    if (!exists) {
      space.keys.splice(
        lowerBound(space.keys, (k) => compareKeys(k, op.key) < 0),
        0,
        op.key
      );
    }
    space.values.set(op.key, bytes as Uint8Array);
  } else if (exists) {
    space.values.delete(op.key);
    space.keys.splice(
      lowerBound(space.keys, (k) => compareKeys(k, op.key) < 0),
      1
    );
  }
}

function joinPath(base: string, sub: string | undefined): string {
  if (sub === undefined) return base;
  const names = sub.split('/').map(checkName);
  return [base, ...names].filter(Boolean).join('/');
}

function handle(env: Env, namespace: string): KvStore {
  let closed = false;
  const children = new Map<string, KvStore>();
  const space = (path = namespace): Space => {
    if (env.closed || closed) throw StoreError.closed(namespace);
    let s = env.spaces.get(path);
    if (!s) env.spaces.set(path, (s = { keys: [], values: new Map() }));
    return s;
  };
  const read = <T>(key: string): T | undefined => {
    checkKey(key);
    const bytes = space().values.get(key);
    return bytes === undefined ? undefined : decodeValue<T>(bytes);
  };

  const store: KvStore = {
    namespace,
    get: async (key) => read(key),
    getMany: async (keys) => keys.map((k) => read(k)),
    async readBytes(key, use) {
      checkKey(key);
      const bytes = space().values.get(key);
      return bytes === undefined ? undefined : use(bytes);
    },
    put: (key, value) => store.batch([{ type: 'put', key, value }]),
    remove: (key) => store.batch([{ type: 'remove', key }]),
    async batch(ops: readonly KvOp[]) {
      space();
      // Validate and encode everything first: a bad op anywhere means nothing is written.
      const prepared = ops.map((op) => {
        checkKey(op.key);
        const path = joinPath(namespace, op.sub);
        return { op, path, bytes: encodeOp(op) };
      });
      for (const { op, path, bytes } of prepared) apply(space(path), op, bytes);
    },
    async range<T>(options = {}) {
      const { prefix, start, end, limit, reverse } = checkRange(options);
      const { keys, values } = space();
      let lo = 0;
      let hi = keys.length;
      if (start !== undefined)
        lo = Math.max(
          lo,
          lowerBound(keys, (k) => compareKeys(k, start) < 0)
        );
      if (end !== undefined)
        hi = Math.min(
          hi,
          lowerBound(keys, (k) => compareKeys(k, end) < 0)
        );
      if (prefix !== undefined) {
        lo = Math.max(
          lo,
          lowerBound(keys, (k) => compareKeys(k, prefix) < 0)
        );
        const past = (k: string): boolean => compareKeys(k, prefix) < 0 || k.startsWith(prefix);
        hi = Math.min(hi, lowerBound(keys, past));
      }
      const out: Array<KvEntry<T>> = [];
      for (let n = 0; n < Math.min(limit, hi - lo); n++) {
        const key = keys[reverse ? hi - 1 - n : lo + n] as string;
        out.push({ key, value: decodeValue<T>(values.get(key) as Uint8Array) });
      }
      return out;
    },
    async flushed() {
      space();
    },
    sub(name) {
      const path = joinPath(namespace, checkName(name));
      let child = children.get(name);
      if (!child) children.set(name, (child = handle(env, path)));
      return child;
    },
    async close() {
      if (namespace === '') env.closed = true;
      closed = true;
    }
  };
  return store;
}
