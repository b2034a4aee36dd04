/**
 * Block coding off the event loop: a small pool of worker threads (block-worker.ts) that seal,
 * Reed-Solomon code and hash blocks for backup, check, reconstruct and open them for restore, and
 * rebuild lost shards.
 * The event loop keeps the network, the suppliers' stores and the file I/O; with several blocks in
 * flight, coding runs on the other cores meanwhile. A pool of size 0 codes inline (same results).
 *
 * Buffers: an encode result (one buffer of k + m pieces) and a decoded plaintext come back
 * transferred; a plaintext block given with `transfer` is moved to the worker (the caller must
 * own its buffer); a received shard that is all of its buffer after its hash (a piece `hash ‖
 * shard` of its own) is moved as it is, any other is copied exactly and the copy moved (see
 * {@link movableShards}). A decode or rebuild that fails gives its shards back.
 * Workers are unref'd while idle, so an idle pool never keeps a process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BlockJob, BlockReply } from './block-worker.js';
import type { BlockRecord } from './catalog-types.js';
import { StorageError, type StorageErrorCode } from './errors.js';
import {
  checkShards,
  decodeShards,
  encodeBlock,
  rebuildPieces,
  type EncodeParams,
  type EncodedBlock
} from './pipeline.js';
import { HASH_BYTES, Sha256Stream } from './hash.js';

/**
 * Why a block could not be decoded or rebuilt: the error, the positions that sent shards that fail
 * the catalog's hash, and (from a worker) the shards it was given, back by position: the caller's
 * were moved there and are detached now.
 */
export type PoolFailure = {
  ok: false;
  error: StorageError;
  bad: readonly number[];
  shards?: readonly (Uint8Array | null)[];
};

/** A decoded block, or why not (see {@link PoolFailure}). */
export type Decoded = { ok: true; plain: Uint8Array } | PoolFailure;

/** Rebuilt pieces (`null`: not the catalog's shard), or why not. */
export type Rebuilt = { ok: true; pieces: (Uint8Array | null)[] } | PoolFailure;

type Job = BlockJob extends infer J ? (J extends unknown ? Omit<J, 'id'> : never) : never;
type Pending = { resolve: (r: BlockReply) => void; reject: (e: unknown) => void };
type Slot = { worker: Worker; pending: Map<number, Pending> };

/**
 * Starts one worker. Compiled to JavaScript, block-worker.js runs as is; from TypeScript sources
 * a data: URL module registers tsx in the worker first (workers do not inherit loader hooks).
 */
function spawn(): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./block-worker.js', import.meta.url));
  }
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const target = JSON.stringify(new URL('./block-worker.ts', import.meta.url).href);
  const boot = `import { register } from ${api}; register(); await import(${target});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`));
}

/** A worker's failed decode or rebuild; any other error rejects. */
function failure(reply: Extract<BlockReply, { ok: false }>): PoolFailure {
  const error = errorOf(reply);
  if (!(error instanceof StorageError)) throw error;
  return { ok: false, error, bad: reply.bad, ...(reply.shards ? { shards: reply.shards } : {}) };
}

const errorOf = (r: Extract<BlockReply, { ok: false }>): Error =>
  r.code.startsWith('ERR_STORAGE_') && r.code !== 'ERR_STORAGE_INTERNAL'
    ? new StorageError(r.code as StorageErrorCode, r.message, { blocks: r.blocks })
    : new Error(`block worker: ${r.message}`);

/** A whole-file hash fed block by block (see {@link BlockPool.fileHash}). */
export interface FileHash {
  /** Adds `data`; with `transfer` its buffer is moved to the worker (the caller's copy is gone). */
  update(data: Uint8Array, transfer?: boolean): void;
  digest(): Promise<Uint8Array>;
}

interface PooledHash extends FileHash {
  readonly slot: number;
  readonly stream: number;
  /** True until the first message of the stream is posted (it starts the stream there). */
  fresh(): boolean;
}

/** The buffers to move with `data`: its own, when the caller gives it up and it is not shared. */
const movable = (data: Uint8Array, transfer: boolean): ArrayBuffer[] =>
  transfer &&
  data.byteOffset === 0 &&
  data.byteLength === data.buffer.byteLength &&
  data.byteLength > 0
    ? [data.buffer as ArrayBuffer]
    : [];

/** Pieces buffers kept for reuse at most (a few blocks in flight per file), here and on workers. */
export const MAX_SPARES = 4;

/** Takes out of `spares` a buffer of exactly `bytes`, if there is one (for `encodeBlock`). */
export function takeSpare<B extends { byteLength: number }>(spares: B[], bytes: number) {
  const at = spares.findIndex((s) => s.byteLength === bytes);
  return at < 0 ? undefined : spares.splice(at, 1)[0];
}
/** A message buffer may hold this much besides a shard and still be moved whole with it. */
const ENVELOPE_SLACK = 4096;
/** Smallest message buffer moved whole (smaller ones may be slices of a shared pool). */
const MIN_MESSAGE_MOVED = 64 * 1024;

