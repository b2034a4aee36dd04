/**
 * BLAKE2b-256 through libsodium: one-shot, keyed, and incremental (for whole files, so hashing
 * never holds more than the chunk being read).
 */
import { sodium } from '../crypto/sodium.js';

/** Length of every hash this area stores: 32 bytes. */
export const HASH_BYTES = 32;

const stream = sodium;

/** BLAKE2b-256 of `data`, keyed when `key` (16..64 bytes) is given. */
export function blake2b256(data: Uint8Array, key?: Uint8Array): Uint8Array {
  const out = new Uint8Array(HASH_BYTES);
  if (key) sodium.crypto_generichash(out, data, key);
  else sodium.crypto_generichash(out, data);
  return out;
}

/** An incremental BLAKE2b-256. */
export class Blake2bStream {
  private readonly state = new Uint8Array(stream.crypto_generichash_STATEBYTES);
  private done = false;

  constructor() {
    stream.crypto_generichash_init(this.state, null, HASH_BYTES);
  }

  /** Adds bytes; throws after `digest()`. */
  update(data: Uint8Array): this {
    if (this.done) throw new TypeError('hash already finalised');
    if (data.length > 0) stream.crypto_generichash_update(this.state, data);
    return this;
  }

  /** The 32-byte digest; the stream cannot be used afterwards. */
  digest(): Uint8Array {
    if (this.done) throw new TypeError('hash already finalised');
    this.done = true;
    const out = new Uint8Array(HASH_BYTES);
    stream.crypto_generichash_final(this.state, out);
    return out;
  }
}

/** Constant-time equality of two byte strings (different lengths are unequal). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && sodium.sodium_memcmp(a, b);
}

/** Lower-case hex, for logs, keys and error messages. */
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
