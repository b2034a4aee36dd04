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

const code = 'fft8' as const;

const stripe = fc
  .record({
    k: fc.oneof(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 25, max: 120 })),
    m: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 13, max: 64 })),
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

test('fft8: any k of n shards reconstruct every lost shard byte for byte', () => {
  fc.assert(
    fc.property(stripe, ({ s, lost }) => {
      const c = new Codec(s.k, s.m, s.size, { code });
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
    { numRuns: 80 }
  );
});

test('fft8: the SIMD engine equals the naive scalar engine (encode and reconstruct)', () => {
  fc.assert(
    fc.property(stripe, ({ s, lost }) => {
      const a = new Codec(s.k, s.m, s.size, { code, engine: 'simd' });
      const b = new Codec(s.k, s.m, s.size, { code, engine: 'naive' });
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
    { numRuns: 40 }
  );
});

test('fft8: the widest shapes round-trip (128 + 128, 255 + 1, 192 + 64)', () => {
  for (const [k, m] of [
    [128, 128],
    [255, 1],
    [192, 64]
  ] as const) {
    const c = new Codec(k, m, 100, { code });
    fill(c, k);
    c.encode();
    const before = c.shards().map((v) => v.slice());
    const lost = [...new Set(Array.from({ length: m }, (_, i) => (i * 7) % (k + m)))];
    lost.forEach((i) => c.shard(i).fill(0));
    c.reconstruct(lost);
    c.shards().forEach((v, i) => assert.deepEqual(v, before[i], `${k}+${m} shard ${i}`));
    c.dispose();
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

const anything = fc.oneof(
  fc.integer({ min: -5, max: 300 }),
  fc.double(),
  fc.constantFrom(NaN, Infinity, 0.5, -0, null, undefined, '3', 2 ** 32)
);

test('fft8: fuzzed bad parameters and shard arrays raise only ErasureError', () => {
  const isTyped = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      assert.ok(e instanceof ErasureError, String(e));
      assert.match(e.code, /^ERR_ERASURE_/);
    }
  };
  fc.assert(
    fc.property(anything, anything, anything, (k, m, size) =>
      isTyped(() => {
        const c = new Codec(k as number, m as number, size as number, { code });
        c.encode(); // valid after all: it must then work
        c.dispose();
      })
    ),
    { numRuns: 200 }
  );
  const shard = fc.oneof(
    fc.constant(null),
    fc.integer({ min: 0, max: 40 }).map((n) => new Uint8Array(n)),
    fc.constantFrom('x', 7, {}, new Uint16Array(4))
  );
  fc.assert(
    fc.property(fc.array(shard, { maxLength: 10 }), fc.integer({ min: -2, max: 12 }), (s, k) => {
      isTyped(() => encode(s as Uint8Array[], k, { code }));
      isTyped(() => reconstruct(s as Uint8Array[], k, { code }));
      isTyped(() => verify(s as Uint8Array[], k, { code }));
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
