// The fairness rule: exemption by donation ratio, standing by debt and grace, the rejector hook
// (dropped only, sorted), and overSince tracking across debt changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  DEFAULT_FAIRNESS,
  decideStanding,
  isExempt,
  trackDebt,
  unpaidRejections,
  type DebtState,
  type FairnessPolicy
} from './fairness.js';

const DAY = 86_400_000;
const P = DEFAULT_FAIRNESS;

test('defaults: 1:1, 7-day window, 5 credits, 3 days of grace', () => {
  assert.deepEqual(DEFAULT_FAIRNESS, {
    ratioNum: 1,
    ratioDen: 1,
    windowMs: 7 * DAY,
    creditLimit: 5_000_000,
    graceMs: 3 * DAY
  });
});

test('isExempt: exact examples at 1:1 and 2:1', () => {
  assert.equal(isExempt(100n, 100n, P), true);
  assert.equal(isExempt(99n, 100n, P), false);
  assert.equal(isExempt(0n, 0n, P), true);
  assert.equal(isExempt(0n, 1n, P), false);
  const twice: FairnessPolicy = { ...P, ratioNum: 2, ratioDen: 1 };
  assert.equal(isExempt(200n, 100n, twice), true);
  assert.equal(isExempt(199n, 100n, twice), false);
  const half: FairnessPolicy = { ...P, ratioNum: 1, ratioDen: 2 };
  assert.equal(isExempt(50n, 100n, half), true);
  assert.equal(isExempt(49n, 100n, half), false);
  // Past 2^53 byte-ms (1 TB for a day), exact.
  const tbDay = 86_400_000_000_000_000_000n;
  assert.equal(isExempt(tbDay, tbDay + 1n, P), false);
  assert.equal(isExempt(tbDay + 1n, tbDay, P), true);
});

test('property: exempt iff donated / consumed ≥ num / den, monotonic in donation', () => {
  const bm = fc.bigInt({ min: 0n, max: 10n ** 24n });
  const r = fc.integer({ min: 1, max: 1_000 });
  fc.assert(
    fc.property(bm, bm, r, r, fc.bigInt({ min: 0n, max: 10n ** 20n }), (d, c, num, den, more) => {
      const policy = { ...P, ratioNum: num, ratioDen: den };
      const exempt = isExempt(d, c, policy);
      // Cross-multiplied by hand, as exact rationals.
      assert.equal(exempt, d * BigInt(den) >= c * BigInt(num));
      if (exempt) assert.equal(isExempt(d + more, c, policy), true);
      if (!exempt) assert.equal(isExempt(d, c + more, policy), false);
      // Consuming nothing is always exempt.
      assert.equal(isExempt(d, 0n, policy), true);
    }),
    { numRuns: 300 }
  );
});

const debt = (customer: string, owed: bigint, overSince?: number): DebtState => ({
  customer,
  owed,
  overSince
});

test('decideStanding: good at the limit, refused over it, dropped after the grace', () => {
  const limit = BigInt(P.creditLimit);
  assert.deepEqual(decideStanding(debt('c', limit), 0, P), {
    customer: 'c',
    standing: 'good',
    detail: 'owes 5000000 µc'
  });
  assert.deepEqual(decideStanding(debt('c', limit + 1n, 1_000), 1_000 + P.graceMs - 1, P), {
    customer: 'c',
    standing: 'refused',
    detail: 'owes 5000001 µc over 5000000'
  });
  assert.deepEqual(decideStanding(debt('c', limit + 1n, 1_000), 1_000 + P.graceMs, P), {
    customer: 'c',
    standing: 'dropped',
    detail: `owes 5000001 µc, over the limit ${P.graceMs} ms`
  });
  // Over the limit but never tracked as such: not judged.
  assert.equal(decideStanding(debt('c', limit * 10n), 10 * DAY, P).standing, 'good');
  // Under the limit again: good whatever overSince says.
  assert.equal(decideStanding(debt('c', 0n, 0), 10 * DAY, P).standing, 'good');
});

