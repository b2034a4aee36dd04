/**
 * The storage pipeline, both ways. Backup: bytes → blocks (4 MiB by default) → compressed when
 * that pays (block-codec.ts) and sealed with the block's key → zero-padded to k equal data
 * shards → m parity shards through the WASM Reed-Solomon coder → k + m shards, each with its
 * Merkle root and the shard hash derived from it (one pass). Restore: the k data shards joined → open (and inflate) → plaintext, the block's own
 * authentication vouching for them; if one is missing or the block fails to open, any k shards
 * whose hashes match → reconstruct → strip padding → open → plaintext.
 *
 * Memory stays bounded: a job holds its window of blocks (plus their shards). A block is cut small
 * enough that each shard fits one `cmd.data` (STORAGE_LIMITS.maxShardBytes), as the original
 * adapted its block size to the backup; with 4+2 that is 3.75 MiB instead of 4.
 */
import { reconstruct, encode as rsEncode } from '../../wasm/pkg/index.js';
import { STORAGE_LIMITS } from '../../machines/storage/keys.js';
import type { Compression } from './block-codec.js';
import { openBlock, sealBlock, SEAL_OVERHEAD } from './block-crypto.js';
import type { BlockRecord } from './catalog-types.js';
import { StorageError } from './errors.js';
import { HASH_BYTES, sameBytes, Sha256Stream, uninitialized } from './hash.js';
import { shardDigest, shardHash } from './merkle.js';

/** Default block size: 4 MiB, as the original. */
export const DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;

/** What encoding needs besides the data. */
export interface EncodeParams {
  readonly dataKey: Uint8Array;
  readonly backupId: string;
  readonly k: number;
  readonly m: number;
  /** Block compression before sealing (default `auto`). */
  readonly compression?: Compression;
}

/**
 * One encoded block: its catalog record and its k + m shards (shard i for position i). `pieces[i]`
 * is `hash ‖ shard i`, the exact bytes a `cmd.data` carries; `shards[i]` is a view into it, so a
 * piece is sent without another copy. All of them live in one buffer (one transfer from a worker).
 */
export interface EncodedBlock {
  readonly record: BlockRecord;
  readonly shards: readonly Uint8Array[];
  readonly pieces: readonly Uint8Array[];
}

/**
 * The block size actually used: at most `blockSize`, and small enough for shards to fit a frame
 * (`maxShardBytes`: the transport's frame less the envelope; a Noise session carries 64 KiB).
 */
export function effectiveBlockSize(
  k: number,
  blockSize = DEFAULT_BLOCK_SIZE,
  maxShardBytes: number = STORAGE_LIMITS.maxShardBytes
): number {
  const cap = k * Math.min(maxShardBytes, STORAGE_LIMITS.maxShardBytes) - SEAL_OVERHEAD;
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new StorageError('ERR_STORAGE_ARGUMENT', `bad block size ${blockSize}`);
  }
  return Math.min(blockSize, cap);
}

/**
 * Encodes block `index` of a backup. `spare(bytes)` may offer a used buffer of exactly `bytes`
 * to hold the pieces (a recycled one: every byte of it is overwritten, padding included).
 */
export function encodeBlock(
  params: EncodeParams,
  index: number,
  plain: Uint8Array,
  spare?: (bytes: number) => Uint8Array | undefined
): EncodedBlock {
  const { dataKey, backupId, k, m } = params;
  const ref = { backupId, blockIndex: index };
  const sealed = sealBlock(dataKey, ref, plain, params.compression ?? 'auto');
  const shardSize = Math.ceil(sealed.length / k);
  if (shardSize > STORAGE_LIMITS.maxShardBytes) {
    throw new StorageError('ERR_STORAGE_ARGUMENT', `block ${index} is too large for k = ${k}`);
  }
  // One buffer of k + m pieces `hash ‖ shard`, written whole below: hashes, the sealed block
  // and its zero padding in the data shards, the parity shards.
  const step = HASH_BYTES + shardSize;
  const all = spare?.(step * (k + m)) ?? uninitialized(step * (k + m));
  const pieces = Array.from({ length: k + m }, (_, i) => all.subarray(i * step, (i + 1) * step));
  const shards = pieces.map((p) => p.subarray(HASH_BYTES));
  for (let i = 0; i < k; i++) {
    const from = Math.min(sealed.length, i * shardSize);
    const to = Math.min(sealed.length, (i + 1) * shardSize);
    shards[i]!.set(sealed.subarray(from, to));
    shards[i]!.fill(0, to - from);
  }
  rsEncode(shards.slice(0, k), m).forEach((parity, j) => shards[k + j]!.set(parity));
  // One pass per shard: its Merkle tree gives the root and, from it, the shard hash.
  const infos = shards.map((s, i) => {
    const info = shardDigest(s);
    pieces[i]!.set(info.hash);
    return info;
  });
  return {
    record: { index, plainSize: plain.length, sealedSize: sealed.length, shardSize, shards: infos },
    shards,
    pieces
  };
}

