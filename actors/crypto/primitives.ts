/**
 * Noise's primitive functions (spec rev 34, §4 and §12): DH 25519, cipher ChaChaPoly and the hashes
 * BLAKE2b and SHA256 with their HMAC and HKDF. Everything above this file talks to libsodium only
 * through these functions, so a vector mismatch points here or at the state machines, never both.
 */
import { BitDustError } from '../errors.js';
import { sodium } from './sodium.js';

/** DH public key and shared secret length for 25519. */
export const DHLEN = 32;
/** ChaChaPoly key length. */
export const KEYLEN = 32;
/** Poly1305 tag length: every AEAD ciphertext is this much longer than its plaintext. */
export const TAGLEN = 16;
/** Noise's hard cap on any message, handshake or transport (§3). */
export const MAX_MESSAGE = 65535;
/** The nonce 2^64-1 is reserved for REKEY (§5.1); no message may use it. */
export const MAX_NONCE = 0xffffffffffffffffn;

/** An X25519 key pair. */
export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

/** A fresh X25519 key pair from libsodium's CSPRNG. */
export function generateKeyPair(): KeyPair {
  const secretKey = Buffer.alloc(DHLEN);
  sodium.randombytes_buf(secretKey);
  return keyPairFromSecret(secretKey);
}

/** The key pair for a given secret (vectors inject ephemerals, identities load stored statics). */
export function keyPairFromSecret(secret: Uint8Array): KeyPair {
  if (secret.byteLength !== DHLEN) throw new RangeError(`X25519 secret must be ${DHLEN} bytes`);
  const publicKey = Buffer.alloc(DHLEN);
  sodium.crypto_scalarmult_base(publicKey, secret);
  return { publicKey, secretKey: Buffer.from(secret) };
}

/**
 * DH(key_pair, public_key). libsodium refuses a low-order peer key (all-zero output); Noise allows
 * either behaviour (§12.1) and refusing is the safer one, so it becomes a typed handshake failure.
 */
export function dh(keyPair: KeyPair, publicKey: Uint8Array): Uint8Array {
  if (publicKey.byteLength !== DHLEN) {
    throw new BitDustError('ERR_NOISE_DH', `public key must be ${DHLEN} bytes`);
  }
  const out = Buffer.alloc(DHLEN);
  try {
    sodium.crypto_scalarmult(out, keyPair.secretKey, publicKey);
  } catch (cause) {
    throw new BitDustError('ERR_NOISE_DH', 'DH with a low-order public key', { cause });
  }
  return out;
}

/** The 96-bit ChaChaPoly nonce: 32 bits of zeros followed by the little-endian 64-bit counter. */
function nonceBytes(n: bigint): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64LE(n, 4);
  return nonce;
}

/** ENCRYPT(k, n, ad, plaintext): ciphertext with the 16-byte tag appended. */
export function encrypt(
  k: Uint8Array,
  n: bigint,
  ad: Uint8Array,
  plaintext: Uint8Array,
  out: Buffer = Buffer.allocUnsafe(plaintext.byteLength + TAGLEN)
): Buffer {
  // `out` may be a view into a larger frame, so a session seals in place without another copy;
  // it is fully written here, which is why it need not be zeroed.
  sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, ad, null, nonceBytes(n), k);
  return out;
}

/** DECRYPT(k, n, ad, ciphertext), throwing ERR_NOISE_DECRYPT on a bad tag or a short input. */
export function decrypt(k: Uint8Array, n: bigint, ad: Uint8Array, ciphertext: Uint8Array): Buffer {
  if (ciphertext.byteLength < TAGLEN) {
    throw new BitDustError('ERR_NOISE_DECRYPT', 'ciphertext shorter than its tag');
  }
  // Unzeroed: either libsodium writes every byte, or it fails and the buffer is never returned.
  const out = Buffer.allocUnsafe(ciphertext.byteLength - TAGLEN);
  try {
    sodium.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, ciphertext, ad, nonceBytes(n), k);
  } catch (cause) {
    throw new BitDustError('ERR_NOISE_DECRYPT', 'authentication failed', { cause });
  }
  return out;
}

/** REKEY(k) (§4.2): the first 32 bytes of ENCRYPT(k, 2^64-1, "", 32 zero bytes). */
export function rekey(k: Uint8Array): Buffer {
  return encrypt(k, MAX_NONCE, Buffer.alloc(0), Buffer.alloc(KEYLEN)).subarray(0, KEYLEN);
}

/** A Noise hash function with its HMAC and HKDF. */
export interface HashFunction {
  readonly name: 'BLAKE2b' | 'SHA256';
  readonly HASHLEN: number;
  readonly BLOCKLEN: number;
  hash(data: Uint8Array): Buffer;
}

/** BLAKE2b with a 64-byte digest, unkeyed (Noise uses HMAC around it, not BLAKE2's own key). */
export const BLAKE2b: HashFunction = {
  name: 'BLAKE2b',
  HASHLEN: 64,
  BLOCKLEN: 128,
  hash(data) {
    const out = Buffer.alloc(64);
    sodium.crypto_generichash(out, data);
    return out;
  }
};

/** SHA-256. */
export const SHA256: HashFunction = {
  name: 'SHA256',
  HASHLEN: 32,
  BLOCKLEN: 64,
  hash(data) {
    const out = Buffer.alloc(32);
    sodium.crypto_hash_sha256(out, data);
    return out;
  }
};

/** HMAC-HASH(key, data) per RFC 2104 with the hash's block length, as §4.3 prescribes. */
export function hmac(h: HashFunction, key: Uint8Array, data: Uint8Array): Buffer {
  const k = Buffer.alloc(h.BLOCKLEN);
  // Keys longer than a block are hashed first (RFC 2104); Noise's chaining keys never are.
  k.set(key.byteLength > h.BLOCKLEN ? h.hash(key) : key);
  const inner = Buffer.alloc(h.BLOCKLEN + data.byteLength);
  const outer = Buffer.alloc(h.BLOCKLEN + h.HASHLEN);
  for (let i = 0; i < h.BLOCKLEN; i++) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  inner.set(data, h.BLOCKLEN);
  outer.set(h.hash(inner), h.BLOCKLEN);
  return h.hash(outer);
}

/** HKDF(chaining_key, input_key_material, num_outputs) per §4.3, with 2 or 3 outputs. */
export function hkdf(h: HashFunction, ck: Uint8Array, ikm: Uint8Array, outputs: 2 | 3): Buffer[] {
  const tempKey = hmac(h, ck, ikm);
  const out1 = hmac(h, tempKey, Uint8Array.of(1));
  const out2 = hmac(h, tempKey, Buffer.concat([out1, Uint8Array.of(2)]));
  if (outputs === 2) return [out1, out2];
  return [out1, out2, hmac(h, tempKey, Buffer.concat([out2, Uint8Array.of(3)]))];
}

/** Overwrite secret bytes once they are no longer needed. */
export function wipe(buf: Uint8Array | null | undefined): void {
  if (buf) sodium.sodium_memzero(buf);
}
