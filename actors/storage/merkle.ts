/**
 * Shard hashes and Merkle proofs. Every shard has one Merkle tree over its 16 KiB chunks; one pass
 * over the shard gives both what the catalog keeps for it: the tree's root (what audits prove
 * against: a supplier answers for one random chunk, checked against 32 bytes kept at home, without
 * ever sending the whole shard) and the shard hash derived from that root and the shard's length
 * (checked on every transfer and every supplier read).
 *
 * Hash: SHA-256 (shard format 2; format 1 used BLAKE2b-256 and hashed each shard a second time,
 * whole). Tree: leaves are `H(0x00 ‖ chunk)`, inner nodes `H(0x01 ‖ left ‖ right)` (the prefixes
 * keep a leaf from passing for a node). Levels pair nodes left to right; an odd last node is carried
 * up unchanged, so a tree of n leaves has ⌈log2 n⌉ levels and proofs carry at most that many hashes.
 * Shard hash: `H(0x02 ‖ u64 length ‖ root)` over the tree of {@link SHARD_CHUNK_BYTES} chunks, so it
 * names the exact bytes (their length too) and is never equal to a root or a node.
 * A proof is `u32 index ‖ u32 leaves ‖ u8 count ‖ count × 32 bytes`, big-endian.
 *
 * A verifier takes `leaves` from its own records (the catalog's shard size), never from the prover.
 */
import { createHash } from 'node:crypto';
import { StorageError } from './errors.js';
import { HASH_BYTES, sameBytes, sha256 } from './hash.js';

/** Default chunk an audit challenges: 16 KiB (a 1 MiB shard has 64 leaves, proofs of 6 hashes). */
export const DEFAULT_CHUNK_BYTES = 16 * 1024;
/** The chunk of the tree a shard hash is derived from: fixed, so any holder can recompute it. */
export const SHARD_CHUNK_BYTES = DEFAULT_CHUNK_BYTES;
/** Most leaves a tree may have (a proof's count field is one byte; 2^24 leaves need 24 levels). */
export const MAX_LEAVES = 1 << 24;

/** A Merkle proof for chunk `index` of a shard with `leaves` chunks. */
export interface MerkleProof {
  readonly index: number;
  readonly leaves: number;
  /** Sibling hashes from the leaf level up; levels where the node is carried have none. */
  readonly siblings: readonly Uint8Array[];
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);
const SHARD = Uint8Array.of(2);
/** SHA-256 with the leaf prefix absorbed: each leaf copies it (cheaper than a fresh hash). */
const leafBase = createHash('sha256').update(LEAF);
/** `H(0x00 ‖ chunk)`: no copy of the chunk. */
const leafHash = (chunk: Uint8Array): Uint8Array => {
  const d = leafBase.copy().update(chunk).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.length);
};
const nodeHash = (l: Uint8Array, r: Uint8Array): Uint8Array => sha256(NODE, l, r);

/** The shard hash of a shard of `length` bytes whose tree has root `root`. */
export function shardHashOf(root: Uint8Array, length: number): Uint8Array {
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(length));
  return sha256(SHARD, len, root);
}

/** A shard's hash and Merkle root, from one pass over it. */
export function shardDigest(shard: Uint8Array): { hash: Uint8Array; root: Uint8Array } {
  const root = merkleRoot(shard, SHARD_CHUNK_BYTES);
  return { hash: shardHashOf(root, shard.length), root };
}

/** The hash of a shard (see the module comment). */
export const shardHash = (shard: Uint8Array): Uint8Array => shardDigest(shard).hash;

/** Number of chunks of a shard of `size` bytes (an empty shard has one empty chunk). */
export function chunkCount(size: number, chunkBytes = DEFAULT_CHUNK_BYTES): number {
  return Math.max(1, Math.ceil(size / chunkBytes));
}

/** Chunk `index` of `shard` (a view, no copy). */
export function chunkOf(shard: Uint8Array, index: number, chunkBytes = DEFAULT_CHUNK_BYTES) {
  return shard.subarray(index * chunkBytes, (index + 1) * chunkBytes);
}

