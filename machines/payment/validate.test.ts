// Shape and range checks of untrusted statements: malformed objects, unknown fields, negative or
// overflowing amounts, bad ids, self-dealing, empty periods and dates far in the past or future
// are refused with a code and a reason; well-formed statements pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_AMOUNT } from './units.js';
import {
  checkAccept,
  checkDate,
  checkInvoice,
  checkPayment,
  checkTerms,
  type DateWindow
} from './validate.js';
import type { Accept, ContractTerms, Invoice, Payment } from './records.js';

const DAY = 86_400_000;
const NOW = 1_700_000_000_000;
const W: DateWindow = { now: NOW, maxAgeMs: 30 * DAY, maxSkewMs: 60_000 };
const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

const invoice = (over: Partial<Invoice> = {}): Invoice => ({
  v: 1,
  id: '0'.repeat(64),
  contractId: '1'.repeat(32),
  supplier: A,
  customer: B,
  periodStart: NOW - DAY,
  periodEnd: NOW,
  storedByteMs: '86400000000000000000',
  transferBytes: 0,
  amount: 24_000,
  issuedAt: NOW,
  ...over
});
const terms = (over: Partial<ContractTerms> = {}): ContractTerms => ({
  v: 1,
  id: 'c'.repeat(64),
  customer: B,
  supplier: A,
  bytes: 1,
  startMs: 0,
  termMs: DAY,
  pricePerGBHour: 1_000,
  transferPricePerGB: 0,
  seq: 0,
  prev: '',
  ...over
});
const accept = (over: Partial<Accept> = {}): Accept => ({
  v: 1,
  invoiceId: '0'.repeat(64),
  invoiceHash: 'ab'.repeat(16),
  supplier: A,
  customer: B,
  periodEnd: NOW,
  storedByteMs: '0',
  ts: NOW,
  ...over
});
const payment = (over: Partial<Payment> = {}): Payment => ({
  v: 1,
  id: 'd'.repeat(64),
  invoiceId: '0'.repeat(64),
  payer: B,
  payee: A,
  amount: 24_000,
  waived: false,
  consumedByteMs: '0',
  ts: NOW,
  ...over
});

const code = (v: ReturnType<typeof checkInvoice>) => (v.ok ? 'ok' : v.code);
const reason = (v: ReturnType<typeof checkInvoice>) => (v.ok ? '' : v.reason);

test('well-formed statements pass', () => {
  assert.deepEqual(checkInvoice(invoice(), W), { ok: true });
  assert.deepEqual(checkTerms(terms()), { ok: true });
  assert.deepEqual(checkTerms(terms({ seq: 1, prev: 'e'.repeat(64) })), { ok: true });
  assert.deepEqual(checkAccept(accept(), W), { ok: true });
  assert.deepEqual(checkPayment(payment(), W), { ok: true });
  assert.deepEqual(checkPayment(payment({ amount: 0, waived: true }), W), { ok: true });
  assert.deepEqual(checkInvoice(invoice({ amount: MAX_AMOUNT }), W), { ok: true });
});

test('checkDate: the window edges are inclusive', () => {
  assert.deepEqual(checkDate(NOW - W.maxAgeMs, W, 'x'), { ok: true });
  assert.deepEqual(checkDate(NOW + W.maxSkewMs, W, 'x'), { ok: true });
  assert.deepEqual(checkDate(NOW - W.maxAgeMs - 1, W, 'x'), {
    ok: false,
    code: 'ERR_PAYMENT_DATE_PAST',
    reason: 'x too old'
  });
  assert.deepEqual(checkDate(NOW + W.maxSkewMs + 1, W, 'x'), {
    ok: false,
    code: 'ERR_PAYMENT_DATE_FUTURE',
    reason: 'x in the future'
  });
});