/**
 * The shards that match the catalog's hashes (`null` elsewhere) and the positions whose shard was
 * present but did not match (a lying or corrupt supplier: ask another position).
 */
export function checkShards(
  record: BlockRecord,
  shards: readonly (Uint8Array | null | undefined)[],
  verified: readonly boolean[] = []
): { good: (Uint8Array | null)[]; bad: number[] } {
  const bad: number[] = [];
  const good = record.shards.map((info, i) => {
    const s = shards[i];
    if (!s) return null;
    const ok =
      s.length === record.shardSize && (verified[i] === true || sameBytes(shardHash(s), info.hash));
    if (!ok) bad.push(i);
    return ok ? s : null;
  });
  return { good, bad };
}

/**
 * Decodes a block from the shards at hand (`null` where missing). Shards that do not match the
 * catalog's hash are ignored (`verified[i]`: shard i was already checked against it); fewer than k
 * good ones is ERR_STORAGE_UNRECOVERABLE naming the block, and a stripe that reconstructs but
 * fails authentication is ERR_STORAGE_TAMPERED. With the k data shards at hand (a systematic
 * code) nothing is reconstructed.
 */
export function decodeBlock(
  dataKey: Uint8Array,
  backupId: string,
  k: number,
  record: BlockRecord,
  shards: readonly (Uint8Array | null | undefined)[],
  verified?: readonly boolean[]
): Uint8Array {
  const { good } = checkShards(record, shards, verified);
  const present = good.filter((s) => s !== null).length;
  if (present < k) {
    throw StorageError.unrecoverable([record.index], `${present} good shards of ${k} needed`);
  }
  const all = good.slice(0, k).every((s) => s !== null) ? good : reconstruct(good, k);
  return openStripe(dataKey, backupId, record, stripeOf(k, record, all));
}

/** A decoded block, or why not and the positions whose shards failed the catalog's hash. */
export type DecodeResult =
  { ok: true; plain: Uint8Array } | { ok: false; error: StorageError; bad: number[] };

/**
 * Decodes a block from the shards at hand as a restore does: from the k data shards when the block
 * opens ({@link openDataShards}), otherwise every shard checked against the catalog's hash first
 * ({@link decodeBlock}), the bad ones named. Errors other than StorageErrors throw.
 */
export function decodeShards(
  dataKey: Uint8Array,
  backupId: string,
  k: number,
  record: BlockRecord,
  shards: readonly (Uint8Array | null | undefined)[]
): DecodeResult {
  const fast = openDataShards(dataKey, backupId, k, record, shards);
  if (fast) return { ok: true, plain: fast };
  const { good, bad } = checkShards(record, shards);
  try {
    const verified = good.map((s) => s !== null);
    return { ok: true, plain: decodeBlock(dataKey, backupId, k, record, good, verified) };
  } catch (error) {
    if (error instanceof StorageError) return { ok: false, error, bad };
    throw error;
  }
}

/**
 * The block from its k data shards alone, checked by the block's own authentication instead of
 * each shard's hash: `undefined` when a data shard is missing or has the wrong size, or when the
 * stripe fails authentication (then the caller checks every shard's hash to find the bad ones:
 * {@link decodeBlock}). The AEAD tag covers every byte of the sealed block, so a stripe that opens
 * is the one that was sealed: no wrong byte can come out of here. Only the zero padding after the
 * sealed bytes (in the last data shard) is not covered, and it is never read.
 */
export function openDataShards(
  dataKey: Uint8Array,
  backupId: string,
  k: number,
  record: BlockRecord,
  shards: readonly (Uint8Array | null | undefined)[]
): Uint8Array | undefined {
  for (let i = 0; i < k; i++) if (shards[i]?.length !== record.shardSize) return undefined;
  try {
    return openStripe(dataKey, backupId, record, stripeOf(k, record, shards));
  } catch (err) {
    if (err instanceof StorageError) return undefined;
    throw err;
  }
}

