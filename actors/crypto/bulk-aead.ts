/**
 * The transport sessions' bulk cipher: ChaChaPoly (RFC 8439 ChaCha20-Poly1305, Noise's "ChaChaPoly")
 * through node:crypto's OpenSSL, which is the same algorithm as libsodium's
 * `crypto_aead_chacha20poly1305_ietf_*` and produces byte-identical output (bulk-aead.test.ts
 * proves it against sodium), but runs faster on large messages here and takes its plaintext in
 * pieces, so a session can seal `channel byte ‖ payload` without first joining them and hand the
 * ciphertext pieces to a transport that writes them with one writev.
 *
 * The handshake, REKEY and the Noise vectors keep using libsodium (primitives.ts): only messages
 * with an explicit number below 2^53 come through here, which is all a {@link Session} sends.
 *
 * Key hygiene: node:crypto copies the key into a per-message OpenSSL context that is freed (and
 * cleansed by OpenSSL) when the message is finished; the session's own key copies are wiped by it.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { BitDustError } from '../errors.js';
import { TAGLEN } from './primitives.js';

const ALGORITHM = 'chacha20-poly1305';
const OPTIONS = { authTagLength: TAGLEN } as const;
const TWO_32 = 2 ** 32;
/** Only the call in flight reads it: createCipheriv copies the IV before returning. */
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
 * DECRYPT(k, n, ad = "", ciphertext ‖ tag) into a fresh buffer the caller owns, or
 * ERR_NOISE_DECRYPT. The plaintext is released only after the tag verified.
 */
export function open(key: Uint8Array, n: number, sealed: Uint8Array): Buffer {
  if (sealed.byteLength < TAGLEN) {
    throw new BitDustError('ERR_NOISE_DECRYPT', 'ciphertext shorter than its tag');
  }
  const split = sealed.byteLength - TAGLEN;
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