/**
 * Received shards made movable to a worker, and the buffers to move. A shard that is all of its
 * buffer after its hash (the piece `hash ‖ shard` a reply carried), or nearly all of a large one
 * (the reassembled message a `cmd.data` reply arrived in, of which it is everything but the
 * envelope's few hundred bytes), is moved with its buffer: no copy, and the caller's views of
 * that buffer are detached (the message is spent once its shard is taken). Any other shard may be
 * a view into a buffer that holds more (posting a view clones all of its buffer, twice: out and
 * in): it is copied exactly first and the copy moved.
 */
export function movableShards(shards: readonly (Uint8Array | null)[]): {
  own: (Uint8Array | null)[];
  transfer: ArrayBuffer[];
} {
  const moved = new Set<ArrayBuffer>();
  const own = shards.map((s) => {
    if (!s) return null;
    const buffer = s.buffer as ArrayBuffer;
    const piece = s.byteOffset === HASH_BYTES && buffer.byteLength === HASH_BYTES + s.byteLength;
    const message =
      buffer.byteLength >= MIN_MESSAGE_MOVED && buffer.byteLength - s.byteLength <= ENVELOPE_SLACK;
    const alone = buffer instanceof ArrayBuffer && (piece || message) && !moved.has(buffer);
    const out = alone ? s : s.slice();
    if (out.buffer.byteLength > 0) moved.add(out.buffer as ArrayBuffer);
    return out;
  });
  return { own, transfer: [...moved] };
}

