import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BULK_BYTES, open, sealJoined, sealParts } from './bulk-aead.js';
import { decrypt, encrypt, KEYLEN, TAGLEN } from './primitives.js';

const EMPTY = new Uint8Array(0);
const key = fc.uint8Array({ minLength: KEYLEN, maxLength: KEYLEN });
const number = fc.oneof(
  fc.nat({ max: 1 << 20 }),
  fc.constant(2 ** 32 - 1),
  fc.constant(2 ** 32),
  fc.constant(Number.MAX_SAFE_INTEGER - 1),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 1 })
);
/** Plaintexts on both sides of the libsodium / OpenSSL switch. */
const plaintext = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc
    .tuple(fc.integer({ min: BULK_BYTES - 3, max: BULK_BYTES + 3000 }), fc.nat(255))
    .map(([n, fill]) => new Uint8Array(n).fill(fill).map((b, i) => b ^ (i * 7)))
);
/** A plaintext and the cuts that split it into pieces (empty pieces included). */
const pieces = fc.tuple(plaintext, fc.array(fc.nat(), { maxLength: 5 })).map(([plain, cuts]) => {
  const at = cuts.map((c) => c % (plain.byteLength + 1)).sort((a, b) => a - b);
  const parts = [0, ...at].map((from, i) => plain.subarray(from, [...at, plain.byteLength][i]));
  return { plain, parts };
});

test('node:crypto and libsodium seal byte-identically, however the plaintext is cut', () => {
  fc.assert(
    fc.property(key, number, pieces, (k, n, { plain, parts }) => {
      const { ciphertext, tag } = sealParts(k, n, parts);
      assert.deepEqual(
        ciphertext.map((c) => c.byteLength),
        parts.map((p) => p.byteLength)
      );
      const ours = Buffer.concat([...ciphertext, tag]);
      assert.deepEqual(ours, encrypt(k, BigInt(n), EMPTY, plain));
      const joined = sealJoined(k, n, parts, 5);
      assert.deepEqual(joined.subarray(0, 5), Buffer.alloc(5));
      assert.deepEqual(joined.subarray(5), ours);
    }),
    { numRuns: 300 }
  );
});

test('each backend opens what the other sealed', () => {
  fc.assert(
    fc.property(key, number, plaintext, (k, n, plain) => {
      const bySodium = encrypt(k, BigInt(n), EMPTY, plain);
      assert.deepEqual(open(k, n, bySodium), Buffer.from(plain));
      const { ciphertext, tag } = sealParts(k, n, [plain]);
      const byOpenSsl = Buffer.concat([...ciphertext, tag]);
      assert.deepEqual(decrypt(k, BigInt(n), EMPTY, byOpenSsl), Buffer.from(plain));
    }),
    { numRuns: 200 }
  );
});

test('open refuses any flipped bit, a wrong number or a wrong key, and a short input', () => {
  fc.assert(
    fc.property(key, fc.nat({ max: 1 << 30 }), plaintext, fc.nat(), (k, n, plain, at) => {
      const sealed = encrypt(k, BigInt(n), EMPTY, plain);
      const bad = Buffer.from(sealed);
      bad[at % bad.byteLength]! ^= 1 << (at % 8);
      assert.throws(() => open(k, n, bad), { code: 'ERR_NOISE_DECRYPT' });
      assert.throws(() => open(k, n + 1, sealed), { code: 'ERR_NOISE_DECRYPT' });
      const other = Buffer.from(k);
      other[0]! ^= 0x80;
      assert.throws(() => open(other, n, sealed), { code: 'ERR_NOISE_DECRYPT' });
    }),
    { numRuns: 200 }
  );
  assert.throws(() => open(new Uint8Array(KEYLEN), 0, new Uint8Array(TAGLEN - 1)), {
    code: 'ERR_NOISE_DECRYPT'
  });
});

test('message numbers outside 0 .. 2^53-1 are refused before any work', () => {
  for (const n of [-1, 0.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN]) {
    assert.throws(() => sealParts(new Uint8Array(KEYLEN), n, [EMPTY]), RangeError);
  }
});