/** The sealed block: the first k shards joined, cut to the sealed size. */
function stripeOf(
  k: number,
  record: BlockRecord,
  shards: readonly (Uint8Array | null | undefined)[]
): Uint8Array {
  // Every byte is written below (k shards cover the sealed size): no need to zero it first.
  const stripe = uninitialized(record.sealedSize);
  for (let i = 0, at = 0; i < k && at < stripe.length; i++, at += record.shardSize) {
    stripe.set(shards[i]!.subarray(0, Math.min(record.shardSize, stripe.length - at)), at);
  }
  return stripe;
}

/** Opens a sealed stripe and checks the plaintext's size against the catalog's. */
function openStripe(
  dataKey: Uint8Array,
  backupId: string,
  record: BlockRecord,
  stripe: Uint8Array
): Uint8Array {
  const plain = openBlock(
    dataKey,
    { backupId, blockIndex: record.index },
    stripe,
    record.plainSize
  );
  if (plain.length !== record.plainSize) {
    throw new StorageError('ERR_STORAGE_FORMAT', `block ${record.index} has the wrong size`, {
      blocks: [record.index]
    });
  }
  return plain;
}

/**
 * The pieces (`hash ‖ shard`) at `positions`, reconstructed from the good shards at hand (checked
 * against the catalog unless `verified`); `null` where the rebuilt shard is not the one the
 * catalog recorded. Fewer than k good shards is ERR_STORAGE_UNRECOVERABLE.
 */
export function rebuildPieces(
  k: number,
  record: BlockRecord,
  shards: readonly (Uint8Array | null | undefined)[],
  positions: readonly number[],
  verified?: readonly boolean[]
): (Uint8Array | null)[] {
  const { good } = checkShards(record, shards, verified);
  const present = good.filter((s) => s !== null).length;
  if (present < k) {
    throw StorageError.unrecoverable([record.index], `${present} good shards of ${k} needed`);
  }
  const all = reconstruct(good, k);
  return positions.map((p) => {
    const shard = all[p];
    const hash = record.shards[p]?.hash;
    if (!shard || !hash || !sameBytes(shardHash(shard), hash)) return null;
    const piece = new Uint8Array(HASH_BYTES + shard.length);
    piece.set(hash);
    piece.set(shard, HASH_BYTES);
    return piece;
  });
}

/**
 * Cuts a byte stream into blocks of exactly `blockSize` (the last one shorter, never empty). Every
 * block is its own buffer, exactly as long as the block (so it can be moved to a worker). With
 * `owned` the source gives up its pieces: one that is exactly a block is passed on as it is.
 */
export async function* cutBlocks(
  source: AsyncIterable<Uint8Array>,
  blockSize: number,
  owned = false
): AsyncGenerator<Uint8Array> {
  let block: Uint8Array | undefined; // allocated when a piece must be copied
  let fill = 0;
  // An owned piece shorter than a block, kept as it is in case it is the last one.
  let held: Uint8Array | undefined;
  const copy = function* (piece: Uint8Array) {
    let at = 0;
    while (at < piece.length) {
      block ??= new Uint8Array(blockSize);
      const n = Math.min(blockSize - fill, piece.length - at);
      block.set(piece.subarray(at, at + n), fill);
      fill += n;
      at += n;
      if (fill === blockSize) {
        yield block;
        block = undefined;
        fill = 0;
      }
    }
  };
  for await (const piece of source) {
    if (held) {
      yield* copy(held);
      held = undefined;
    }
    if (owned && fill === 0 && piece.length === blockSize) yield piece;
    else if (owned && fill === 0 && piece.length > 0) held = piece;
    else yield* copy(piece);
  }
  if (held) yield held;
  else if (block && fill > 0) yield block.slice(0, fill);
}

/** Size and SHA-256 of a whole stream, known once it is consumed. */
export interface StreamSummary {
  size: number;
  hash: Uint8Array;
  blocks: number;
}

/**
 * Encodes a whole stream block by block; the generator's return value is the summary. An empty
 * stream yields one empty block, so every version has at least one block to restore.
 */
export async function* encodeStream(
  source: AsyncIterable<Uint8Array>,
  params: EncodeParams & { blockSize?: number }
): AsyncGenerator<EncodedBlock, StreamSummary> {
  const hash = new Sha256Stream();
  let size = 0;
  let index = 0;
  for await (const block of cutBlocks(source, effectiveBlockSize(params.k, params.blockSize))) {
    hash.update(block);
    size += block.length;
    yield encodeBlock(params, index++, block);
  }
  if (index === 0) yield encodeBlock(params, index++, new Uint8Array(0));
  return { size, hash: hash.digest(), blocks: index };
}
