/**
 * Property tests of the `fft8` code through the TypeScript API: any k of n shards rebuild the
 * stripe byte for byte, the SIMD engine equals the scalar reference, the copying API and shape
 * limits behave, and fuzzed bad inputs raise only ErasureError. Runs are bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Codec,
  ErasureError,
  ErasurePool,
  checkParams,
  encode,
  reconstruct,
  verify
} from '../index.js';
import {
  anything,
  badShards,
  checkEnginesAgree,
  checkRoundTrip,
  checkWide,
  onlyTyped,
  stripes
} from './kit.js';

const code = 'fft8' as const;

const stripe = stripes(
  fc.oneof(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 25, max: 120 })),
  fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 13, max: 64 }))
);

test('fft8: any k of n shards reconstruct every lost shard byte for byte', () => {
  fc.assert(
    fc.property(stripe, (st) => checkRoundTrip(st, code)),
    { numRuns: 80 }
  );
});

test('fft8: the SIMD engine equals the naive scalar engine (encode and reconstruct)', () => {
  fc.assert(
    fc.property(stripe, (st) => checkEnginesAgree(st, code)),
    { numRuns: 40 }
  );
});

test('fft8: the widest shapes round-trip (128 + 128, 255 + 1, 192 + 64)', () => {
  for (const [k, m] of [
    [128, 128],
    [255, 1],
    [192, 64]
  ] as const) {
    checkWide(k, m, code);
  }
});

test('fft8: shape limit k + (m rounded up to a power of two) ≤ 256 is a typed error', () => {
  assert.doesNotThrow(() => checkParams(192, 64, code));
  for (const [k, m] of [
    [200, 40],
    [1, 255],
    [129, 128]
  ] as const) {
    assert.throws(
      () => new Codec(k, m, 10, { code }),
      (e) => e instanceof ErasureError && e.code === 'ERR_ERASURE_INVALID_PARAMS'
    );
  }
  assert.throws(
    () => new Codec(2, 2, 10, { code: 'rs' as never }),
    (e) => e instanceof ErasureError && e.code === 'ERR_ERASURE_INVALID_PARAMS'
  );
});

test('fft8: copying API round-trips and verify catches a flipped bit', () => {
  const data = [new Uint8Array(500).fill(3), new Uint8Array(500).fill(9), new Uint8Array(500)];
  const parity = encode(data, 3, { code });
  const all = [...data, ...parity];
  assert.equal(verify(all, 3, { code }), true);
  const out = reconstruct([null, data[1]!, null, parity[0]!, null, parity[2]!], 3, { code });
  assert.deepEqual(out, all);
  all[4]![499]! ^= 1;
  assert.equal(verify(all, 3, { code }), false);
});

test('fft8: fuzzed bad parameters and shard arrays raise only ErasureError', () => {
  fc.assert(
    fc.property(anything, anything, anything, (k, m, size) =>
      onlyTyped(() => {
        const c = new Codec(k as number, m as number, size as number, { code });
        c.encode(); // valid after all: it must then work
        c.dispose();
      })
    ),
    { numRuns: 200 }
  );
  fc.assert(
    fc.property(badShards, fc.integer({ min: -2, max: 12 }), (s, k) => {
      onlyTyped(() => encode(s as Uint8Array[], k, { code }));
      onlyTyped(() => reconstruct(s as Uint8Array[], k, { code }));
      onlyTyped(() => verify(s as Uint8Array[], k, { code }));
    }),
    { numRuns: 200 }
  );
});

test('fft8: the worker pool runs the fft8 code when asked', async () => {
  const pool = new ErasurePool(1);
  try {
    const data = Array.from({ length: 5 }, (_, i) => new Uint8Array(300).fill(i * 11 + 1));
    const parity = await pool.encode(data, 3, code);
    assert.deepEqual(parity, encode(data, 3, { code }));
    assert.notDeepEqual(parity, encode(data, 3));
    assert.equal(await pool.verify([...data, ...parity], 5, code), true);
    const rebuilt = await pool.reconstruct(
      [null, ...data.slice(1), null, ...parity.slice(1)],
      5,
      code
    );
    assert.deepEqual(rebuilt, [...data, ...parity]);
  } finally {
    await pool.close();
  }
});
