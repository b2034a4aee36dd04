import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BitDustError } from '../errors.js';
import { decrypt, encrypt, TAGLEN } from './primitives.js';
import { sodium } from './sodium.js';

/** The reference: libsodium's IETF ChaCha20-Poly1305 with Noise's nonce layout. */
function reference(k: Uint8Array, n: bigint, ad: Uint8Array, plaintext: Uint8Array): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64LE(n, 4);
  const out = Buffer.alloc(plaintext.byteLength + TAGLEN);
  sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, plaintext, ad, null, nonce, k);
  return out;
}

const sizes = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.integer({ min: 4000, max: 4200 }),
  fc.constantFrom(65_519, 100_000)
);

describe('ChaCha20-Poly1305', () => {
  it('gives the same bytes as libsodium, sealing into a fresh buffer or into a frame', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.uint8Array({ maxLength: 64 }),
        sizes,
        fc.integer({ min: 0, max: 255 }),
        (k, n, ad, size, fill) => {
          const plaintext = Buffer.alloc(size, fill);
          const sealed = encrypt(k, n, ad, plaintext);
          assert.deepEqual(sealed, reference(k, n, ad, plaintext));
          const frame = Buffer.alloc(8 + size + TAGLEN, 0xee);
          encrypt(k, n, ad, plaintext, frame.subarray(8));
          assert.deepEqual(frame.subarray(8), sealed);
          assert.deepEqual(frame.subarray(0, 8), Buffer.alloc(8, 0xee), 'the header is untouched');
          assert.deepEqual(decrypt(k, n, ad, sealed), plaintext);
        }
      ),
      { numRuns: 150 }
    );
  });

  it('refuses any flipped bit, a wrong nonce or wrong associated data', () => {
    const k = Buffer.alloc(32, 7);
    for (const size of [100, 70_000]) {
      const sealed = encrypt(k, 5n, Buffer.from('ad'), Buffer.alloc(size, 1));
      const refused = (f: () => unknown) =>
        assert.throws(
          f,
          (e: unknown) => e instanceof BitDustError && e.code === 'ERR_NOISE_DECRYPT'
        );
      for (const at of [0, size - 1, size, size + TAGLEN - 1]) {
        const bad = Buffer.from(sealed);
        bad[at]! ^= 0x01;
        refused(() => decrypt(k, 5n, Buffer.from('ad'), bad));
      }
      refused(() => decrypt(k, 6n, Buffer.from('ad'), sealed));
      refused(() => decrypt(k, 5n, Buffer.from('AD'), sealed));
      refused(() => decrypt(k, 5n, Buffer.alloc(0), sealed));
    }
  });
});
