/**
 * The transport sessions' bulk cipher: ChaChaPoly (RFC 8439 ChaCha20-Poly1305, Noise's "ChaChaPoly")
 * through node:crypto's OpenSSL, which is the same algorithm as libsodium's
 * `crypto_aead_chacha20poly1305_ietf_*` and produces byte-identical output (bulk-aead.test.ts
 * proves it against sodium), but runs faster on large messages here and takes its plaintext in
 * pieces, so a session can seal `channel byte ‖ payload` without first joining them and hand the
 * ciphertext pieces to a transport that writes them with one writev.
 *
 * Small messages go through libsodium here too (see {@link BULK_BYTES}). The handshake, REKEY and
 * the Noise vectors use libsodium through primitives.ts: only messages with an explicit number
 * below 2^53 come through here, which is all a {@link Session} sends.
 *
 * Key hygiene: node:crypto copies the key into a per-message OpenSSL context that is freed (and
 * cleansed by OpenSSL) when the message is finished; the session's own key copies are wiped by it.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { BitDustError } from '../errors.js';
import { TAGLEN } from './primitives.js';
import { sodium } from './sodium.js';

const ALGORITHM = 'chacha20-poly1305';
/**
 * Messages of at least this many plaintext bytes go through OpenSSL, smaller ones through
 * libsodium: measured here, OpenSSL's per-message set-up outweighs its faster cipher below 16 KiB.
 */
export const BULK_BYTES = 16 << 10;
const OPTIONS = { authTagLength: TAGLEN } as const;
const TWO_32 = 2 ** 32;
/** Only the call in flight reads it: createCipheriv copies the IV, libsodium reads it at once. */
const nonce = Buffer.alloc(12);

/** The 96-bit nonce for message number `n`: 32 zero bits ‖ n as a little-endian u64 (Noise). */
function nonceFor(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad message number ${n}`);
  nonce.writeUInt32LE(n % TWO_32, 4);
  nonce.writeUInt32LE(Math.floor(n / TWO_32), 8);
  return nonce;
}

/**
 * ENCRYPT(k, n, ad = "", parts joined): one ciphertext piece per plaintext piece (same lengths,
 * fresh buffers) and the 16-byte tag. Joined, they are exactly what libsodium would return.
 */
export function sealParts(
  key: Uint8Array,
  n: number,
  parts: readonly Uint8Array[]
): { ciphertext: Buffer[]; tag: Buffer } {
  const cipher = createCipheriv(ALGORITHM, key, nonceFor(n), OPTIONS);
  const ciphertext = parts.map((p) => cipher.update(p));
  cipher.final();
  return { ciphertext, tag: cipher.getAuthTag() };
}

/**
 * ENCRYPT(k, n, ad = "", parts joined) with libsodium into one fresh buffer: `prefix` zero bytes
 * for the caller, then ciphertext and tag. For small messages, where OpenSSL's per-call set-up
 * (about 3 µs here) costs more than the cipher; the bytes are the same as {@link sealParts}'s.
 */
export function sealJoined(
  key: Uint8Array,
  n: number,
  parts: readonly Uint8Array[],
  prefix: number
): Buffer {
  let bytes = 0;
  for (const p of parts) bytes += p.byteLength;
  const out = Buffer.allocUnsafeSlow(prefix + bytes + TAGLEN).fill(0, 0, prefix);
  let at = prefix;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  // In place: libsodium reads each plaintext block before it writes that block's ciphertext.
  const sealed = out.subarray(prefix);
  const plaintext = out.subarray(prefix, at);
  sodium.crypto_aead_chacha20poly1305_ietf_encrypt(sealed, plaintext, null, null, nonceFor(n), key);
  return out;
}

/**
 * DECRYPT(k, n, ad = "", ciphertext ‖ tag) into a fresh, unshared buffer the caller owns, or
 * ERR_NOISE_DECRYPT. The plaintext is released only after the tag verified. Below
 * {@link BULK_BYTES} libsodium does it (cheaper set-up), above OpenSSL (faster cipher).
 */
export function open(key: Uint8Array, n: number, sealed: Uint8Array): Buffer {
  if (sealed.byteLength < TAGLEN) {
    throw new BitDustError('ERR_NOISE_DECRYPT', 'ciphertext shorter than its tag');
  }
  const split = sealed.byteLength - TAGLEN;
  if (split < BULK_BYTES) {
    const out = Buffer.allocUnsafeSlow(split);
    try {
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, sealed, null, nonceFor(n), key);
    } catch (cause) {
      throw new BitDustError('ERR_NOISE_DECRYPT', 'authentication failed', { cause });
    }
    return out;
  }
  const decipher = createDecipheriv(ALGORITHM, key, nonceFor(n), OPTIONS);
  decipher.setAuthTag(sealed.subarray(split));
  const plaintext = decipher.update(sealed.subarray(0, split));
  try {
    decipher.final();
  } catch (cause) {
    plaintext.fill(0); // unauthenticated bytes never leave this function
    throw new BitDustError('ERR_NOISE_DECRYPT', 'authentication failed', { cause });
  }
  return plaintext;
}

/**
 * DECRYPT(k, n, ad = "", ciphertext ‖ tag) with libsodium into `into` (at least the plaintext's
 * length), for a caller that recycles its buffers instead of taking a fresh one per message (a
 * proxy router, whose 48 KiB fresh buffers cost more in garbage collection than OpenSSL's faster
 * cipher saves). Returns the view of `into` that holds the plaintext, or ERR_NOISE_DECRYPT.
 * libsodium checks the tag before it decrypts, so on failure no unauthenticated byte was written.
 * `sealed` and `into` must not overlap.
 */
export function openInto(key: Uint8Array, n: number, sealed: Uint8Array, into: Uint8Array): Buffer {
  if (sealed.byteLength < TAGLEN) {
    throw new BitDustError('ERR_NOISE_DECRYPT', 'ciphertext shorter than its tag');
  }
  const split = sealed.byteLength - TAGLEN;
  if (into.byteLength < split) throw new RangeError(`${into.byteLength} B cannot hold ${split} B`);
  const out = Buffer.from(into.buffer, into.byteOffset, split);
  try {
    sodium.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, sealed, null, nonceFor(n), key);
  } catch (cause) {
    throw new BitDustError('ERR_NOISE_DECRYPT', 'authentication failed', { cause });
  }
  return out;
}
