/**
 * Shard hashes and Merkle proofs. The catalog keeps, for every shard, its BLAKE2b-256 hash (checked
 * on every transfer) and the root of a Merkle tree over its chunks, so an audit can ask a supplier
 * for one random chunk and check the answer against 32 bytes kept at home, without ever holding the
 * whole shard.
 *
 * Tree: leaves are `H(0x00 ‖ chunk)`, inner nodes `H(0x01 ‖ left ‖ right)` (the prefixes keep a
 * leaf from passing for a node). Levels pair nodes left to right; an odd last node is carried up
 * unchanged, so a tree of n leaves has ⌈log2 n⌉ levels and proofs carry at most that many hashes.
 * A proof is `u32 index ‖ u32 leaves ‖ u8 count ‖ count × 32 bytes`, big-endian.
 *
 * The root does not commit to the leaf count on its own, so a verifier takes `leaves` from its own
 * records (the catalog's shard size), never from the prover.
 */
import { StorageError } from './errors.js';
import { Blake2bStream, blake2b256, HASH_BYTES, sameBytes } from './hash.js';

/** Default chunk an audit challenges: 16 KiB (a 1 MiB shard has 64 leaves, proofs of 6 hashes). */
export const DEFAULT_CHUNK_BYTES = 16 * 1024;
/** Most leaves a tree may have (a proof's count field is one byte; 2^24 leaves need 24 levels). */
export const MAX_LEAVES = 1 << 24;

/** A Merkle proof for chunk `index` of a shard with `leaves` chunks. */
export interface MerkleProof {
  readonly index: number;
  readonly leaves: number;
  /** Sibling hashes from the leaf level up; levels where the node is carried have none. */
  readonly siblings: readonly Uint8Array[];
}

const prefixed = (tag: number, ...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(1 + parts.reduce((n, p) => n + p.length, 0));
  out[0] = tag;
  let at = 1;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** The BLAKE2b-256 hash of a shard. */
export const shardHash = (shard: Uint8Array): Uint8Array => blake2b256(shard);

const LEAF = Uint8Array.of(0);
/** `H(0x00 ‖ chunk)`, streamed: no copy of the chunk. */
const leafHash = (chunk: Uint8Array): Uint8Array =>
  new Blake2bStream().update(LEAF).update(chunk).digest();
const nodeHash = (l: Uint8Array, r: Uint8Array): Uint8Array => blake2b256(prefixed(1, l, r));

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
