/**
 * The storage path's required work with no node around it, for the storage benchmark to set
 * beside the node's own figures: what backing up and restoring a tree costs on this machine when
 * nothing but the work the design demands is done, driven by the most direct loop that can do it.
 *
 * Backup: files read in blocks → the block pool (compress, seal, Reed-Solomon k + m, Merkle roots,
 * file hash) → each piece to its supplier → `SupplierStore.putPiece` (hash check, durable LMDB
 * batch). Restore: the k data pieces of each block → `getPiece` (read, hash check, copy out) →
 * back to the customer → the block pool (join, open, inflate) → the node's own file restore
 * (restore-file.ts: writes into a temporary file, file hash, rename).
 * Between customer and supplier, a link does what a Noise session and the fragment layer do for
 * the in-process medium: the piece cut into session-sized fragments, each sealed, opened into
 * the receiver's scratch buffer and copied into the reassembled message.
 *
 * Left out on purpose: the router (envelopes, msgpack, request machines, retries), the DHT, the
 * supervisor, fire-hire, the catalog's LMDB, progress events, and every other job machine. What
 * remains is a floor for the node: it cannot do this work faster than this loop does.
 *
 * Modes: `full` (links and suppliers), `no-links` (pieces handed to the suppliers directly),
 * `customer-only` (pieces kept in memory: the customer's share alone, as restic's scope is).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { completedXX } from '../../actors/crypto/test-kit.js';
import { Session } from '../../actors/crypto/session.js';
import { FRAGMENT_BODY_BYTES, FRAGMENT_HEADER_BYTES } from '../../actors/net/fragments.js';
import { sharedBlockPool } from '../../actors/storage/block-pool.js';
import { generateDataKey } from '../../actors/storage/block-crypto.js';
import type { BlockRecord, VersionRecord } from '../../actors/storage/catalog-types.js';
import { pool as eachInLanes, readChunks } from '../../actors/storage/customer-files.js';
import { HASH_BYTES, uninitialized } from '../../actors/storage/hash.js';
import { SHARD_CHUNK_BYTES } from '../../actors/storage/merkle.js';
import { effectiveBlockSize, type EncodedBlock } from '../../actors/storage/pipeline.js';
import { restoreFile } from '../../actors/storage/restore-file.js';
import { openSupplierStore, type SupplierStore } from '../../actors/storage/supplier-store.js';
import { openLmdbStore } from '../../actors/store/lmdb.js';
import { listTree } from '../../test/support/storage-data.js';
import type { KvStore } from '../../actors/store/index.js';

export type FloorMode = 'full' | 'no-links' | 'customer-only';

/** The shape of the runs: the customer's defaults and the bench's code. */
export interface FloorOptions {
  readonly k: number;
  readonly m: number;
  /** Files in flight at once (the customer's default is 4). */
  readonly parallelFiles: number;
  /** Blocks in flight per file (the customer's default is 4). */
  readonly window: number;
}

/** One floor: `backup` a tree, then `restore` it elsewhere; `close` frees its stores. */
export interface StorageFloor {
  /** Blocks stored so far, every version's (each one k + m pieces, one per supplier). */
  readonly blocks: number;
  backup(src: string): Promise<void>;
  restore(into: string): Promise<void>;
  close(): Promise<void>;
}

const CUSTOMER = 'floor-customer';
const GiB = 1024 * 1024 * 1024;

/** One direction of a link: Noise sessions of a completed XX handshake, as between two nodes. */
class Link {
  readonly #out: Session;
  readonly #in: Session;
  readonly #scratch = Buffer.allocUnsafeSlow(FRAGMENT_BODY_BYTES + FRAGMENT_HEADER_BYTES + 1);
  readonly #header = new Uint8Array(1 + FRAGMENT_HEADER_BYTES);

  constructor() {
    const { initiator, responder } = completedXX();
    this.#out = Session.fromHandshake(initiator, true);
    this.#in = Session.fromHandshake(responder, false);
  }

