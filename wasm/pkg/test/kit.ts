/**
 * What the Cauchy and fft8 test files share: stripe shapes for fast-check, deterministic shard
 * filling, the golden parity hash, and the round-trip checks both codes must pass. Each code keeps
 * its own file (its own golden vectors, shape limits and cases); only the checks live here.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { Codec, ErasureError, ErasureModule, hasRelaxedSimd } from '../index.js';
import type { CodeName } from '../index.js';

/** A stripe shape and seed, with the shards to lose: a subset of at most m of the n indices. */
export interface Stripe {
  readonly s: { k: number; m: number; size: number; seed: number };
  readonly lost: number[];
}

/** Stripes with k and m drawn from the given arbitraries, sizes around the 80-byte SIMD edge. */
export function stripes(k: fc.Arbitrary<number>, m: fc.Arbitrary<number>): fc.Arbitrary<Stripe> {
  return fc
    .record({
      k,
      m,
      size: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 81, max: 3000 })),
      seed: fc.integer({ min: 1, max: 2 ** 31 - 1 })
    })
    .chain((s) =>
      fc.record({
        s: fc.constant(s),
        lost: fc.uniqueArray(fc.integer({ min: 0, max: s.k + s.m - 1 }), { maxLength: s.m })
      })
    );
}

/** Fills the data shards from a linear congruential generator seeded with `seed`. */
export function fill(c: Codec, seed: number): void {
  let x = seed;
  for (let j = 0; j < c.k; j++) {
    const s = c.shard(j);
    for (let i = 0; i < s.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      s[i] = x >>> 24;
    }
  }
}

/** Encodes byte i of data shard j = (i·7 + j·13 + (i >> 8)) mod 256, as the Rust tests do. */
export function parityHash(codec: Codec): string {
  for (let j = 0; j < codec.k; j++) {
    const s = codec.shard(j);
    for (let i = 0; i < s.length; i++) s[i] = (i * 7 + j * 13 + (i >> 8)) & 255;
  }
  codec.encode();
  const h = createHash('sha256');
  for (let r = codec.k; r < codec.n; r++) h.update(codec.shard(r));
  return h.digest('hex');
}

/** The plain SIMD module, and the relaxed-SIMD one where this engine has it. */
export const modules = [new ErasureModule({ relaxed: false })];
if (hasRelaxedSimd()) modules.push(new ErasureModule({ relaxed: true }));

/** Encode, wipe the lost shards, reconstruct: every shard comes back byte for byte. */
export function checkRoundTrip({ s, lost }: Stripe, code: CodeName): void {
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
}

/** The SIMD engine and the naive scalar one produce the same shards, encoding and rebuilding. */
export function checkEnginesAgree({ s, lost }: Stripe, code: CodeName): void {
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
}

/** A wide shape loses m spread-out shards and rebuilds them. */
export function checkWide(k: number, m: number, code: CodeName): void {
  const c = new Codec(k, m, 100, { code });
  try {
    fill(c, k);
    c.encode();
    const before = c.shards().map((v) => v.slice());
    const lost = [...new Set(Array.from({ length: m }, (_, i) => (i * 7) % (k + m)))];
    lost.forEach((i) => c.shard(i).fill(0));
    c.reconstruct(lost);
    c.shards().forEach((v, i) => assert.deepEqual(v, before[i], `${k}+${m} shard ${i}`));
  } finally {
    c.dispose();
  }
}

/** Values of every wrong type and range, for fuzzing parameters. */
export const anything = fc.oneof(
  fc.integer({ min: -5, max: 300 }),
  fc.double(),
  fc.constantFrom(NaN, Infinity, 0.5, -0, null, undefined, '3', 2 ** 32)
);

/** Shard arrays with holes, wrong sizes and wrong types. */
export const badShards = fc.array(
  fc.oneof(
    fc.constant(null),
    fc.integer({ min: 0, max: 40 }).map((n) => new Uint8Array(n)),
    fc.constantFrom('x', 7, {}, new Uint16Array(4))
  ),
  { maxLength: 10 }
);

/** Runs `f`; if it throws, the error must be a typed ErasureError (never a trap or TypeError). */
export function onlyTyped(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ErasureError, String(e));
    assert.match(e.code, /^ERR_ERASURE_/);
  }
}
