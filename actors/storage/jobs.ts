/**
 * Backup and restore jobs: the pure machines (machines/backup, machines/restore) given their
 * effects — the source file, the pipeline, the storage client and the catalog — and run as actors
 * on the node's clock. `runBackup` / `runRestore` start one and resolve with its output.
 */
import { createActor, fromPromise, type AnyActorLogic } from 'xstate';
import type { Clock } from '../clock.js';
import { backupMachine, type BackupOutput, type BlockRead } from '../../machines/backup/machine.js';
import { restoreMachine, type RestoreOutput } from '../../machines/restore/machine.js';
import { shardKey } from '../../machines/storage/keys.js';
import type { BlockRecord } from './catalog-types.js';
import type { Catalog } from './catalog.js';
import type { StorageClient } from './customer-client.js';
import { StorageError } from './errors.js';
import { SHARD_CHUNK_BYTES } from './merkle.js';
import type { Compression } from './block-codec.js';
import { sharedBlockPool, type BlockPool } from './block-pool.js';
import { cutBlocks, effectiveBlockSize, type EncodedBlock } from './pipeline.js';
import { BlockFetcher } from './fetch-block.js';
import { RestoreSession } from './restore-file.js';

/** What both jobs share. */
export interface JobContext {
  readonly client: StorageClient;
  readonly catalog: Catalog;
  readonly dataKey: Uint8Array;
  /** Supplier id at each position (index = position). */
  readonly suppliers: readonly (string | undefined)[];
  readonly clock: Clock;
  /** Told how each shard request to a position went (fire-hire tracks who answers). */
  readonly onShard?: (position: number, error?: unknown, key?: string) => void;
  /**
   * Runs the job's machine to its end (the customer runs it as a temporary child of its
   * supervisor, so it shows in the actor tree); default: a plain actor on `clock`.
   */
  readonly run?: <O>(logic: AnyActorLogic, input: unknown) => Promise<O>;
}

/** Options of {@link runBackup}. */
export interface BackupJob extends JobContext {
  readonly path: string;
  readonly backupId: string;
  readonly source: () => AsyncIterable<Uint8Array>;
  /** The source's pieces are ours to keep (fresh buffers): whole blocks are not copied again. */
  readonly sourceOwned?: boolean;
  readonly mtimeMs: number;
  readonly k: number;
  readonly m: number;
  readonly blockSize?: number;
  /** Positions that must acknowledge each block; default all k + m. */
  readonly minAcks?: number;
  /** Largest shard the route carries (default STORAGE_LIMITS.maxShardBytes). */
  readonly maxShardBytes?: number;
  /** Blocks in flight at once (default 1): the next block is read while earlier ones travel. */
  readonly window?: number;
  /** Where blocks are coded (default the process's shared pool). */
  readonly pool?: BlockPool;
  /** Block compression before sealing (default `auto`). */
  readonly compression?: Compression;
}