/** Every level of the tree, leaves first, root last. */
function levels(shard: Uint8Array, chunkBytes: number): Uint8Array[][] {
  const n = chunkCount(shard.length, chunkBytes);
  if (n > MAX_LEAVES) throw new StorageError('ERR_STORAGE_ARGUMENT', `${n} chunks is too many`);
  const out: Uint8Array[][] = [
    Array.from({ length: n }, (_, i) => leafHash(chunkOf(shard, i, chunkBytes)))
  ];
  while (out[out.length - 1]!.length > 1) {
    const below = out[out.length - 1]!;
    const level: Uint8Array[] = [];
    for (let i = 0; i < below.length; i += 2) {
      level.push(i + 1 < below.length ? nodeHash(below[i]!, below[i + 1]!) : below[i]!);
    }
    out.push(level);
  }
  return out;
}

/** The Merkle root of `shard` cut in `chunkBytes` chunks. */
export function merkleRoot(shard: Uint8Array, chunkBytes = DEFAULT_CHUNK_BYTES): Uint8Array {
  const all = levels(shard, chunkBytes);
  return all[all.length - 1]![0]!;
}

/** The proof that chunk `index` belongs to `shard`'s tree. */
export function merkleProof(
  shard: Uint8Array,
  index: number,
  chunkBytes = DEFAULT_CHUNK_BYTES
): MerkleProof {
  return proofIn(levels(shard, chunkBytes), index);
}

/** Proofs for several chunks of one shard, hashing the shard once. */
export function merkleProofs(
  shard: Uint8Array,
  indices: readonly number[],
  chunkBytes = DEFAULT_CHUNK_BYTES
): MerkleProof[] {
  const all = levels(shard, chunkBytes);
  return indices.map((i) => proofIn(all, i));
}

function proofIn(all: Uint8Array[][], index: number): MerkleProof {
  const leaves = all[0]!.length;
  if (!Number.isInteger(index) || index < 0 || index >= leaves) {
    throw new StorageError('ERR_STORAGE_ARGUMENT', `chunk ${index} of ${leaves}`);
  }
  const siblings: Uint8Array[] = [];
  let i = index;
  for (const level of all.slice(0, -1)) {
    const sibling = i % 2 === 1 ? level[i - 1] : level[i + 1];
    if (sibling) siblings.push(sibling);
    i >>= 1;
  }
  return { index, leaves, siblings };
}

/** Whether `chunk` is chunk `proof.index` of a shard whose root is `root`. Never throws. */
export function verifyProof(root: Uint8Array, chunk: Uint8Array, proof: MerkleProof): boolean {
  const { index, leaves, siblings } = proof;
  if (!Number.isInteger(leaves) || leaves < 1 || leaves > MAX_LEAVES) return false;
  if (!Number.isInteger(index) || index < 0 || index >= leaves) return false;
  let node = leafHash(chunk);
  let i = index;
  let n = leaves;
  let used = 0;
  while (n > 1) {
    if (i % 2 === 1 || i + 1 < n) {
      const sibling = siblings[used++];
      if (!sibling || sibling.length !== HASH_BYTES) return false;
      node = i % 2 === 1 ? nodeHash(sibling, node) : nodeHash(node, sibling);
    }
    i >>= 1;
    n = Math.ceil(n / 2);
  }
  return used === siblings.length && sameBytes(node, root);
}

/** Encodes a proof for the wire. */
export function encodeProof(proof: MerkleProof): Uint8Array {
  const out = new Uint8Array(9 + proof.siblings.length * HASH_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, proof.index);
  view.setUint32(4, proof.leaves);
  out[8] = proof.siblings.length;
  proof.siblings.forEach((s, i) => out.set(s, 9 + i * HASH_BYTES));
  return out;
}

/** Decodes a proof; ERR_STORAGE_FORMAT for anything that is not exactly one proof. */
export function decodeProof(bytes: Uint8Array): MerkleProof {
  if (bytes.length < 9) throw new StorageError('ERR_STORAGE_FORMAT', 'proof too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes[8]!;
  if (count > 32 || bytes.length !== 9 + count * HASH_BYTES) {
    throw new StorageError('ERR_STORAGE_FORMAT', `proof of ${bytes.length} bytes, ${count} hashes`);
  }
  const siblings = Array.from({ length: count }, (_, i) =>
    bytes.slice(9 + i * HASH_BYTES, 9 + (i + 1) * HASH_BYTES)
  );
  return { index: view.getUint32(0), leaves: view.getUint32(4), siblings };
}
