/**
 * Property tests: any k of n shards rebuild the stripe byte for byte; the SIMD kernel equals the
 * scalar reference; bad inputs raise only ErasureError. Runs are bounded to keep the suite fast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Codec, ErasureError, encode, reconstruct, verify } from '../index.js';

const stripe = fc
  .record({
    k: fc.integer({ min: 1, max: 24 }),
    m: fc.integer({ min: 1, max: 12 }),
    size: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 81, max: 3000 })),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 })
  })
  .chain((s) =>
    fc.record({
      s: fc.constant(s),
      // Which shards are lost: a subset of at most m of the n indices.
      lost: fc.uniqueArray(fc.integer({ min: 0, max: s.k + s.m - 1 }), { maxLength: s.m })
    })
  );

function fill(c: Codec, seed: number): void {
  let x = seed;
  for (let j = 0; j < c.k; j++) {
    const s = c.shard(j);
    for (let i = 0; i < s.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      s[i] = x >>> 24;
    }
  }
}

test('any k of n shards reconstruct every lost shard byte for byte', () => {
  fc.assert(
    fc.property(stripe, ({ s, lost }) => {
      const c = new Codec(s.k, s.m, s.size);
      try {
        fill(c, s.seed);
        c.encode();
        const before = c.shards().map((v) => v.slice());
        for (const i of lost) c.shard(i).fill(0x5a);
        assert.equal(c.reconstruct(lost), lost.length);
        c.shards().forEach((v, i) => assert.deepEqual(v, before[i], `shard ${i}`));
        assert.equal(c.verify(), true);
      } finally {
        c.dispose();
      }
    }),
    { numRuns: 120 }
  );
});

test('the SIMD engine equals the naive scalar engine (encode and reconstruct)', () => {
  fc.assert(
    fc.property(stripe, ({ s, lost }) => {
      const a = new Codec(s.k, s.m, s.size, { engine: 'simd' });
      const b = new Codec(s.k, s.m, s.size, { engine: 'naive' });
      try {
        fill(a, s.seed);
        fill(b, s.seed);
        a.encode();
        b.encode();
        for (let i = 0; i < a.n; i++) assert.deepEqual(a.shard(i), b.shard(i), `encode ${i}`);
        a.reconstruct(lost);
        b.reconstruct(lost);
        for (let i = 0; i < a.n; i++) assert.deepEqual(a.shard(i), b.shard(i), `rebuild ${i}`);
      } finally {
        a.dispose();
        b.dispose();
      }
    }),
    { numRuns: 60 }
  );
});

test('wide stripes: 128 + 128 and 255 + 1 round-trip', () => {
  for (const [k, m] of [
    [128, 128],
    [255, 1],
    [1, 255]
  ] as const) {
    const c = new Codec(k, m, 100);
    fill(c, k);
    c.encode();
    const before = c.shards().map((v) => v.slice());
    const lost = Array.from({ length: m }, (_, i) => (i * 7) % (k + m));
    const unique = [...new Set(lost)];
    unique.forEach((i) => c.shard(i).fill(0));
    c.reconstruct(unique);
    c.shards().forEach((v, i) => assert.deepEqual(v, before[i], `${k}+${m} shard ${i}`));
    c.dispose();
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

const anything = fc.oneof(
  fc.integer({ min: -5, max: 300 }),
  fc.double(),
  fc.constantFrom(NaN, Infinity, 0.5, -0, null, undefined, '3', 2 ** 32)
);

test('fuzzed bad parameters raise only ErasureError, never a trap', () => {
  fc.assert(
    fc.property(anything, anything, anything, (k, m, size) => {
      try {
        const c = new Codec(k as number, m as number, size as number);
        // Valid after all: it must then work.
        c.encode();
        c.dispose();
      } catch (e) {
        assert.ok(e instanceof ErasureError, String(e));
        assert.match(e.code, /^ERR_ERASURE_/);
      }
    }),
    { numRuns: 300 }
  );
});

test('fuzzed bad shard arrays raise only ErasureError', () => {
  const shard = fc.oneof(
    fc.constant(null),
    fc.integer({ min: 0, max: 40 }).map((n) => new Uint8Array(n)),
    fc.constantFrom('x', 7, {}, new Uint16Array(4))
  );
  fc.assert(
    fc.property(
      fc.array(shard, { maxLength: 10 }),
      fc.integer({ min: -2, max: 12 }),
      (shards, k) => {
        for (const f of [
          () => encode(shards as Uint8Array[], k),
          () => reconstruct(shards as Uint8Array[], k),
          () => verify(shards as Uint8Array[], k)
        ]) {
          try {
            f();
          } catch (e) {
            assert.ok(e instanceof ErasureError, String(e));
          }
        }
      }
    ),
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
