/**
 * The customer's upkeep with its effects: the list-files orator (what each position holds), the
 * rebuild job (missing shards put back at their positions) and the audit rounds (random Merkle
 * challenges). Each runs its pure machine (machines/list-files, rebuild, audit) on the node clock.
 */
import { createActor, fromPromise, type AnyActorLogic, type AnyActorRef } from 'xstate';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import { auditMachine, type AuditVerdict } from '../../machines/audit/machine.js';
import { listFilesMachine, type ListFilesOutput } from '../../machines/list-files/machine.js';
import {
  rebuildMachine,
  type BlockRebuilt,
  type RebuildOutput
} from '../../machines/rebuild/machine.js';
import { shardKey } from '../../machines/storage/keys.js';
import type { Catalog } from './catalog.js';
import type { StorageClient } from './customer-client.js';
import { StorageError } from './errors.js';
import { sharedBlockPool } from './block-pool.js';
import { BlockFetcher } from './fetch-block.js';
import type { Holdings, MissingWork } from './holdings.js';
import { chunkCount } from './merkle.js';

/** Blocks a rebuild works on at once. */
const REBUILD_AHEAD = 8;

/** What upkeep needs. */
export interface UpkeepContext {
  readonly client: StorageClient;
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly holdings: Holdings;
  /** Supplier id at each position now (`undefined`: vacant). */
  readonly suppliers: () => readonly (string | undefined)[];
  readonly onShard?: (position: number, error?: unknown, key?: string) => void;
}

/** Lists what every given position holds into `ctx.holdings`. */
export function runListFiles(ctx: UpkeepContext, positions: readonly number[]) {
  const logic = listFilesMachine.provide({
    actors: {
      listPosition: fromPromise<number, { position: number }>(async ({ input }) => {
        const supplier = ctx.suppliers()[input.position];
        if (!supplier) {
          ctx.holdings.drop(input.position);
          throw new StorageError('ERR_STORAGE_NO_SERVICE', `no supplier at ${input.position}`);
        }
        try {
          const keys = await ctx.client.listAll(supplier, '');
          ctx.holdings.set(input.position, keys);
          return keys.length;
        } catch (err) {
          ctx.holdings.drop(input.position);
          throw err;
        }
      })
    }
  });
  return runToEnd<ListFilesOutput>(logic, ctx.clock, { positions });
}

/** Runs a job's logic to its end (the customer runs jobs under its supervisor). */
export type JobRunner = <O>(logic: AnyActorLogic, input: unknown) => Promise<O>;