test('property: standing follows owed and time over the limit', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: 0n, max: 10n ** 12n }),
      fc.integer({ min: 0, max: 10 * DAY }),
      fc.integer({ min: 0, max: 10 * DAY }),
      (owed, overSince, elapsed) => {
        const s = decideStanding(debt('c', owed, overSince), overSince + elapsed, P).standing;
        const expected =
          owed <= BigInt(P.creditLimit) ? 'good' : elapsed >= P.graceMs ? 'dropped' : 'refused';
        assert.equal(s, expected);
      }
    ),
    { numRuns: 300 }
  );
});

test('unpaidRejections: only the dropped, sorted by customer id, reason unpaid', () => {
  const over = BigInt(P.creditLimit) + 1n;
  const now = 10 * DAY;
  const out = unpaidRejections(
    [
      debt('zed', over, 0),
      debt('amy', over, 0),
      debt('bob', over, now - 1),
      debt('cat', 1n, 0),
      debt('dan', over)
    ],
    now,
    P
  );
  assert.deepEqual(
    out.map((r) => [r.customer, r.reason]),
    [
      ['amy', 'unpaid'],
      ['zed', 'unpaid']
    ]
  );
  assert.equal(out[0]!.detail, `owes ${over} µc, over the limit ${now} ms`);
  assert.deepEqual(unpaidRejections([], now, P), []);
});

test('property: unpaidRejections is sorted and independent of input order', () => {
  const d = fc.record({
    customer: fc.string({ minLength: 1, maxLength: 4 }),
    owed: fc.bigInt({ min: 0n, max: 10n ** 8n }),
    overSince: fc.option(fc.integer({ min: 0, max: 5 * DAY }), { nil: undefined })
  });
  fc.assert(
    fc.property(fc.uniqueArray(d, { selector: (x) => x.customer, maxLength: 12 }), (debts) => {
      const now = 5 * DAY;
      const out = unpaidRejections(debts, now, P);
      const again = unpaidRejections([...debts].reverse(), now, P);
      assert.deepEqual(out, again);
      for (let i = 1; i < out.length; i++) assert.ok(out[i - 1]!.customer < out[i]!.customer);
      const dropped = debts.filter((x) => decideStanding(x, now, P).standing === 'dropped');
      assert.equal(out.length, dropped.length);
    }),
    { numRuns: 200 }
  );
});

test('trackDebt: overSince set when going over, kept while over, cleared under', () => {
  const limit = BigInt(P.creditLimit);
  let d = debt('c', 0n);
  d = trackDebt(d, limit, 100, P);
  assert.equal(d.overSince, undefined);
  d = trackDebt(d, limit + 1n, 200, P);
  assert.deepEqual(d, { customer: 'c', owed: limit + 1n, overSince: 200 });
  d = trackDebt(d, limit * 2n, 300, P);
  assert.equal(d.overSince, 200);
  assert.equal(decideStanding(d, 200 + P.graceMs, P).standing, 'dropped');
  d = trackDebt(d, limit, 400, P);
  assert.deepEqual(d, { customer: 'c', owed: limit, overSince: undefined });
  d = trackDebt(d, limit + 5n, 500, P);
  assert.equal(d.overSince, 500);
});

test('property: after any sequence, overSince is the start of the current run over the limit', () => {
  fc.assert(
    fc.property(fc.array(fc.bigInt({ min: 0n, max: 10_000_000n }), { maxLength: 20 }), (owes) => {
      let d = debt('c', 0n);
      let runStart: number | undefined;
      owes.forEach((owed, i) => {
        d = trackDebt(d, owed, i * 1_000, P);
        if (owed > BigInt(P.creditLimit)) runStart ??= i * 1_000;
        else runStart = undefined;
        assert.equal(d.owed, owed);
        assert.equal(d.overSince, runStart);
      });
    }),
    { numRuns: 200 }
  );
});