/** Runs a backup job to its end. */
export function runBackup(job: BackupJob): Promise<BackupOutput> {
  const blockSize = effectiveBlockSize(job.k, job.blockSize, job.maxShardBytes);
  const { dataKey, backupId, k, m } = job;
  const params = { dataKey, backupId, k, m, compression: job.compression ?? 'auto' } as const;
  // How this run cuts and codes the file: blocks another cut staged are not this run's blocks.
  const cut = `${blockSize}/${k}/${m}`;
  /** Blocks a previous run of this backup acknowledged, by index. */
  let staged = new Map<number, BlockRecord>();
  let blocks: AsyncIterator<Uint8Array> | undefined;
  let index = 0;
  let size = 0;
  const pool = job.pool ?? sharedBlockPool();
  // The file's hash is kept on the worker that encodes its blocks, fed in block order.
  const hash = pool.fileHash();
  let pending: { encoded: Promise<EncodedBlock> } | undefined;
  const inflight: Promise<void>[] = [];
  const logic = backupMachine.provide({
    actors: {
      prepare: fromPromise(async () => {
        const rows = await job.catalog.stagedBlocks(job.backupId, cut);
        staged = new Map(rows.map((b) => [b.index, b]));
        blocks = cutBlocks(job.source(), blockSize, job.sourceOwned)[Symbol.asyncIterator]();
        return { staged: staged.size };
      }),
      nextBlock: fromPromise<BlockRead>(async () => {
        const step = await blocks!.next();
        let plain = step.done ? undefined : step.value;
        if (plain === undefined && index > 0) return { index: undefined, staged: false, bytes: 0 };
        plain ??= new Uint8Array(0); // an empty file is one empty block
        size += plain.length;
        const i = index++;
        // Staged with this cut, a block is these very bytes; its size is checked all the same.
        if (staged.get(i) && staged.get(i)!.plainSize !== plain.length) staged.delete(i);
        if (staged.has(i)) {
          const bytes = plain.length;
          hash.update(plain, true); // moved to the worker: `plain` is empty from here
          return { index: i, staged: true, bytes };
        }
        // Coded on the block pool while earlier blocks travel; cutBlocks gave us this buffer.
        const bytes = plain.length;
        const encoded = pool.encode(params, i, plain, true, hash);
        encoded.catch(() => undefined); // awaited by sendBlock
        pending = { encoded };
        return { index: i, staged: false, bytes };
      }),
      sendBlock: fromPromise<{ bytes: number }, { index: number }>(async () => {
        const { encoded } = pending!;
        pending = undefined;
        // Shard bytes are known once the block is coded (compression decides them); the next
        // block is read while this one travels.
        const block = await encoded;
        const bytes = block.shards.reduce((n, s) => n + s.length, 0);
        // Once every position's request settled nothing holds the pieces: their buffer is reused.
        const sent = sendEncoded(job, block, cut).finally(() => pool.recycle(block));
        sent.catch(() => undefined); // observed below or at commit; never unhandled
        inflight.push(sent);
        while (inflight.length >= (job.window ?? 1)) await inflight.shift();
        return { bytes };
      }),
      commit: fromPromise(async () => {
        while (inflight.length > 0) await inflight.shift();
        // Staged rows past the end are another cut's (they go with the commit's clean-up).
        const records = (await job.catalog.stagedBlocks(job.backupId)).filter(
          (r) => r.index < index
        );
        const result = await job.catalog.commitVersion(
          {
            path: job.path,
            backupId: job.backupId,
            size,
            fileHash: await hash.digest(),
            mtimeMs: job.mtimeMs,
            committedAt: Math.floor(job.clock.now()),
            k: job.k,
            m: job.m,
            blockSize,
            blockCount: index,
            chunkBytes: SHARD_CHUNK_BYTES
          },
          records
        );
        return result;
      })
    }
  });
  const input = { path: job.path, backupId: job.backupId };
  if (job.run) return job.run<BackupOutput>(logic, input);
  return runToEnd(createActor(logic, { clock: job.clock, input }));
}

/** Sends a block's shards to their positions and stages it once enough acknowledged. */
async function sendEncoded(
  job: BackupJob,
  { record, pieces }: EncodedBlock,
  cut: string
): Promise<void> {
  const sent = await Promise.allSettled(
    pieces.map(async (piece, pos) => {
      const supplier = job.suppliers[pos];
      if (!supplier) throw new StorageError('ERR_STORAGE_NO_SERVICE', `no supplier at ${pos}`);
      const key = shardKey(job.backupId, record.index, pos);
      try {
        await job.client.putPiece(supplier, key, piece);
        job.onShard?.(pos, undefined, key);
      } catch (err) {
        job.onShard?.(pos, err);
        throw err;
      }
    })
  );
  const acks = sent.filter((r) => r.status === 'fulfilled').length;
  if (acks < (job.minAcks ?? pieces.length)) {
    const first = sent.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    throw new StorageError(
      'ERR_STORAGE_UNDER_REPLICATED',
      `block ${record.index}: ${acks} of ${pieces.length} positions acknowledged` +
        (first ? ` (${String((first.reason as Error)?.message ?? first.reason)})` : ''),
      { blocks: [record.index] }
    );
  }
  await job.catalog.stageBlock(job.backupId, record, cut);
}

