/**
 * The storage pipeline, both ways. Backup: bytes → blocks (4 MiB by default) → sealed with the
 * block's key → zero-padded to k equal data shards → m parity shards through the WASM Reed-Solomon
 * coder → k + m shards, each with its hash and Merkle root. Restore: any k shards whose hashes
 * match → reconstruct → strip padding → open → plaintext.
 *
 * Memory stays bounded: one block (plus its shards) is in flight per stream. A block is cut small
 * enough that each shard fits one `cmd.data` (STORAGE_LIMITS.maxShardBytes), as the original
 * adapted its block size to the backup; with 4+2 that is 3.75 MiB instead of 4.
 */
import { reconstruct, encode as rsEncode } from '../../wasm/pkg/index.js';
import { STORAGE_LIMITS } from '../../machines/storage/keys.js';
import { openBlock, sealBlock, SEAL_OVERHEAD } from './block-crypto.js';
import type { BlockRecord } from './catalog-types.js';
import { StorageError } from './errors.js';
import { Blake2bStream, sameBytes } from './hash.js';
import { DEFAULT_CHUNK_BYTES, merkleRoot, shardHash } from './merkle.js';

/** Default block size: 4 MiB, as the original. */
export const DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024;

/** What encoding needs besides the data. */
export interface EncodeParams {
  readonly dataKey: Uint8Array;
  readonly backupId: string;
  readonly k: number;
  readonly m: number;
  readonly chunkBytes?: number;
}

/** One encoded block: its catalog record and its k + m shards (shard i for position i). */
export interface EncodedBlock {
  readonly record: BlockRecord;
  readonly shards: readonly Uint8Array[];
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

/** Encodes block `index` of a backup. */
export function encodeBlock(params: EncodeParams, index: number, plain: Uint8Array): EncodedBlock {
  const { dataKey, backupId, k, m } = params;
  const sealed = sealBlock(dataKey, { backupId, blockIndex: index }, plain);
  const shardSize = Math.ceil(sealed.length / k);
  if (shardSize > STORAGE_LIMITS.maxShardBytes) {
    throw new StorageError('ERR_STORAGE_ARGUMENT', `block ${index} is too large for k = ${k}`);
  }
  const stripe = new Uint8Array(shardSize * k);
  stripe.set(sealed);
  const data = Array.from({ length: k }, (_, i) =>
    stripe.subarray(i * shardSize, (i + 1) * shardSize)
  );
  const shards = [...data, ...rsEncode(data, m)];
  const chunk = params.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  return {
    record: {
      index,
      plainSize: plain.length,
      sealedSize: sealed.length,
      shardSize,
      shards: shards.map((s) => ({ hash: shardHash(s), root: merkleRoot(s, chunk) }))
    },
    shards
  };
}

/**
 * Decodes a block from the shards at hand (`null` where missing). Shards that do not match the
 * catalog's hash are ignored; fewer than k good ones is ERR_STORAGE_UNRECOVERABLE naming the block,
 * and a stripe that reconstructs but fails authentication is ERR_STORAGE_TAMPERED.
 */
export function decodeBlock(
  dataKey: Uint8Array,
  backupId: string,
  k: number,
  record: BlockRecord,
  shards: readonly (Uint8Array | null | undefined)[]
): Uint8Array {
  const n = record.shards.length;
  const good: (Uint8Array | null)[] = Array.from({ length: n }, (_, i) => {
    const s = shards[i];
    const ok =
      s && s.length === record.shardSize && sameBytes(shardHash(s), record.shards[i]!.hash);
    return ok ? s : null;
  });
  const present = good.filter((s) => s !== null).length;
  if (present < k) {
    throw StorageError.unrecoverable([record.index], `${present} good shards of ${k} needed`);
  }
  const all = good.slice(0, k).every((s) => s !== null) ? good : reconstruct(good, k);
  const stripe = new Uint8Array(k * record.shardSize);
  for (let i = 0; i < k; i++) stripe.set(all[i]!, i * record.shardSize);
  const plain = openBlock(
    dataKey,
    { backupId, blockIndex: record.index },
    stripe.subarray(0, record.sealedSize)
  );
  if (plain.length !== record.plainSize) {
    throw new StorageError('ERR_STORAGE_FORMAT', `block ${record.index} has the wrong size`, {
      blocks: [record.index]
    });
  }
  return plain;
}

/** Cuts a byte stream into blocks of exactly `blockSize` (the last one shorter, never empty). */
export async function* cutBlocks(
  source: AsyncIterable<Uint8Array>,
  blockSize: number
): AsyncGenerator<Uint8Array> {
  let block = new Uint8Array(blockSize);
  let fill = 0;
  for await (const piece of source) {
    let at = 0;
    while (at < piece.length) {
      const n = Math.min(blockSize - fill, piece.length - at);
      block.set(piece.subarray(at, at + n), fill);
      fill += n;
      at += n;
      if (fill === blockSize) {
        yield block;
        block = new Uint8Array(blockSize);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield block.subarray(0, fill);
}

/** Size and BLAKE2b-256 of a whole stream, known once it is consumed. */
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
  const hash = new Blake2bStream();
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
