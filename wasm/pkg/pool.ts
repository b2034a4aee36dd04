/**
 * A worker_threads pool that codes independent stripes (blocks) in parallel, one WebAssembly
 * instance per worker. Jobs go to the least-loaded worker; errors come back as `ErasureError`.
 * Inputs are structured-cloned to the worker (one copy), results are transferred (no copy).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { ErasureError, type ErasureErrorCode } from './errors.js';
import type { Job, Reply } from './worker.js';
import type { CodeName } from './abi.js';

type Pending = { resolve: (r: Reply) => void; reject: (e: unknown) => void };
type Slot = { worker: Worker; pending: Map<number, Pending> };

/**
 * Starts one worker. Compiled to JavaScript, worker.js runs as is. Run from TypeScript sources,
 * Node 20 workers do not inherit tsx's loader hooks (even with --import tsx in execArgv), so a
 * tiny data: URL module registers tsx in the worker and then imports worker.ts.
 */
function spawn(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url));
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const target = JSON.stringify(new URL('./worker.ts', import.meta.url).href);
  const boot = `import { register } from ${api}; register(); await import(${target});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}

/** Parallel erasure coding over `size` worker threads. */
export class ErasurePool {
  private readonly slots: Slot[];
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number = Math.max(1, Math.min(availableParallelism(), 8))) {
    if (!Number.isInteger(size) || size < 1) {
      throw new ErasureError(
        'ERR_ERASURE_INVALID_PARAMS',
        `pool size ${size} is not a positive integer`
      );
    }
    this.slots = Array.from({ length: size }, () => {
      const slot: Slot = { worker: spawn(), pending: new Map() };
      slot.worker.on('message', (r: Reply) => {
        const p = slot.pending.get(r.id);
        slot.pending.delete(r.id);
        p?.resolve(r);
      });
      slot.worker.on('error', (e) => {
        for (const p of slot.pending.values()) p.reject(e);
        slot.pending.clear();
      });
      return slot;
    });
  }

  /** Parity shards of `data` (as `encode` in copy.ts); `code` as in `CodecOptions`. */
  async encode(data: Uint8Array[], m: number, code?: CodeName): Promise<Uint8Array[]> {
    return (await this.run({ id: 0, op: 'encode', data, m, code })).shards ?? [];
  }

  /** All shards with the `null` ones rebuilt (as `reconstruct` in copy.ts). */
  async reconstruct(
    shards: (Uint8Array | null)[],
    k: number,
    code?: CodeName
  ): Promise<Uint8Array[]> {
    return (await this.run({ id: 0, op: 'reconstruct', shards, k, code })).shards ?? [];
  }

  /** Whether parity matches data (as `verify` in copy.ts). */
  async verify(shards: Uint8Array[], k: number, code?: CodeName): Promise<boolean> {
    return (await this.run({ id: 0, op: 'verify', shards, k, code })).valid ?? false;
  }

  /** Stops the workers; pending jobs reject. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private async run(job: Job): Promise<Extract<Reply, { ok: true }>> {
    if (this.closed) throw new ErasureError('ERR_ERASURE_DISPOSED', 'pool is closed');
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = ++this.nextId;
    const reply = await new Promise<Reply>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ ...job, id });
    });
    if (!reply.ok) throw new ErasureError(reply.code as ErasureErrorCode, reply.message);
    return reply;
  }
}
