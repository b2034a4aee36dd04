// Units: amounts are safe integers in [0, MAX_AMOUNT], usage strings are canonical decimals, and
// charges round down so that billing cumulative differences never drifts by more than 1 µc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BYTE_MS_PER_GB_HOUR,
  MAX_AMOUNT,
  MICRO_PER_CREDIT,
  big,
  gbHours,
  isAmount,
  isUintString,
  storageCharge,
  transferCharge
} from './units.js';

test('constants', () => {
  assert.equal(MICRO_PER_CREDIT, 1_000_000);
  assert.equal(MAX_AMOUNT, 1e15);
  assert.ok(Number.isSafeInteger(MAX_AMOUNT));
  assert.equal(BYTE_MS_PER_GB_HOUR, 3_600_000_000_000_000n);
});

test('isAmount: exact examples', () => {
  for (const ok of [0, 1, 24_000, MAX_AMOUNT]) assert.equal(isAmount(ok), true, String(ok));
  const bad: unknown[] = [
    -1,
    MAX_AMOUNT + 1,
    0.5,
    -0.000001,
    Number.MAX_SAFE_INTEGER,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    '1',
    1n,
    null,
    undefined
  ];
  for (const b of bad) assert.equal(isAmount(b), false, String(b));
});

test('property: isAmount holds exactly for safe integers in [0, MAX_AMOUNT]', () => {
  fc.assert(
    fc.property(fc.oneof(fc.integer(), fc.double(), fc.maxSafeInteger()), (n) => {
      const expected = Number.isInteger(n) && n >= 0 && n <= MAX_AMOUNT;
      assert.equal(isAmount(n), expected);
    }),
    { numRuns: 300 }
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER - MAX_AMOUNT }), (d) => {
      assert.equal(isAmount(MAX_AMOUNT + d), false);
      assert.equal(isAmount(-d), false);
    }),
    { numRuns: 100 }
  );
});

test('isUintString: canonical decimals only, at most 39 digits', () => {
  for (const ok of ['0', '1', '10', '86400000000000000000', '9'.repeat(39)]) {
    assert.equal(isUintString(ok), true, ok);
  }
  for (const bad of [
    '',
    '00',
    '01',
    '-1',
    '+1',
    '1.0',
    '1e3',
    ' 1',
    '1 ',
    '1\n',
    '0x10',
    '9'.repeat(40)
  ]) {
    assert.equal(isUintString(bad), false, JSON.stringify(bad));
  }
  assert.equal(isUintString(5), false);
  assert.equal(isUintString(5n), false);
});

test('property: a bigint round-trips through its decimal string and big()', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 39n - 1n }), (n) => {
      const s = n.toString();
      assert.equal(isUintString(s), true);
      assert.equal(big(s), n);
      assert.equal(isUintString(`-${s}`), false);
      assert.equal(isUintString(`0${s}`), false);
    }),
    { numRuns: 200 }
  );
});

test('charges: exact examples', () => {
  // One GB for one hour at 1000 µc/GB-hour.
  assert.equal(storageCharge(BYTE_MS_PER_GB_HOUR, 1_000), 1_000n);
  // 1 TB for a day (8.64e19 byte-ms, past 2^53) at 1 µc/GB-hour: 24 000 µc.
  assert.equal(storageCharge(1_000_000_000_000n * 86_400_000n, 1), 24_000n);
  // Just under one GB-hour rounds down to nothing.
  assert.equal(storageCharge(BYTE_MS_PER_GB_HOUR - 1n, 1), 0n);
  assert.equal(transferCharge(1_500_000_000n, 500), 750n);
  assert.equal(transferCharge(999_999_999n, 1), 0n);
  assert.equal(gbHours(BYTE_MS_PER_GB_HOUR * 7n + 1n), 7n);
  assert.equal(gbHours(0n), 0n);
});

test('property: charges round down, are monotonic, and cumulative billing loses < 1 µc', () => {
  const byteMs = fc.bigInt({ min: 0n, max: 10n ** 24n });
  const price = fc.integer({ min: 0, max: MAX_AMOUNT });
  fc.assert(
    fc.property(byteMs, byteMs, price, (a, b, p) => {
      const ca = storageCharge(a, p);
      const cab = storageCharge(a + b, p);
      // Rounded down: never more than the exact value, less by under one µc.
      assert.ok(ca * BYTE_MS_PER_GB_HOUR <= a * BigInt(p));
      assert.ok((ca + 1n) * BYTE_MS_PER_GB_HOUR > a * BigInt(p));
      assert.ok(cab >= ca);
      // Billing the difference of cumulative charges over two periods is exactly the total.
      const second = cab - ca;
      assert.equal(ca + second, cab);
      // And each period's bill is within 1 µc of billing it on its own.
      const alone = storageCharge(b, p);
      assert.ok(second - alone >= 0n && second - alone <= 1n);
    }),
    { numRuns: 200 }
  );
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), price, (bytes, p) => {
      const c = transferCharge(bytes, p);
      assert.ok(c * 1_000_000_000n <= bytes * BigInt(p));
      assert.ok((c + 1n) * 1_000_000_000n > bytes * BigInt(p));
    }),
    { numRuns: 200 }
  );
});