test('malformed invoices: each refused with its code and reason', () => {
  const cases: Array<[unknown, string, string]> = [
    [null, 'ERR_PAYMENT_MALFORMED', 'not an object'],
    ['invoice', 'ERR_PAYMENT_MALFORMED', 'not an object'],
    [[invoice()], 'ERR_PAYMENT_MALFORMED', 'not an object'],
    [new Uint8Array(4), 'ERR_PAYMENT_MALFORMED', 'not an object'],
    [{ ...invoice(), extra: 1 }, 'ERR_PAYMENT_MALFORMED', 'unknown field extra'],
    [invoice({ v: 2 as 1 }), 'ERR_PAYMENT_MALFORMED', 'bad field v'],
    [invoice({ id: 'F'.repeat(64) }), 'ERR_PAYMENT_MALFORMED', 'bad field id'],
    [invoice({ id: '0'.repeat(31) }), 'ERR_PAYMENT_MALFORMED', 'bad field id'],
    [invoice({ supplier: 'A'.repeat(32) }), 'ERR_PAYMENT_MALFORMED', 'bad field supplier'],
    [invoice({ customer: '1'.repeat(32) }), 'ERR_PAYMENT_MALFORMED', 'bad field customer'],
    [invoice({ periodStart: -1 }), 'ERR_PAYMENT_MALFORMED', 'bad field periodStart'],
    [invoice({ issuedAt: 1.5 }), 'ERR_PAYMENT_MALFORMED', 'bad field issuedAt'],
    [invoice({ amount: -1 }), 'ERR_PAYMENT_AMOUNT', 'bad field amount'],
    [invoice({ amount: MAX_AMOUNT + 1 }), 'ERR_PAYMENT_AMOUNT', 'bad field amount'],
    [invoice({ amount: 0.5 }), 'ERR_PAYMENT_AMOUNT', 'bad field amount'],
    [invoice({ amount: '1' as unknown as number }), 'ERR_PAYMENT_AMOUNT', 'bad field amount'],
    [invoice({ storedByteMs: '-5' }), 'ERR_PAYMENT_AMOUNT', 'bad field storedByteMs'],
    [invoice({ storedByteMs: '1'.repeat(40) }), 'ERR_PAYMENT_AMOUNT', 'bad field storedByteMs'],
    [invoice({ transferBytes: -1 }), 'ERR_PAYMENT_AMOUNT', 'bad field transferBytes'],
    [invoice({ customer: A }), 'ERR_PAYMENT_MISMATCH', 'self-invoice'],
    [invoice({ periodStart: NOW, periodEnd: NOW }), 'ERR_PAYMENT_PERIOD', 'empty period'],
    [invoice({ issuedAt: NOW - 1 }), 'ERR_PAYMENT_PERIOD', 'issued before period end'],
    [
      invoice({ periodStart: NOW - 31 * DAY, periodEnd: NOW - 30 * DAY, issuedAt: NOW }),
      'ERR_PAYMENT_DATE_PAST',
      'period start too old'
    ],
    [
      invoice({ periodEnd: NOW, issuedAt: NOW + DAY }),
      'ERR_PAYMENT_DATE_FUTURE',
      'issue date in the future'
    ],
    [
      invoice({ periodStart: NOW + DAY, periodEnd: NOW + 2 * DAY, issuedAt: NOW + 2 * DAY }),
      'ERR_PAYMENT_DATE_FUTURE',
      'period start in the future'
    ]
  ];
  for (const [x, c, r] of cases) {
    const v = checkInvoice(x, W);
    assert.deepEqual([code(v), reason(v)], [c, r], JSON.stringify(x));
  }
  // A missing field is refused too.
  const { amount: _amount, ...noAmount } = invoice();
  assert.equal(code(checkInvoice(noAmount, W)), 'ERR_PAYMENT_AMOUNT');
  const { id: _id, ...noId } = invoice();
  assert.equal(code(checkInvoice(noId, W)), 'ERR_PAYMENT_MALFORMED');
});