  /** `bytes` as the receiver gets them: fragments sealed, opened and reassembled. */
  carry(bytes: Uint8Array): Uint8Array {
    const whole = uninitialized(bytes.length);
    for (let at = 0; at < bytes.length; at += FRAGMENT_BODY_BYTES) {
      const body = bytes.subarray(at, Math.min(bytes.length, at + FRAGMENT_BODY_BYTES));
      const [frame] = this.#out.seal([this.#header, body], 1, true);
      const plain = this.#in.receive(frame!.subarray(1), this.#scratch);
      whole.set(plain.subarray(this.#header.length), at);
    }
    return whole;
  }
}

/** Where the pieces go: real supplier stores, or the customer's memory. */
interface Holders {
  put(position: number, key: string, piece: Uint8Array): Promise<void>;
  get(position: number, key: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

async function supplierHolders(dir: string, n: number): Promise<Holders> {
  const kv: KvStore[] = [];
  const stores: SupplierStore[] = [];
  const policy = { capacityBytes: 64 * GiB, maxCustomerBytes: 32 * GiB };
  for (let i = 0; i < n; i++) {
    const store = openLmdbStore({ path: join(dir, `supplier-${i}`) });
    const supplier = await openSupplierStore({ store, clock: { now: () => Date.now() }, policy });
    const request = { v: 1 as const, neededBytes: 16 * GiB, position: i, profile: 'floor' };
    await supplier.requestService(CUSTOMER, request);
    kv.push(store);
    stores.push(supplier);
  }
  return {
    put: (i, key, piece) => stores[i]!.putPiece(CUSTOMER, key, piece),
    get: (i, key) => stores[i]!.getPiece(CUSTOMER, key),
    close: async () => void (await Promise.all(kv.map((s) => s.close())))
  };
}

function memoryHolders(): Holders {
  const pieces = new Map<string, Uint8Array>();
  return {
    // Copied (`slice`: one memcpy into a buffer of its own): the piece is a view of a buffer
    // the block pool reuses, and what `get` returns moves to a worker.
    put: async (_, key, piece) => void pieces.set(key, piece.slice()),
    get: async (_, key) => {
      const piece = pieces.get(key);
      if (!piece) throw new Error(`no piece ${key}`);
      return piece.slice();
    },
    close: async () => pieces.clear()
  };
}

/** A version of one file as the floor keeps it. */
interface Kept {
  readonly backupId: string;
  readonly blocks: BlockRecord[];
  hash?: Uint8Array;
}

/** Opens a floor of `mode` with its stores under `dir`. */
export async function openStorageFloor(
  dir: string,
  mode: FloorMode,
  o: FloorOptions
): Promise<StorageFloor> {
  const n = o.k + o.m;
  const holders = mode === 'customer-only' ? memoryHolders() : await supplierHolders(dir, n);
  const links = Array.from({ length: n }, () => (mode === 'full' ? new Link() : undefined));
  const back = Array.from({ length: n }, () => (mode === 'full' ? new Link() : undefined));
  const pool = sharedBlockPool();
  const dataKey = generateDataKey();
  const kept = new Map<string, Kept>();
  let versions = 0; // backup ids are never reused, even when a path is backed up again
  let stored = 0;
  const params = (backupId: string) => ({ dataKey, backupId, k: o.k, m: o.m });
  const pieceKey = (backupId: string, block: number, position: number) =>
    `${backupId}/${block}/${position}`;

  const store = async (backupId: string, block: EncodedBlock) => {
    const index = block.record.index;
    await Promise.all(
      block.pieces.map((piece, i) => {
        const carried = links[i]?.carry(piece) ?? piece;
        return holders.put(i, pieceKey(backupId, index, i), carried);
      })
    );
    pool.recycle(block);
    stored++;
  };

  const backupFile = async (src: string, path: string) => {
    const version: Kept = { backupId: `f${versions++}`, blocks: [] };
    kept.set(relative(src, path), version);
    const hash = pool.fileHash();
    const inFlight: Promise<void>[] = [];
    let index = 0;
    for await (const chunk of readChunks(path, effectiveBlockSize(o.k))) {
      const at = index++;
      const encoded = pool.encode(params(version.backupId), at, chunk, true, hash);
      inFlight.push(
        encoded.then((block) => {
          version.blocks[at] = block.record;
          return store(version.backupId, block);
        })
      );
      if (inFlight.length >= o.window) await inFlight.shift();
    }
    if (index === 0) {
      const block = await pool.encode(params(version.backupId), 0, new Uint8Array(0), true, hash);
      version.blocks[0] = block.record;
      await store(version.backupId, block);
    }
    await Promise.all(inFlight);
    version.hash = await hash.digest();
  };

  const fetchBlock = async (version: Kept, record: BlockRecord): Promise<Uint8Array> => {
    const shards = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        if (i >= o.k) return null;
        const piece = await holders.get(i, pieceKey(version.backupId, record.index, i));
        return (back[i]?.carry(piece) ?? piece).subarray(HASH_BYTES);
      })
    );
    const decoded = await pool.decode(dataKey, version.backupId, o.k, record, shards);
    if (!decoded.ok) throw decoded.error;
    return decoded.plain;
  };

  // The node's own restore of a file (restore-file.ts): read-ahead, writes at their offsets into a
  // temporary file, the file hash on the pool, the rename once it matches.
  const restoreOne = async (into: string, rel: string, kept: Kept) => {
    const target = join(into, rel);
    mkdirSync(dirname(target), { recursive: true });
    const { backupId, blocks } = kept;
    const size = blocks.reduce((n, b) => n + b.plainSize, 0);
    const version: VersionRecord = {
      path: rel,
      version: 1,
      backupId,
      size,
      fileHash: kept.hash!,
      mtimeMs: 0,
      committedAt: 0,
      k: o.k,
      m: o.m,
      blockSize: effectiveBlockSize(o.k),
      blockCount: blocks.length,
      chunkBytes: SHARD_CHUNK_BYTES
    };
    await restoreFile({
      dataKey,
      version,
      blocks,
      target,
      fetchBlock: (record) => fetchBlock(kept, record),
      readAhead: o.window,
      fileHash: pool.fileHash()
    });
  };

  return {
    get blocks() {
      return stored;
    },
    backup: (src) =>
      eachInLanes([...listTree(src).values()], o.parallelFiles, (path) => backupFile(src, path)),
    restore: (into) =>
      eachInLanes([...kept], o.parallelFiles, ([rel, version]) => restoreOne(into, rel, version)),
    close: () => holders.close()
  };
}
