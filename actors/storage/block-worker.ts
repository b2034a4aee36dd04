/**
 * A block-pool worker (block-pool.ts): seals, codes and hashes a block for backup, or checks,
 * reconstructs and opens one for restore (or rebuilds some of its shards), off the node's event loop. Results travel back as
 * transferred buffers; a StorageError travels as its code, message, blocks and bad positions.
 */
import { parentPort } from 'node:worker_threads';
import type { BlockRecord } from './catalog-types.js';
import { StorageError } from './errors.js';
import { MAX_SPARES, movableShards, takeSpare } from './block-pool.js';
import { Sha256Stream } from './hash.js';
import {
  checkShards,
  decodeShards,
  encodeBlock,
  rebuildPieces,
  type EncodeParams
} from './pipeline.js';

/** A job, as posted by the pool. */
export type BlockJob = { id: number } & (
  | {
      op: 'encode';
      params: EncodeParams;
      index: number;
      plain: Uint8Array;
      stream?: number;
      fresh?: boolean;
      /** A pieces buffer the node is done with, for this worker to reuse. */
      spare?: Uint8Array;
    }
  | { op: 'hash'; stream: number; fresh: boolean; data: Uint8Array }
  | { op: 'digest'; stream: number; fresh: boolean }
  | {
      op: 'decode';
      dataKey: Uint8Array;
      backupId: string;
      k: number;
      record: BlockRecord;
      shards: (Uint8Array | null)[];
    }
  | {
      op: 'rebuild';
      k: number;
      record: BlockRecord;
      shards: (Uint8Array | null)[];
      positions: number[];
    }
);

/** A job's outcome. */
export type BlockReply = { id: number } & (
  | { ok: true; record: BlockRecord; pieces: Uint8Array[] }
  | { ok: true; plain: Uint8Array }
  | { ok: true; digest?: Uint8Array }
  | { ok: true; rebuilt: (Uint8Array | null)[] }
  | {
      ok: false;
      code: string;
      message: string;
      blocks: number[];
      bad: number[];
      /** A failed decode or rebuild: the shards it was given, moved back. */
      shards?: (Uint8Array | null)[];
    }
);

/**
 * Pieces buffers the node gave back once their block was sent, reused for later blocks of the
 * same size (most blocks of a backup are full ones): fewer fresh megabytes for the collector.
 */
const spares: Uint8Array[] = [];

/** Whole-file hashes of this worker, by stream id; a few are enough (one per file in flight). */
const streams = new Map<number, Sha256Stream>();
const MAX_STREAMS = 1024;

/**
 * Stream `id`: started by its first message (`fresh`), otherwise it must be here. A stream this
 * worker does not know (the worker was replaced after a crash, or the stream was dropped) is an
 * error, never a silently restarted hash.
 */
function streamOf(id: number, fresh: boolean): Sha256Stream {
  let h = streams.get(id);
  if (fresh || !h) {
    if (!fresh) throw new Error(`hash stream ${id} is lost`);
    // A stream never digested (its job failed) is dropped once many are open.
    if (streams.size >= MAX_STREAMS) streams.delete(streams.keys().next().value!);
    streams.set(id, (h = new Sha256Stream()));
  }
  return h;
}

function run(job: BlockJob): BlockReply {
  if (job.op === 'hash') {
    streamOf(job.stream, job.fresh).update(job.data);
    return { id: job.id, ok: true };
  }
  if (job.op === 'digest') {
    const digest = streamOf(job.stream, job.fresh).digest();
    streams.delete(job.stream);
    return { id: job.id, ok: true, digest };
  }
  if (job.op === 'encode') {
    if (job.spare) spares.unshift(job.spare);
    spares.length = Math.min(spares.length, MAX_SPARES);
    if (job.stream !== undefined) streamOf(job.stream, job.fresh === true).update(job.plain);
    const { record, pieces } = encodeBlock(job.params, job.index, job.plain, (bytes) =>
      takeSpare(spares, bytes)
    );
    return { id: job.id, ok: true, record, pieces: [...pieces] };
  }
  if (job.op === 'decode') {
    const out = decodeShards(job.dataKey, job.backupId, job.k, job.record, job.shards);
    return out.ok ? { id: job.id, ok: true, plain: out.plain } : failed(job, out.error, out.bad);
  }
  const { good, bad } = checkShards(job.record, job.shards);
  try {
    const verified = good.map((s) => s !== null);
    const rebuilt = rebuildPieces(job.k, job.record, good, job.positions, verified);
    return { id: job.id, ok: true, rebuilt };
  } catch (err) {
    if (!(err instanceof StorageError)) throw err;
    return failed(job, err, bad);
  }
}

/** A failed decode or rebuild: the error, the bad positions, and the shards given back. */
function failed(
  job: Extract<BlockJob, { op: 'decode' | 'rebuild' }>,
  err: StorageError,
  bad: number[]
): BlockReply {
  const { code, message } = err;
  return {
    id: job.id,
    ok: false,
    code,
    message,
    blocks: [...(err.blocks ?? [])],
    bad,
    shards: job.shards
  };
}

parentPort?.on('message', (job: BlockJob) => {
  let reply: BlockReply;
  try {
    reply = run(job);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    reply = { id: job.id, ok: false, code: 'ERR_STORAGE_INTERNAL', message, blocks: [], bad: [] };
  }
  const transfer: ArrayBuffer[] = [];
  if ('pieces' in reply) transfer.push(reply.pieces[0]!.buffer as ArrayBuffer);
  if ('plain' in reply) transfer.push(reply.plain.buffer as ArrayBuffer);
  if ('rebuilt' in reply) {
    for (const p of reply.rebuilt) if (p) transfer.push(p.buffer as ArrayBuffer);
  }
  if ('shards' in reply && reply.shards) transfer.push(...movableShards(reply.shards).transfer);
  parentPort?.postMessage(reply, transfer);
});
