/**
 * A pool worker: its own WebAssembly instance (memory is per thread) running the copying API on
 * the jobs `pool.ts` posts. Results travel back as transferred buffers, so no second copy.
 */
import { parentPort } from 'node:worker_threads';
import { encode, reconstruct, verify } from './copy.js';
import { ErasureError } from './errors.js';
import type { CodeName } from './abi.js';

/** A job, as posted by the pool; `code` defaults to the Cauchy code. */
export type Job = { id: number; code?: CodeName } & (
  | { op: 'encode'; data: Uint8Array[]; m: number }
  | { op: 'reconstruct'; shards: (Uint8Array | null)[]; k: number }
  | { op: 'verify'; shards: Uint8Array[]; k: number }
);

/** A job's outcome. */
export type Reply =
  | { id: number; ok: true; shards?: Uint8Array[]; valid?: boolean }
  | { id: number; ok: false; code: string; message: string };

function run(job: Job): Reply {
  const opts = { code: job.code ?? 'cauchy' };
  switch (job.op) {
    case 'encode':
      return { id: job.id, ok: true, shards: encode(job.data, job.m, opts) };
    case 'reconstruct':
      return { id: job.id, ok: true, shards: reconstruct(job.shards, job.k, opts) };
    case 'verify':
      return { id: job.id, ok: true, valid: verify(job.shards, job.k, opts) };
  }
}

parentPort?.on('message', (job: Job) => {
  let reply: Reply;
  try {
    reply = run(job);
  } catch (e) {
    const code = e instanceof ErasureError ? e.code : 'ERR_ERASURE_INTERNAL';
    reply = { id: job.id, ok: false, code, message: e instanceof Error ? e.message : String(e) };
  }
  const transfer = reply.ok && reply.shards ? reply.shards.map((s) => s.buffer as ArrayBuffer) : [];
  parentPort?.postMessage(reply, transfer);
});