/** How far a rebuild is: blocks handled, and the shard bytes they put back (or tried to). */
export interface RebuildProgress {
  readonly blocksDone: number;
  readonly blocksTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

/**
 * Rebuilds every shard missing at `positions` (all when empty); lists them first. Once `signal`
 * is aborted no block is started: the rebuild fails with ERR_STORAGE_CANCELLED (what it sent is
 * kept; the next rebuild lists again).
 */
export function runRebuild(
  ctx: UpkeepContext,
  positions: readonly number[],
  run: JobRunner = (logic, input) => runToEnd(logic, ctx.clock, input),
  onProgress?: (p: RebuildProgress) => void,
  signal?: AbortSignal
): Promise<RebuildOutput> {
  let work: MissingWork[] = [];
  let fetcher: BlockFetcher | undefined;
  // Blocks are rebuilt REBUILD_AHEAD at a time; the machine still takes the results in order.
  const ahead = new Map<number, Promise<BlockRebuilt>>();
  const bytesOf = (w: MissingWork) => w.block.shardSize * w.positions.length;
  let blocksDone = 0;
  let bytesDone = 0;
  let bytesTotal = 0;
  const report = () =>
    onProgress?.({ blocksDone, blocksTotal: work.length, bytesDone, bytesTotal });
  const logic = rebuildMachine.provide({
    actors: {
      scan: fromPromise(async () => {
        const all = ctx.suppliers().map((_, i) => i);
        await runListFiles(ctx, all);
        work = await ctx.holdings.missing(ctx.catalog, positions);
        fetcher = new BlockFetcher({
          client: ctx.client,
          suppliers: ctx.suppliers(),
          clock: ctx.clock,
          pool: sharedBlockPool(),
          ...(ctx.onShard ? { onShard: ctx.onShard } : {})
        });
        bytesTotal = work.reduce((n, w) => n + bytesOf(w), 0);
        report();
        return { count: work.length };
      }),
      rebuildBlock: fromPromise<BlockRebuilt, { index: number }>(async ({ input }) => {
        if (signal?.aborted) throw new StorageError('ERR_STORAGE_CANCELLED', 'rebuild cancelled');
        const end = Math.min(work.length, input.index + REBUILD_AHEAD);
        for (let i = input.index; i < end; i++) {
          if (ahead.has(i)) continue;
          const p = rebuildOne(ctx, fetcher!, work[i]!);
          p.catch(() => undefined); // awaited when its turn comes
          ahead.set(i, p);
        }
        const done = await ahead.get(input.index)!;
        ahead.delete(input.index);
        blocksDone++;
        bytesDone += bytesOf(work[input.index]!);
        report();
        return done;
      })
    }
  });
  return run<RebuildOutput>(logic, { positions });
}

async function rebuildOne(
  ctx: UpkeepContext,
  fetcher: BlockFetcher,
  { version, block, positions }: MissingWork
): Promise<BlockRebuilt> {
  const suppliers = ctx.suppliers();
  const name = `${version.path} v${version.version} block ${block.index}`;
  let pieces: (Uint8Array | null)[];
  try {
    // Only positions that hold the shard are asked: a missing one would answer "not found".
    pieces = await fetcher.rebuild(version.backupId, version.k, block, positions);
  } catch (err) {
    // Lost for good: counted as lost, not as unsent (no later run can do better).
    if (err instanceof StorageError && err.code === 'ERR_STORAGE_UNRECOVERABLE') {
      return { sent: 0, unsent: 0, lost: name };
    }
    throw err;
  }
  const sent = await Promise.all(
    positions.map(async (p, i) => {
      const piece = pieces[i];
      const supplier = suppliers[p];
      // The rebuilt shard must be exactly the one the catalog recorded, or nothing is sent.
      if (!supplier || !piece) return 0;
      const key = shardKey(version.backupId, block.index, p);
      try {
        await ctx.client.putPiece(supplier, key, piece);
        ctx.onShard?.(p, undefined, key);
        ctx.holdings.add(p, key);
        return 1;
      } catch (err) {
        ctx.onShard?.(p, err);
        return 0;
      }
    })
  );
  const count = sent.reduce((a: number, b) => a + b, 0);
  return { sent: count, unsent: positions.length - count };
}

/** Options of {@link auditLogic}. */
export interface AuditOptions {
  readonly random: Random;
  readonly onFailed: (f: { position: number; supplierId: string; reason: string }) => void;
  /** Told the running audit actor when it starts (and restarts). */
  readonly onStart?: (self: AnyActorRef) => void;
}

/** Chunks asked per challenge (fewer when the shard has fewer). */
const AUDIT_LEAVES = 4;

/** `n` distinct random leaf indices below `count`, in random order. */
function pickLeaves(random: Random, count: number, n: number): number[] {
  const out: number[] = [];
  while (out.length < Math.min(n, count)) {
    const leaf = random.int(count);
    if (!out.includes(leaf)) out.push(leaf);
  }
  return out;
}

/** Codes that mean the supplier lost or altered what it acknowledged. */
const LIES = ['ERR_STORAGE_NOT_FOUND', 'ERR_STORAGE_CORRUPT', 'ERR_STORAGE_HASH_MISMATCH'];

/**
 * The audit machine bound to the catalog: per position, a few random chunks of one random block's
 * shard with a fresh nonce (`cmd.audit`), the proof checked against the catalog's root.
 */
export function auditLogic(ctx: UpkeepContext, options: AuditOptions): AnyActorLogic {
  return auditMachine.provide({
    actors: {
      challenge: fromPromise<readonly AuditVerdict[]>(async () => {
        const versions = await ctx.catalog.allVersions();
        const suppliers = ctx.suppliers();
        const rounds = suppliers.map(async (supplier, position): Promise<AuditVerdict> => {
          const skip = { position, supplierId: supplier ?? '', result: 'skip' as const };
          const eligible = versions.filter((v) => position < v.k + v.m);
          if (!supplier || eligible.length === 0) return skip;
          const version = eligible[options.random.int(eligible.length)]!;
          const blocks = await ctx.catalog.blocks(version.backupId);
          const block = blocks[options.random.int(blocks.length)]!;
          const key = shardKey(version.backupId, block.index, position);
          // A shard not listed there yet (new supplier, rebuild pending) is not a lie.
          if (!ctx.holdings.has(position, key)) return skip;
          const leaves = chunkCount(block.shardSize, version.chunkBytes);
          const challenge = {
            backupId: version.backupId,
            block: block.index,
            position,
            leaves: pickLeaves(options.random, leaves, AUDIT_LEAVES),
            nonce: Uint8Array.from({ length: 16 }, () => options.random.int(256))
          };
          try {
            const check = await ctx.client.audit(
              supplier,
              challenge,
              block.shards[position]!.root,
              leaves
            );
            return check.ok
              ? { position, supplierId: supplier, result: 'pass' }
              : {
                  position,
                  supplierId: supplier,
                  result: 'fail',
                  detail: `${key}: ${check.reason}`
                };
          } catch (err) {
            const code = (err as { code?: string }).code ?? '';
            if (!LIES.includes(code)) return skip;
            return { position, supplierId: supplier, result: 'fail', detail: `${code} for ${key}` };
          }
        });
        return Promise.all(rounds);
      })
    },
    actions: {
      reportFailed: (_, params) => options.onFailed(params),
      announce: ({ self }) => options.onStart?.(self)
    }
  });
}

/** Starts `logic` on `clock` and resolves with its output. */
export function runToEnd<O>(logic: AnyActorLogic, clock: Clock, input: unknown): Promise<O> {
  return new Promise((resolve, reject) => {
    const actor = createActor(logic, { clock, input });
    actor.subscribe({
      complete: () => resolve(actor.getSnapshot().output as O),
      error: reject
    });
    actor.start();
  });
}
