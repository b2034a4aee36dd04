/**
 * Test helpers for storage: temporary LMDB dirs that are removed afterwards, the code of the
 * StorageError a call throws, and a pump that drives
 * a TestClock without outrunning real disk I/O. Simulated time only moves while no tracked I/O is
 * in flight, so a durable LMDB write that takes real milliseconds never looks like a router timeout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestClock } from '../clock.js';
import { openLmdbStore, type KvStore } from '../store/index.js';
import { StorageError } from './errors.js';

/** Counts promises in flight; `idle()` resolves when none is. */
export class IoGate {
  private pending = 0;
  private waiters: Array<() => void> = [];

  /** Tracks `p` until it settles; returns it. */
  track<T>(p: Promise<T>): Promise<T> {
    this.pending++;
    const done = () => {
      if (--this.pending === 0) for (const w of this.waiters.splice(0)) w();
    };
    p.then(done, done);
    return p;
  }

  idle(): Promise<void> {
    return this.pending === 0 ? Promise.resolve() : new Promise((r) => this.waiters.push(r));
  }

  /** Wraps every method of `target` returning a promise so its calls are tracked. */
  wrap<T extends object>(target: T): T {
    return new Proxy(target, {
      get: (obj, prop, receiver) => {
        const value = Reflect.get(obj, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const out = (value as (...a: unknown[]) => unknown).apply(obj, args);
          return out instanceof Promise ? this.track(out) : out;
        };
      }
    });
  }
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Runs `work` while advancing `clock` by `stepMs` whenever `gate` is idle, for at most `maxSteps`
 * steps; rejects if `work` is still pending then.
 */
export async function pump<T>(
  clock: TestClock,
  gate: IoGate,
  work: Promise<T>,
  { stepMs = 5, maxSteps = 200_000 } = {}
): Promise<T> {
  let done = false;
  work.then(
    () => (done = true),
    () => (done = true)
  );
  for (let i = 0; i < maxSteps && !done; i++) {
    await gate.idle();
    await settle();
    if (!done) clock.increment(stepMs);
  }
  if (!done) throw new Error(`pump: work still pending after ${maxSteps} steps`);
  return work;
}

/** A temporary directory and LMDB stores inside it, all removed by `cleanup()`. */
export function tempStores(prefix = 'bd-storage-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const open: KvStore[] = [];
  return {
    dir,
    open(name: string): KvStore {
      const s = openLmdbStore({ path: join(dir, name) });
      open.push(s);
      return s;
    },
    async cleanup(): Promise<void> {
      for (const s of open) await s.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/**
 * Rewrites the pieces (`hash ‖ shard`) a supplier store holds under `prefix` behind its back, as
 * a failing disk or a cheating supplier would: `alter` returns the new piece, or `null` to drop
 * the shard. The account is left as it is. Returns how many pieces were found.
 */
export async function alterStoredPieces(
  supplierStore: KvStore,
  prefix: string,
  alter: (piece: Uint8Array) => Uint8Array | null
): Promise<number> {
  const rows = await supplierStore.sub('shards').range({ prefix });
  for (const { key } of rows) {
    const piece = await supplierStore.sub('pieces').readBytes(key, (b) => b.slice());
    const next = piece && alter(piece);
    await supplierStore.batch(
      next
        ? [{ type: 'put-bytes', key, bytes: next, sub: 'pieces' }]
        : [
            { type: 'remove', key, sub: 'pieces' },
            { type: 'remove', key, sub: 'shards' }
          ]
    );
  }
  return rows.length;
}

/** The code of the StorageError `fn` throws ('none' when it returns; any other error fails). */
export function storageCode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof StorageError)) throw err;
    return err.code;
  }
  return 'none';
}