/** Options of {@link runRestore}. */
export interface RestoreJob extends JobContext {
  readonly path: string;
  /** Newest when omitted. */
  readonly version?: number;
  readonly target: string;
  readonly overwrite?: boolean;
  /** Shared by the files of one tree restore (it learns which positions are late). */
  readonly fetcher?: BlockFetcher;
  /** Blocks fetched ahead of the one being written (default 4). */
  readonly readAhead?: number;
  /** Told each block written (its index and the version's block size), for progress. */
  readonly onBlock?: (index: number, blockSize: number) => void;
}

/**
 * Asks every position for a block's shard at once and settles as soon as k of them arrived with
 * the catalog's hash (the fastest suppliers), or when every request has settled.
 */
export function fetchFastest(
  client: StorageClient,
  suppliers: readonly (string | undefined)[],
  backupId: string,
  k: number,
  block: BlockRecord,
  onShard?: (position: number, error?: unknown) => void
): Promise<(Uint8Array | null)[]> {
  const out: (Uint8Array | null)[] = block.shards.map(() => null);
  return new Promise((resolve) => {
    let good = 0;
    let settled = 0;
    block.shards.forEach((info, pos) => {
      const supplier = suppliers[pos];
      const request = supplier
        ? client.getShard(supplier, shardKey(backupId, block.index, pos), info.hash)
        : Promise.reject(new Error('no supplier'));
      request
        .then((shard) => {
          if (good < k) out[pos] = shard;
          good++;
          if (supplier) onShard?.(pos);
        })
        .catch((err: unknown) => {
          if (supplier) onShard?.(pos, err);
        })
        .finally(() => {
          settled++;
          if (good >= k || settled === block.shards.length) resolve(out.slice());
        });
    });
  });
}

/** Runs a restore job to its end. */
export function runRestore(job: RestoreJob): Promise<RestoreOutput> {
  let session: RestoreSession | undefined;
  let blockSize = 0;
  const logic = restoreMachine.provide({
    actors: {
      prepare: fromPromise(async () => {
        const version = await job.catalog.version(job.path, job.version);
        const blocks = await job.catalog.blocks(version.backupId);
        const fetcher =
          job.fetcher ??
          new BlockFetcher({
            client: job.client,
            suppliers: job.suppliers,
            dataKey: job.dataKey,
            clock: job.clock,
            pool: sharedBlockPool(),
            ...(job.onShard ? { onShard: job.onShard } : {})
          });
        blockSize = version.blockSize;
        session = new RestoreSession({
          dataKey: job.dataKey,
          version,
          blocks,
          target: job.target,
          overwrite: job.overwrite,
          ...(job.readAhead !== undefined ? { readAhead: job.readAhead } : {}),
          fileHash: sharedBlockPool().fileHash(),
          fetchBlock: (b) => fetcher.fetch(version.backupId, version.k, b)
        });
        return { blockCount: await session.open() };
      }),
      restoreBlock: fromPromise<{ ok: boolean }, { index: number }>(async ({ input }) => {
        const ok = await session!.block(input.index);
        if (ok) job.onBlock?.(input.index, blockSize);
        return { ok };
      }),
      finish: fromPromise<void, { lost: readonly number[] }>(({ input }) =>
        session!.finish(input.lost)
      ),
      abort: fromPromise(async () => session?.abort())
    }
  });
  const input = { path: job.path, version: job.version ?? 0 };
  if (job.run) return job.run<RestoreOutput>(logic, input);
  return runToEnd(createActor(logic, { clock: job.clock, input }));
}

function runToEnd<O>(actor: {
  subscribe: (o: { complete: () => void; error: (e: unknown) => void }) => unknown;
  start: () => void;
  getSnapshot: () => { output?: O };
}): Promise<O> {
  return new Promise((resolve, reject) => {
    actor.subscribe({ complete: () => resolve(actor.getSnapshot().output as O), error: reject });
    actor.start();
  });
}
