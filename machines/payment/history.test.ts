// Meter history: the cumulative usage it answers for any past instant equals the integral of the
// steps it was fed, exactly at bucket boundaries whatever the changes inside buckets; an unchanged
// holding adds no sample; pruning keeps the figure from the horizon on and drops the origin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkPeriod, cumulativeAt, prune, record, type Series } from './history.js';

/** Byte-ms held up to `t`, by brute force over the steps (bytes from `at` on). */
function integral(steps: Array<{ at: number; bytes: number }>, t: number): bigint {
  let sum = 0n;
  for (let i = 0; i < steps.length; i++) {
    const a = steps[i]!.at;
    const b = Math.min(t, steps[i + 1]?.at ?? Infinity);
    if (b > a) sum += BigInt(steps[i]!.bytes) * BigInt(b - a);
  }
  return sum;
}

/** Feeds steps as the meter would: byteMs integrated up to each change. */
function feed(steps: Array<{ at: number; bytes: number }>, bucketMs: number): Series {
  let s: Series = [];
  for (const st of steps) s = record(s, st.at, st.bytes, integral(steps, st.at), bucketMs, true);
  return s;
}

const stepsArb = fc
  .array(fc.record({ gap: fc.integer({ min: 0, max: 5_000 }), bytes: fc.nat(1_000_000) }), {
    minLength: 1,
    maxLength: 60
  })
  .map((xs) => {
    let at = 100_000;
    return xs.map((x) => ({ at: (at += x.gap), bytes: x.bytes }));
  });

test('exact at every bucket boundary, before the series and after its last change', () => {
  fc.assert(
    fc.property(stepsArb, fc.constantFrom(1, 1_000, 7_000), (steps, bucketMs) => {
      const s = feed(steps, bucketMs);
      const last = steps[steps.length - 1]!.at;
      for (let t = 0; t <= last + 3 * bucketMs; t += bucketMs) {
        assert.equal(cumulativeAt(s, t)?.byteMs, integral(steps, t), `t=${t}`);
      }
      assert.equal(cumulativeAt(s, last + 12_345)?.byteMs, integral(steps, last + 12_345));
      // Every change counted in `moved` by the end.
      let moved = 0n;
      let prev = 0;
      for (const st of steps) {
        moved += BigInt(Math.abs(st.bytes - prev));
        prev = st.bytes;
      }
      assert.equal(cumulativeAt(s, last)!.moved, moved);
    }),
    { numRuns: 200 }
  );
});

test('one sample per bucket at most (besides the origin); none for an unchanged holding', () => {
  let s: Series = [];
  s = record(s, 0, 10, 0n, 1_000);
  s = record(s, 500, 10, 5_000n, 1_000); // unchanged: the line goes on
  assert.equal(s.length, 1);
  s = record(s, 1_200, 20, 12_000n, 1_000);
  s = record(s, 1_500, 30, 18_000n, 1_000); // same bucket: replaces
  s = record(s, 1_900, 40, 30_000n, 1_000);
  assert.equal(s.length, 2);
  assert.equal(cumulativeAt(s, 2_000)!.byteMs, 30_000n + 40n * 100n);
  assert.equal(cumulativeAt(s, 1_000)!.byteMs, 10_000n);
});

test('pruning keeps the figure from the horizon on and the series loses its origin', () => {
  fc.assert(
    fc.property(stepsArb, fc.nat(400_000), (steps, cut) => {
      const s = feed(steps, 1);
      const p = prune(s, cut);
      assert.ok(p.length <= s.length);
      for (const t of [cut, cut + 1, cut + 9_999, cut + 300_000]) {
        assert.equal(cumulativeAt(p, t)?.byteMs, integral(steps, t));
      }
      if (p !== s) {
        assert.equal(p[0]!.origin, undefined);
        assert.equal(cumulativeAt(p, p[0]!.at - 1), undefined, 'nothing known before');
      } else assert.equal(cumulativeAt(p, 0)?.byteMs, 0n);
    }),
    { numRuns: 200 }
  );
});

test('checkPeriod: exact over its own period, 1 % and the timing slack allowed, no more', () => {
  // 1,000 B from 0, 3,000 B from 50,000 (one change of 2,000 B), period [0, 100,000).
  const steps = [
    { at: 0, bytes: 1_000 },
    { at: 50_000, bytes: 3_000 }
  ];
  const s = feed(steps, 1_000);
  const exact = integral(steps, 100_000); // 200,000,000
  const later = record(s, 400_000, 9_000, integral(steps, 400_000), 1_000); // changes after: ignored
  for (const h of [s, later]) assert.ok(checkPeriod(h, 0, 100_000, exact, 0).ok);
  assert.ok(checkPeriod(s, 0, 100_000, (exact * 101n) / 100n, 0).ok);
  assert.ok(!checkPeriod(s, 0, 100_000, (exact * 102n) / 100n, 0).ok);
  assert.ok(!checkPeriod(s, 0, 100_000, (exact * 98n) / 100n, 0).ok);
  // 3,000 B moved in the period (the origin and the change): 3,000 × 1,000 ms of slack more.
  assert.ok(checkPeriod(s, 0, 100_000, exact + exact / 100n + 3_000_000n, 1_000).ok);
  assert.ok(!checkPeriod(s, 0, 100_000, exact + exact / 100n + 3_000_001n, 1_000).ok);
  // A series begun inside the period: at least what we saw, at most that holding all along.
  const partial = prune(s, 60_000); // no origin: starts at 50,000
  const seen = integral(steps, 100_000) - integral(steps, 50_000);
  assert.ok(checkPeriod(partial, 0, 100_000, seen, 0).ok);
  assert.ok(checkPeriod(partial, 0, 100_000, seen * 2n, 0).ok);
  assert.ok(!checkPeriod(partial, 0, 100_000, seen * 2n + seen / 25n, 0).ok);
  assert.ok(!checkPeriod(partial, 0, 100_000, seen - seen / 50n, 0).ok);
  assert.equal(checkPeriod([], 0, 100_000, 1n, 0).ok, false);
});
