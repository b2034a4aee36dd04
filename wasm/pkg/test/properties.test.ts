/**
 * Property tests: any k of n shards rebuild the stripe byte for byte; the SIMD kernel equals the
 * scalar reference; bad inputs raise only ErasureError. Runs are bounded to keep the suite fast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Codec, ErasureError, encode, reconstruct, verify } from '../index.js';
import {
  anything,
  badShards,
  checkEnginesAgree,
  checkRoundTrip,
  checkWide,
  onlyTyped,
  stripes
} from './kit.js';

const stripe = stripes(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 12 }));

test('any k of n shards reconstruct every lost shard byte for byte', () => {
  fc.assert(
    fc.property(stripe, (st) => checkRoundTrip(st, 'cauchy')),
    { numRuns: 120 }
  );
});

test('the SIMD engine equals the naive scalar engine (encode and reconstruct)', () => {
  fc.assert(
    fc.property(stripe, (st) => checkEnginesAgree(st, 'cauchy')),
    { numRuns: 60 }
  );
});

test('wide stripes: 128 + 128 and 255 + 1 round-trip', () => {
  for (const [k, m] of [
    [128, 128],
    [255, 1],
    [1, 255]
  ] as const) {
    checkWide(k, m, 'cauchy');
  }
});

test('verify detects one flipped bit in parity or data', () => {
  const data = [new Uint8Array(500).fill(3), new Uint8Array(500).fill(9), new Uint8Array(500)];
  const all = [...data, ...encode(data, 2)];
  assert.equal(verify(all, 3), true);
  all[4]![499]! ^= 1;
  assert.equal(verify(all, 3), false);
});

test('copying API round-trips and leaves the caller buffers alone', () => {
  const data = [Uint8Array.of(1, 2), Uint8Array.of(3, 4)];
  const parity = encode(data, 2);
  assert.deepEqual(parity, [Uint8Array.of(0x8f, 0xf6), Uint8Array.of(0x7b, 0xf7)]);
  const out = reconstruct([null, data[1]!, null, parity[1]!], 2);
  assert.deepEqual(out, [...data, ...parity]);
  assert.deepEqual(data, [Uint8Array.of(1, 2), Uint8Array.of(3, 4)]);
});

test('fuzzed bad parameters raise only ErasureError, never a trap', () => {
  fc.assert(
    fc.property(anything, anything, anything, (k, m, size) =>
      onlyTyped(() => {
        const c = new Codec(k as number, m as number, size as number);
        c.encode(); // valid after all: it must then work
        c.dispose();
      })
    ),
    { numRuns: 300 }
  );
});

test('fuzzed bad shard arrays raise only ErasureError', () => {
  fc.assert(
    fc.property(badShards, fc.integer({ min: -2, max: 12 }), (shards, k) => {
      onlyTyped(() => encode(shards as Uint8Array[], k));
      onlyTyped(() => reconstruct(shards as Uint8Array[], k));
      onlyTyped(() => verify(shards as Uint8Array[], k));
    }),
    { numRuns: 300 }
  );
});

test('typed errors for the documented cases', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof ErasureError ? e.code : `not an ErasureError: ${String(e)}`;
    }
    return 'no error';
  };
  assert.equal(
    code(() => new Codec(0, 2, 10)),
    'ERR_ERASURE_INVALID_PARAMS'
  );
  assert.equal(
    code(() => new Codec(200, 57, 10)),
    'ERR_ERASURE_INVALID_PARAMS'
  );
  assert.equal(
    code(() => new Codec(2, 2, 0)),
    'ERR_ERASURE_SHARD_SIZE'
  );
  assert.equal(
    code(() => encode([new Uint8Array(3), new Uint8Array(4)], 1)),
    'ERR_ERASURE_SHARD_SIZE'
  );
  assert.equal(
    code(() => reconstruct([null, null, new Uint8Array(3)], 2)),
    'ERR_ERASURE_TOO_FEW_SHARDS'
  );
  const c = new Codec(3, 2, 16);
  assert.equal(
    code(() => c.reconstruct([0, 1, 2])),
    'ERR_ERASURE_TOO_FEW_SHARDS'
  );
  assert.equal(
    code(() => c.shard(5)),
    'ERR_ERASURE_SHARD_INDEX'
  );
  c.dispose();
  assert.equal(
    code(() => c.encode()),
    'ERR_ERASURE_DISPOSED'
  );
});
