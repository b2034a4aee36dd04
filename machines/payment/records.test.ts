// records.ts is the data model only; these pin it to validate.ts: a record built from the types
// passes its checker, and every field the type declares is required (drop any one: refused), so
// the types and the checks cannot drift apart silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type {
  Accept,
  ContractTerms,
  Invoice,
  Payment,
  SettledPayment,
  SignedPayment
} from './records.js';
import { checkAccept, checkInvoice, checkPayment, checkTerms, type Verdict } from './validate.js';

const NOW = 1_700_000_000_000;
const W = { now: NOW, maxAgeMs: 86_400_000, maxSkewMs: 60_000 };
const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

const terms: ContractTerms = {
  v: 1,
  id: 'c'.repeat(64),
  customer: B,
  supplier: A,
  bytes: 10,
  startMs: NOW,
  termMs: 1,
  pricePerGBHour: 1,
  transferPricePerGB: 1,
  seq: 1,
  prev: 'd'.repeat(64)
};
const invoice: Invoice = {
  v: 1,
  id: 'e'.repeat(64),
  contractId: terms.id,
  supplier: A,
  customer: B,
  periodStart: NOW - 1_000,
  periodEnd: NOW,
  storedByteMs: '1000',
  transferBytes: 5,
  amount: 7,
  issuedAt: NOW
};
const accept: Accept = {
  v: 1,
  invoiceId: invoice.id,
  invoiceHash: 'f'.repeat(64),
  supplier: A,
  customer: B,
  periodEnd: invoice.periodEnd,
  storedByteMs: invoice.storedByteMs,
  ts: NOW
};
const payment: Payment = {
  v: 1,
  id: '9'.repeat(64),
  invoiceId: invoice.id,
  payer: B,
  payee: A,
  amount: invoice.amount,
  waived: false,
  consumedByteMs: '0',
  ts: NOW
};

const kinds: Array<[string, Record<string, unknown>, (x: unknown) => Verdict]> = [
  ['terms', { ...terms }, checkTerms],
  ['invoice', { ...invoice }, (x) => checkInvoice(x, W)],
  ['accept', { ...accept }, (x) => checkAccept(x, W)],
  ['payment', { ...payment }, (x) => checkPayment(x, W)]
];

test('a record of each kind, built from its type, passes its checker', () => {
  for (const [name, rec, check] of kinds) assert.deepEqual(check(rec), { ok: true }, name);
});

test('field lists: terms 11, invoice 11, accept 8, payment 9', () => {
  assert.deepEqual(
    kinds.map(([n, r]) => [n, Object.keys(r).length]),
    [
      ['terms', 11],
      ['invoice', 11],
      ['accept', 8],
      ['payment', 9]
    ]
  );
});

test('property: dropping any declared field makes the record invalid', () => {
  fc.assert(
    fc.property(fc.constantFrom(...kinds), fc.nat(), ([name, rec, check], i) => {
      const keys = Object.keys(rec);
      const drop = keys[i % keys.length]!;
      const copy: Record<string, unknown> = { ...rec };
      delete copy[drop];
      const v = check(copy);
      assert.equal(v.ok, false, `${name} without ${drop}`);
      if (!v.ok) assert.equal(v.reason, `bad field ${drop}`);
    }),
    { numRuns: 100 }
  );
});

test('a settled payment is the signed payment plus the payee countersignature', () => {
  const signed: SignedPayment = {
    payment,
    payerKey: new Uint8Array(32).fill(1),
    payerSig: new Uint8Array(64).fill(2),
    evidence: [{ accept, customerKey: new Uint8Array(32), sig: new Uint8Array(64) }]
  };
  const settled: SettledPayment = {
    payment: signed.payment,
    payerKey: signed.payerKey,
    payerSig: signed.payerSig,
    payeeKey: new Uint8Array(32).fill(3),
    payeeSig: new Uint8Array(64).fill(4)
  };
  assert.deepEqual(Object.keys(settled).sort(), [
    'payeeKey',
    'payeeSig',
    'payerKey',
    'payerSig',
    'payment'
  ]);
  assert.equal(settled.payment.invoiceId, invoice.id);
  assert.equal(signed.evidence[0]!.accept.invoiceId, invoice.id);
  assert.deepEqual(checkPayment(settled.payment, W), { ok: true });
});