test('terms, accepts and payments: their own refusals', () => {
  assert.equal(reason(checkTerms(terms({ customer: A }))), 'self-contract');
  assert.equal(reason(checkTerms(terms({ bytes: 0 }))), 'bad field bytes');
  assert.equal(reason(checkTerms(terms({ termMs: 0 }))), 'bad field termMs');
  // Prices are µc amounts but are refused as malformed (only amount/…ByteMs/transferBytes count
  // as money in the error code).
  assert.equal(reason(checkTerms(terms({ pricePerGBHour: -1 }))), 'bad field pricePerGBHour');
  assert.equal(code(checkTerms(terms({ transferPricePerGB: 2e15 }))), 'ERR_PAYMENT_MALFORMED');
  assert.equal(reason(checkTerms(terms({ prev: 'x' }))), 'bad field prev');
  assert.equal(reason(checkTerms(terms({ seq: -1 }))), 'bad field seq');

  assert.equal(reason(checkAccept(accept({ customer: A }), W)), 'self-accept');
  assert.equal(code(checkAccept(accept({ ts: NOW - 31 * DAY }), W)), 'ERR_PAYMENT_DATE_PAST');
  assert.equal(code(checkAccept(accept({ ts: NOW + DAY }), W)), 'ERR_PAYMENT_DATE_FUTURE');
  assert.equal(code(checkAccept(accept({ storedByteMs: '01' }), W)), 'ERR_PAYMENT_AMOUNT');

  assert.deepEqual(checkPayment(payment({ waived: true }), W), {
    ok: false,
    code: 'ERR_PAYMENT_AMOUNT',
    reason: 'a waiver moves no credits'
  });
  assert.equal(reason(checkPayment(payment({ payee: B }), W)), 'self-payment');
  assert.equal(
    reason(checkPayment(payment({ waived: 0 as unknown as boolean }), W)),
    'bad field waived'
  );
  assert.equal(code(checkPayment(payment({ amount: -24_000 }), W)), 'ERR_PAYMENT_AMOUNT');
  assert.equal(code(checkPayment(payment({ ts: 0 }), W)), 'ERR_PAYMENT_DATE_PAST');
  assert.equal(
    code(checkPayment(payment({ ts: Number.MAX_SAFE_INTEGER }), W)),
    'ERR_PAYMENT_DATE_FUTURE'
  );
});

test('property: any amount outside [0, MAX_AMOUNT] or not a safe integer is ERR_PAYMENT_AMOUNT', () => {
  const badAmount = fc.oneof(
    fc.integer({ min: -MAX_AMOUNT, max: -1 }),
    fc.integer({ min: MAX_AMOUNT + 1, max: Number.MAX_SAFE_INTEGER }),
    fc.double({ noInteger: true }),
    fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 53, -0.5)
  );
  fc.assert(
    fc.property(badAmount, (amount) => {
      assert.equal(code(checkInvoice(invoice({ amount }), W)), 'ERR_PAYMENT_AMOUNT');
      assert.equal(code(checkPayment(payment({ amount }), W)), 'ERR_PAYMENT_AMOUNT');
      assert.equal(
        reason(checkTerms(terms({ pricePerGBHour: amount }))),
        'bad field pricePerGBHour'
      );
    }),
    { numRuns: 300 }
  );
  fc.assert(
    fc.property(fc.integer({ min: 0, max: MAX_AMOUNT }), (amount) => {
      assert.deepEqual(checkInvoice(invoice({ amount }), W), { ok: true });
    }),
    { numRuns: 100 }
  );
});

test('property: dates are refused exactly outside [now − maxAge, now + maxSkew]', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 50 }),
      fc.integer({ min: -(2 ** 45), max: 2 ** 45 }),
      (now, offset) => {
        const w = { now, maxAgeMs: 30 * DAY, maxSkewMs: 60_000 };
        const at = now + offset;
        const v = checkDate(at, w, 'd');
        const expected =
          offset < -w.maxAgeMs
            ? 'ERR_PAYMENT_DATE_PAST'
            : offset > w.maxSkewMs
              ? 'ERR_PAYMENT_DATE_FUTURE'
              : 'ok';
        assert.equal(code(v), expected);
        if (at >= 0) {
          const p = checkPayment(payment({ ts: at }), w);
          assert.equal(code(p), expected);
        }
      }
    ),
    { numRuns: 300 }
  );
});

test('property: an invoice with any unknown extra field is malformed', () => {
  const known = new Set(Object.keys(invoice()));
  fc.assert(
    fc.property(
      fc
        .string({ minLength: 1, maxLength: 12 })
        .filter((k) => !known.has(k) && !(k in Object.prototype)),
      fc.jsonValue(),
      (k, value) => {
        const v = checkInvoice({ ...invoice(), [k]: value }, W);
        assert.deepEqual(v, {
          ok: false,
          code: 'ERR_PAYMENT_MALFORMED',
          reason: `unknown field ${k}`
        });
      }
    ),
    { numRuns: 200 }
  );
});

test('a field named like an Object.prototype member is unknown too', () => {
  for (const k of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    const v = checkInvoice({ ...invoice(), [k]: false }, W);
    assert.deepEqual(v, {
      ok: false,
      code: 'ERR_PAYMENT_MALFORMED',
      reason: `unknown field ${k}`
    });
  }
});
