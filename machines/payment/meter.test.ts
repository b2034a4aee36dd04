// The meter integrates bytes over time exactly (bigint byte-ms), keeps roles and peers apart, never
// runs time backwards, sums transfers, refuses bad byte counts and never mutates its input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { meterApply, usageAt, type MeterEvent, type MeterState } from './meter.js';

const stored = (
  peer: string,
  bytes: number,
  at: number,
  role: 'supplier' | 'customer' = 'supplier'
): MeterEvent => ({
  type: 'meter.stored',
  role,
  peer,
  bytes,
  at
});
const fold = (events: MeterEvent[]): MeterState =>
  events.reduce<MeterState>((s, e) => meterApply(s, e), new Map());

test('integrates bytes × ms from the first report', () => {
  const s = fold([stored('p', 100, 1_000), stored('p', 300, 3_000), stored('p', 0, 4_000)]);
  // 100 B × 2000 ms + 300 B × 1000 ms.
  assert.deepEqual(usageAt(s, 'supplier', 'p', 4_000), { byteMs: 500_000n, transferBytes: 0n });
  assert.deepEqual(usageAt(s, 'supplier', 'p', 99_000), { byteMs: 500_000n, transferBytes: 0n });
  assert.deepEqual(s.get('supplier:p'), {
    bytes: 0,
    since: 4_000,
    byteMs: 500_000n,
    transferBytes: 0n,
    start: 1_000
  });
});

test('usageAt extends the current holding up to `at`, not before `since`', () => {
  const s = fold([stored('p', 10, 1_000)]);
  assert.equal(usageAt(s, 'supplier', 'p', 1_500).byteMs, 5_000n);
  assert.equal(usageAt(s, 'supplier', 'p', 500).byteMs, 0n);
  assert.deepEqual(usageAt(s, 'customer', 'p', 1_500), { byteMs: 0n, transferBytes: 0n });
  assert.deepEqual(usageAt(s, 'supplier', 'q', 1_500), { byteMs: 0n, transferBytes: 0n });
});

test('roles and peers are metered apart; transfers are summed', () => {
  const s = fold([
    stored('p', 10, 0, 'supplier'),
    stored('p', 20, 0, 'customer'),
    stored('q', 30, 0, 'supplier'),
    { type: 'meter.transferred', role: 'supplier', peer: 'p', bytes: 7 },
    { type: 'meter.transferred', role: 'supplier', peer: 'p', bytes: 8 },
    { type: 'meter.transferred', role: 'customer', peer: 'q', bytes: 1 }
  ]);
  assert.deepEqual(usageAt(s, 'supplier', 'p', 10), { byteMs: 100n, transferBytes: 15n });
  assert.deepEqual(usageAt(s, 'customer', 'p', 10), { byteMs: 200n, transferBytes: 0n });
  assert.deepEqual(usageAt(s, 'supplier', 'q', 10), { byteMs: 300n, transferBytes: 0n });
  assert.deepEqual(usageAt(s, 'customer', 'q', 10), { byteMs: 0n, transferBytes: 1n });
});

test('a late report does not run time backwards: integrated from the last one', () => {
  const s = fold([stored('p', 100, 1_000), stored('p', 50, 2_000), stored('p', 10, 1_500)]);
  const u = s.get('supplier:p')!;
  assert.equal(u.since, 2_000);
  assert.equal(u.bytes, 10);
  assert.equal(u.byteMs, 100_000n);
  assert.equal(usageAt(s, 'supplier', 'p', 3_000).byteMs, 110_000n);
});

test('exact past 2^53: 1 TB held for a day', () => {
  const TB = 1_000_000_000_000;
  const s = fold([stored('p', TB, 0)]);
  assert.equal(usageAt(s, 'supplier', 'p', 86_400_000).byteMs, 86_400_000_000_000_000_000n);
});

test('bad byte counts are refused; the input state is never mutated', () => {
  const s0 = fold([stored('p', 10, 0)]);
  const snapshot = structuredClone([...s0]);
  for (const bytes of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
    assert.throws(() => meterApply(s0, stored('p', bytes, 10)), RangeError);
    assert.throws(
      () => meterApply(s0, { type: 'meter.transferred', role: 'supplier', peer: 'p', bytes }),
      RangeError
    );
  }
  const s1 = meterApply(s0, stored('p', 20, 10));
  assert.notEqual(s1, s0);
  assert.deepEqual([...s0], snapshot);
  assert.equal(usageAt(s1, 'supplier', 'p', 10).byteMs, 100n);
});

test('property: the integral equals Σ bytes_i × (t_{i+1} − t_i) for in-order reports', () => {
  const report = fc.record({
    bytes: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    dt: fc.integer({ min: 0, max: 10 ** 12 })
  });
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 10 ** 12 }),
      fc.array(report, { minLength: 1, maxLength: 20 }),
      fc.integer({ min: 0, max: 10 ** 9 }),
      (t0, reports, tail) => {
        let t = t0;
        const events: MeterEvent[] = [];
        let expected = 0n;
        let prev: { bytes: number; at: number } | undefined;
        for (const r of reports) {
          t += r.dt;
          if (prev) expected += BigInt(prev.bytes) * BigInt(t - prev.at);
          events.push(stored('p', r.bytes, t));
          prev = { bytes: r.bytes, at: t };
        }
        expected += BigInt(prev!.bytes) * BigInt(tail);
        const s = fold(events);
        assert.equal(usageAt(s, 'supplier', 'p', t + tail).byteMs, expected);
      }
    ),
    { numRuns: 200 }
  );
});

test('property: transfers sum exactly, whatever stored reports are interleaved', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('t' as const), bytes: fc.nat() }),
          fc.record({ kind: fc.constant('s' as const), bytes: fc.nat(), at: fc.nat() })
        ),
        { maxLength: 30 }
      ),
      (ops) => {
        const events = ops.map<MeterEvent>((o) =>
          o.kind === 't'
            ? { type: 'meter.transferred', role: 'customer', peer: 'x', bytes: o.bytes }
            : stored('x', o.bytes, o.at, 'customer')
        );
        const sum = ops.reduce((a, o) => (o.kind === 't' ? a + BigInt(o.bytes) : a), 0n);
        assert.equal(usageAt(fold(events), 'customer', 'x', 0).transferBytes, sum);
      }
    ),
    { numRuns: 200 }
  );
});
