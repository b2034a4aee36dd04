/**
 * Fetching one block for a restore: ask k positions, data shards first (the code is systematic:
 * with the k data shards nothing is reconstructed), one more position for each request that fails
 * or shard that fails the catalog's hash, and every remaining position once the block is late
 * (`hedge`: a silent or crashed supplier answers only at the router's timeout). The k shards are
 * checked, reconstructed if need be and opened on the block pool, off the event loop.
 *
 * A position that made a block late is asked last for the following blocks of the same fetcher
 * (one restore job, or a whole tree), until it answers again; so a dead supplier costs one hedge
 * delay, not one per block. The hedge delay follows the blocks' own fetch times (3 × their moving
 * average, at least `hedgeMs`), so a loaded node does not hedge every block.
 */
import type { Clock } from '../clock.js';
import { shardKey } from '../../machines/storage/keys.js';
import type { BlockPool, PoolFailure } from './block-pool.js';
import type { BlockRecord } from './catalog-types.js';
import type { StorageClient } from './customer-client.js';
import { StorageError } from './errors.js';

/** Options of {@link BlockFetcher}. */
export interface FetcherOptions {
  readonly client: StorageClient;
  /** Supplier id at each position (index = position). */
  readonly suppliers: readonly (string | undefined)[];
  /** Needed to open blocks (`fetch`), not to rebuild shards. */
  readonly dataKey?: Uint8Array;
  readonly clock: Clock;
  readonly pool: BlockPool;
  /** Told how each shard request to a position went. */
  readonly onShard?: (position: number, error?: unknown) => void;
  /** Least delay before the remaining positions are asked too (default 500 ms). */
  readonly hedgeMs?: number;
  /** Once aborted, every block not yet asked for fails with ERR_STORAGE_CANCELLED at once. */
  readonly signal?: AbortSignal;
}

type State = 'idle' | 'asked' | 'got' | 'failed';

/** See the module comment. */
export class BlockFetcher {
  private readonly slow = new Set<number>();
  private average = 0;
  /** Blocks fetched, and those that were late (every remaining position asked). */
  readonly stats = { blocks: 0, hedged: 0, reconstructed: 0 };

  constructor(private readonly o: FetcherOptions) {}

  /** Positions asked last: they made a block late and have not answered since. */
  get late(): ReadonlySet<number> {
    return this.slow;
  }

  /** The current hedge delay. */
  hedgeDelay(): number {
    return Math.max(this.o.hedgeMs ?? 500, 3 * this.average);
  }

  /** The plaintext of `block` of `backupId`; StorageError when it cannot be recovered. */
  fetch(backupId: string, k: number, block: BlockRecord): Promise<Uint8Array> {
    const { dataKey } = this.o;
    if (!dataKey) {
      return Promise.reject(new StorageError('ERR_STORAGE_ARGUMENT', 'no data key to open blocks'));
    }
    return this.gather(backupId, k, block, [], async (some) => {
      const out = await this.o.pool.decode(dataKey, backupId, k, block, some);
      return out.ok ? { ok: true, value: out.plain } : out;
    });
  }

  /**
   * The pieces (`hash ‖ shard`) of `block` at `positions`, rebuilt from k shards of the other
   * positions; `null` for a rebuilt shard that does not match the catalog (never sent).
   */
  rebuild(
    backupId: string,
    k: number,
    block: BlockRecord,
    positions: readonly number[]
  ): Promise<(Uint8Array | null)[]> {
    return this.gather(backupId, k, block, positions, async (some) => {
      const out = await this.o.pool.rebuild(k, block, some, positions);
      return out.ok ? { ok: true, value: out.pieces } : out;
    });
  }

  /**
   * Collects k shards (see the module comment) and hands them to `use`; positions `use` reports
   * bad are replaced by others. `skip`: positions never asked.
   */
  private gather<T>(
    backupId: string,
    k: number,
    block: BlockRecord,
    skip: readonly number[],
    use: (shards: (Uint8Array | null)[]) => Promise<{ ok: true; value: T } | PoolFailure>
  ): Promise<T> {
    const { client, suppliers, clock, onShard, signal } = this.o;
    if (signal?.aborted) {
      return Promise.reject(new StorageError('ERR_STORAGE_CANCELLED', 'the job was cancelled'));
    }
    const n = block.shards.length;
    const state: State[] = Array.from({ length: n }, (_, p) =>
      suppliers[p] && !skip.includes(p) ? 'idle' : 'failed'
    );
    const shards: (Uint8Array | null)[] = Array.from({ length: n }, () => null);
    const started = clock.now();
    let decoding = false;
    let finished = false;
    let hedged = false;
    let timer: unknown;
    let lastError: StorageError | undefined;
    // Data positions first, those late before after all others.
    const order = [...Array(n).keys()].sort(
      (a, b) => Number(this.slow.has(a)) - Number(this.slow.has(b)) || a - b
    );
    const count = (s: State) => state.filter((x) => x === s).length;

    return new Promise<T>((resolve, reject) => {
      const finish = (error: unknown, value?: { ok: true; value: T }) => {
        if (finished) return;
        finished = true;
        if (timer !== undefined) clock.clearTimeout(timer);
        if (value) {
          this.stats.blocks++;
          const took = clock.now() - started;
          this.average = this.average === 0 ? took : 0.8 * this.average + 0.2 * took;
          resolve(value.value);
        } else reject(error);
      };
      const ask = (pos: number) => {
        state[pos] = 'asked';
        const key = shardKey(backupId, block.index, pos);
        client
          .getShard(suppliers[pos]!, key, block.shards[pos]!.hash, { rehash: false })
          .then(
            (shard) => {
              this.slow.delete(pos);
              onShard?.(pos);
              if (finished) return;
              shards[pos] = shard;
              state[pos] = 'got';
            },
            (err: unknown) => {
              onShard?.(pos, err);
              if (finished) return;
              state[pos] = 'failed';
            }
          )
          .finally(step);
      };
      const decode = async () => {
        decoding = true;
        const chosen = order.filter((p) => state[p] === 'got').slice(0, k);
        if (chosen.some((p) => p >= k)) this.stats.reconstructed++;
        const some = shards.map((s, p) => (chosen.includes(p) ? s : null));
        try {
          const out = await use(some);
          if (out.ok) return finish(undefined, out);
          if (out.bad.length === 0) return finish(out.error);
          lastError = out.error;
          // Ours were moved to the pool: the good ones come back for the next try.
          out.shards?.forEach((s, p) => {
            if (s) shards[p] = s;
          });
          for (const p of out.bad) {
            state[p] = 'failed';
            shards[p] = null;
            onShard?.(p, new StorageError('ERR_STORAGE_HASH_MISMATCH', `position ${p} lied`));
          }
        } catch (err) {
          return finish(err);
        } finally {
          decoding = false;
        }
        step();
      };
      function step() {
        if (finished || decoding) return;
        if (count('got') >= k) return void decode();
        for (const p of order) {
          if (count('asked') + count('got') >= (hedged ? n : k)) break;
          if (state[p] === 'idle') ask(p);
        }
        if (count('asked') === 0 && count('got') < k) {
          finish(
            StorageError.unrecoverable(
              [block.index],
              `${count('got')} good shards of ${k} needed` +
                (lastError ? ` (${lastError.message})` : '')
            )
          );
        }
      }
      const hedge = () => {
        timer = undefined;
        if (finished) return;
        hedged = true;
        this.stats.hedged++;
        state.forEach((s, p) => s === 'asked' && this.slow.add(p));
        step();
      };
      timer = clock.setTimeout(hedge, this.hedgeDelay());
      step();
    });
  }
}