/** See the module comment. */
export class BlockPool {
  private readonly slots: (Slot | undefined)[];
  private nextId = 0;
  private turn = 0;
  /** Pieces buffers given back by {@link recycle}, handed to the next encodes. */
  private readonly spares: ArrayBuffer[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 0 || size > 64) {
      throw new StorageError('ERR_STORAGE_ARGUMENT', `block pool of ${size} workers`);
    }
    this.slots = Array.from({ length: size }, () => undefined);
  }

  /**
   * A whole-file SHA-256 kept on one worker: updates (and encodes given it) run there in the
   * order they are posted, so the file is hashed in order off the event loop.
   */
  fileHash(): FileHash {
    if (this.size === 0) {
      const h = new Sha256Stream();
      return { update: (data) => void h.update(data), digest: async () => h.digest() };
    }
    const slot = this.pick();
    const stream = ++this.nextId;
    let failed: unknown;
    let started = false;
    const fresh = () => !started && (started = true);
    const hash: PooledHash = {
      slot,
      stream,
      fresh,
      update: (data, transfer = false) => {
        this.run({ op: 'hash', stream, fresh: fresh(), data }, movable(data, transfer), slot)
          .then((r) => {
            if (!r.ok) failed ??= errorOf(r);
          })
          .catch((e: unknown) => (failed ??= e));
      },
      digest: async () => {
        const r = await this.run({ op: 'digest', stream, fresh: fresh() }, [], slot);
        if (failed !== undefined) throw failed;
        if (!r.ok) throw errorOf(r);
        if (!('digest' in r) || !r.digest) throw new Error('block worker: not a digest');
        return r.digest;
      }
    };
    return hash;
  }

  /**
   * Encodes block `index` (as pipeline `encodeBlock`); `transfer`: `plain`'s buffer is ours.
   * With `hash` (from {@link fileHash}) the block is first added to it, on its worker.
   */
  async encode(
    params: EncodeParams,
    index: number,
    plain: Uint8Array,
    transfer = false,
    hash?: FileHash
  ): Promise<EncodedBlock> {
    if (this.size === 0) {
      hash?.update(plain);
      return encodeBlock(params, index, plain, (bytes) => {
        const spare = takeSpare(this.spares, bytes);
        return spare && new Uint8Array(spare);
      });
    }
    const pinned = hash && 'stream' in hash ? (hash as PooledHash) : undefined;
    if (hash && !pinned) hash.update(plain);
    const spare = this.spares.pop();
    const reply = await this.run(
      {
        op: 'encode',
        params,
        index,
        plain,
        ...(pinned ? { stream: pinned.stream, fresh: pinned.fresh() } : {}),
        ...(spare ? { spare: new Uint8Array(spare) } : {})
      },
      [...movable(plain, transfer), ...(spare ? [spare] : [])],
      pinned?.slot
    );
    if (!reply.ok) throw errorOf(reply);
    if (!('pieces' in reply)) throw new Error('block worker: not an encoding');
    const pieces = reply.pieces;
    return { record: reply.record, pieces, shards: pieces.map((p) => p.subarray(HASH_BYTES)) };
  }

  /**
   * Decodes a block from the shards at hand (`null` where missing), as pipeline.ts's
   * `decodeShards` does; see {@link Decoded}. Errors other than StorageErrors reject.
   */
  async decode(
    dataKey: Uint8Array,
    backupId: string,
    k: number,
    record: BlockRecord,
    shards: readonly (Uint8Array | null)[]
  ): Promise<Decoded> {
    if (this.size === 0) return decodeShards(dataKey, backupId, k, record, shards);
    const { own, transfer } = movableShards(shards);
    const reply = await this.run(
      { op: 'decode', dataKey, backupId, k, record, shards: own },
      transfer
    );
    if (reply.ok) {
      if (!('plain' in reply)) throw new Error('block worker: not a decoding');
      return { ok: true, plain: reply.plain };
    }
    return failure(reply);
  }

  /** Rebuilds the pieces at `positions` from the shards at hand (pipeline `rebuildPieces`). */
  async rebuild(
    k: number,
    record: BlockRecord,
    shards: readonly (Uint8Array | null)[],
    positions: readonly number[]
  ): Promise<Rebuilt> {
    if (this.size === 0) {
      const { good, bad } = checkShards(record, shards);
      try {
        const verified = good.map((s) => s !== null);
        return { ok: true, pieces: rebuildPieces(k, record, good, positions, verified) };
      } catch (err) {
        if (err instanceof StorageError) return { ok: false, error: err, bad };
        throw err;
      }
    }
    const { own, transfer } = movableShards(shards);
    const job = { op: 'rebuild' as const, k, record, shards: own, positions: [...positions] };
    const reply = await this.run(job, transfer);
    if (reply.ok) {
      if (!('rebuilt' in reply)) throw new Error('block worker: not a rebuild');
      return { ok: true, pieces: reply.rebuilt };
    }
    return failure(reply);
  }

  /**
   * Gives back the buffer of an encoded block once nothing holds its pieces any more (every
   * position's request has settled): the next encode reuses it instead of a fresh one. The
   * caller's views of it are detached when it moves to a worker.
   */
  recycle(block: EncodedBlock): void {
    const buffer = block.pieces[0]?.buffer;
    const whole =
      buffer instanceof ArrayBuffer &&
      block.pieces[0]!.byteOffset === 0 &&
      block.pieces.reduce((n, p) => n + p.byteLength, 0) === buffer.byteLength &&
      block.pieces.every((p) => p.buffer === buffer);
    if (!whole || this.spares.includes(buffer)) return;
    this.spares.push(buffer);
    if (this.spares.length > MAX_SPARES) this.spares.shift();
  }

  /** Workers running now. */
  get running(): number {
    return this.slots.filter((s) => s !== undefined).length;
  }

  /**
   * Starts every worker and waits until each has loaded its code (a worker takes a few hundred
   * milliseconds to start, which would otherwise fall on the first backup or restore).
   */
  async warm(): Promise<void> {
    await Promise.all(
      this.slots.map((_, at) =>
        this.run({ op: 'digest', stream: ++this.nextId, fresh: true }, [], at)
      )
    );
  }

  /** Stops the workers; jobs still running reject. */
  async close(): Promise<void> {
    const running = this.slots.filter((s): s is Slot => s !== undefined);
    this.slots.fill(undefined);
    await Promise.all(running.map((s) => s.worker.terminate()));
  }

  /** The least-loaded slot index (ties in turn). */
  private pick(): number {
    let best = -1;
    for (let n = 0; n < this.size; n++) {
      const i = (this.turn + n) % this.size;
      const load = this.slots[i]?.pending.size ?? 0;
      if (best < 0 || load < (this.slots[best]?.pending.size ?? 0)) best = i;
    }
    this.turn = (best + 1) % this.size;
    return best;
  }

  private start(i: number): Slot {
    const slot: Slot = { worker: spawn(), pending: new Map() };
    slot.worker.unref();
    slot.worker.on('message', (r: BlockReply) => {
      const p = slot.pending.get(r.id);
      slot.pending.delete(r.id);
      if (slot.pending.size === 0) slot.worker.unref();
      p?.resolve(r);
    });
    const fail = (e: unknown) => {
      // This worker is gone: its jobs fail, and the next job starts a fresh one.
      if (this.slots[i] === slot) this.slots[i] = undefined;
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => fail(new Error(`block worker exited with ${code}`)));
    return slot;
  }

  /** Runs `job` on slot `at` (default the least loaded), its worker started on first use. */
  private run(job: Job, transfer: ArrayBuffer[], at = this.pick()): Promise<BlockReply> {
    const slot = (this.slots[at] ??= this.start(at));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ ...job, id }, transfer);
    });
  }
}

let shared: BlockPool | undefined;

/**
 * The process's block pool: `BITDUST_BLOCK_WORKERS` workers when set (0 codes inline), otherwise
 * one per core, at most 4.
 */
export function sharedBlockPool(): BlockPool {
  const env = process.env.BITDUST_BLOCK_WORKERS;
  shared ??= new BlockPool(
    env !== undefined && env !== '' ? Number(env) : Math.min(4, availableParallelism())
  );
  return shared;
}
