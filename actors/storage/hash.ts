/**
 * The hashes of this area. Bulk data (shards through their Merkle trees, whole files) is hashed
 * with SHA-256 through node:crypto, which uses the CPU's SHA extensions where there are some
 * (about 1.7× faster than libsodium's BLAKE2b on the machines measured, docs/storage.md). Keys and
 * short identifiers (block keys, the data key, path keys, backup ids) keep BLAKE2b-256 through
 * libsodium: they are tiny, and BLAKE2b's keyed mode is what derives them.
 */
import { createHash, type Hash } from 'node:crypto';
import { sodium } from '../crypto/sodium.js';

/** Length of every hash this area stores: 32 bytes. */
export const HASH_BYTES = 32;

/** BLAKE2b-256 of `data`, keyed when `key` (16..64 bytes) is given. */
export function blake2b256(data: Uint8Array, key?: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH_BYTES);
  if (key) sodium.crypto_generichash(out, data, key);
  else sodium.crypto_generichash(out, data);
  return out;
}

const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);

/** SHA-256 of the concatenation of `parts` (no copy of them). */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return plain(h.digest());
}

/** An incremental SHA-256, for whole files: hashing never holds more than the chunk at hand. */
export class Sha256Stream {
  private readonly h: Hash = createHash('sha256');
  private done = false;

  /** Adds bytes; throws after `digest()`. */
  update(data: Uint8Array): this {
    if (this.done) throw new TypeError('hash already finalised');
    if (data.length > 0) this.h.update(data);
    return this;
  }

  /** The 32-byte digest; the stream cannot be used afterwards. */
  digest(): Uint8Array {
    if (this.done) throw new TypeError('hash already finalised');
    this.done = true;
    return plain(this.h.digest());
  }
}

/** Constant-time equality of two byte strings (different lengths are unequal). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && sodium.sodium_memcmp(a, b);
}

/** Lower-case hex, for logs, keys and error messages. */
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * `n` bytes of fresh, unshared memory that are not zeroed first: for a buffer the caller
 * overwrites whole before anyone reads it (zeroing megabytes that are then overwritten costs a
 * pass over them). A plain Uint8Array over its own ArrayBuffer, so it can be moved to a worker.
 */
export function uninitialized(n: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, n);
}
