/**
 * Shape and range checks of untrusted payment statements, pure: every field typed, amounts in
 * range, dates inside a window around now, ids well formed. Signatures are checked by actors/ (they
 * need libsodium); these run first so a malformed statement never reaches a hash or a ledger.
 */
import { isAmount, isUintString } from './units.js';
import type { Accept, ContractTerms, Invoice, Payment } from './records.js';

/** Why a statement was refused. */
export type PaymentErrorCode =
  | 'ERR_PAYMENT_MALFORMED'
  | 'ERR_PAYMENT_AMOUNT'
  | 'ERR_PAYMENT_DATE_PAST'
  | 'ERR_PAYMENT_DATE_FUTURE'
  | 'ERR_PAYMENT_PERIOD'
  | 'ERR_PAYMENT_SIGNATURE'
  | 'ERR_PAYMENT_MISMATCH'
  | 'ERR_PAYMENT_USAGE'
  | 'ERR_PAYMENT_SPEND'
  | 'ERR_PAYMENT_FORK'
  | 'ERR_PAYMENT_UNCHECKED'
  | 'ERR_PAYMENT_FAIRNESS'
  | 'ERR_PAYMENT_FUNDS'
  | 'ERR_PAYMENT_UNKNOWN_CONTRACT';

/** A verdict: fine, or refused with a code and a reason. */
export type Verdict = { ok: true } | { ok: false; code: PaymentErrorCode; reason: string };

/** How far from now a statement's dates may be. */
export interface DateWindow {
  now: number;
  /** Oldest acceptable date: now − maxAgeMs. */
  maxAgeMs: number;
  /** Latest acceptable date: now + maxSkewMs. */
  maxSkewMs: number;
}

const OK: Verdict = { ok: true };
const ID = /^[0-9a-f]{32,64}$/;
const NODE = /^[a-z2-7]{32}$/;
const fail = (code: PaymentErrorCode, reason: string): Verdict => ({ ok: false, code, reason });
const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
const isTime = (x: unknown): x is number =>
  typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function fields(x: unknown, spec: Record<string, (v: unknown) => boolean>): Verdict {
  if (!isObj(x)) return fail('ERR_PAYMENT_MALFORMED', 'not an object');
  for (const k of Object.keys(x)) {
    if (!Object.hasOwn(spec, k)) return fail('ERR_PAYMENT_MALFORMED', `unknown field ${k}`);
  }
  for (const [k, check] of Object.entries(spec)) {
    if (!check(x[k])) {
      const money = k === 'amount' || k.endsWith('ByteMs') || k === 'transferBytes';
      return fail(money ? 'ERR_PAYMENT_AMOUNT' : 'ERR_PAYMENT_MALFORMED', `bad field ${k}`);
    }
  }
  return OK;
}

/** Checks `at` lies within `w`. */
export function checkDate(at: number, w: DateWindow, what: string): Verdict {
  if (at < w.now - w.maxAgeMs) return fail('ERR_PAYMENT_DATE_PAST', `${what} too old`);
  if (at > w.now + w.maxSkewMs) return fail('ERR_PAYMENT_DATE_FUTURE', `${what} in the future`);
  return OK;
}

const v1 = (x: unknown) => x === 1;
const id = (x: unknown) => typeof x === 'string' && ID.test(x);
const node = (x: unknown) => typeof x === 'string' && NODE.test(x);
const count = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Checks a contract's terms (shape, ranges, parties distinct). */
export function checkTerms(t: unknown): Verdict {
  const f = fields(t, {
    v: v1,
    id,
    customer: node,
    supplier: node,
    bytes: (x) => count(x) && (x as number) > 0,
    startMs: isTime,
    termMs: (x) => isTime(x) && (x as number) > 0,
    pricePerGBHour: isAmount,
    transferPricePerGB: isAmount,
    seq: count,
    prev: (x) => x === '' || id(x)
  });
  if (!f.ok) return f;
  const terms = t as ContractTerms;
  if (terms.customer === terms.supplier) return fail('ERR_PAYMENT_MISMATCH', 'self-contract');
  return OK;
}

/** Checks an invoice's shape, amounts and dates against `w`. */
export function checkInvoice(x: unknown, w: DateWindow): Verdict {
  const f = fields(x, {
    v: v1,
    id,
    contractId: id,
    supplier: node,
    customer: node,
    periodStart: isTime,
    periodEnd: isTime,
    storedByteMs: isUintString,
    transferBytes: count,
    amount: isAmount,
    issuedAt: isTime
  });
  if (!f.ok) return f;
  const inv = x as Invoice;
  if (inv.supplier === inv.customer) return fail('ERR_PAYMENT_MISMATCH', 'self-invoice');
  if (inv.periodEnd <= inv.periodStart) return fail('ERR_PAYMENT_PERIOD', 'empty period');
  if (inv.issuedAt < inv.periodEnd) return fail('ERR_PAYMENT_PERIOD', 'issued before period end');
  const d = checkDate(inv.periodStart, w, 'period start');
  return d.ok ? checkDate(inv.issuedAt, w, 'issue date') : d;
}

/** Checks an accept's shape and date. */
export function checkAccept(x: unknown, w: DateWindow): Verdict {
  const f = fields(x, {
    v: v1,
    invoiceId: id,
    invoiceHash: id,
    supplier: node,
    customer: node,
    periodEnd: isTime,
    storedByteMs: isUintString,
    ts: isTime
  });
  if (!f.ok) return f;
  const a = x as Accept;
  if (a.supplier === a.customer) return fail('ERR_PAYMENT_MISMATCH', 'self-accept');
  return checkDate(a.ts, w, 'accept date');
}

/** Checks a payment's shape, amount and date; a waiver must carry amount 0. */
export function checkPayment(x: unknown, w: DateWindow): Verdict {
  const f = fields(x, {
    v: v1,
    id,
    invoiceId: id,
    payer: node,
    payee: node,
    amount: isAmount,
    waived: (b) => typeof b === 'boolean',
    consumedByteMs: isUintString,
    ts: isTime,
    spend: () => true // optional; checked below
  });
  if (!f.ok) return f;
  const p = x as Payment;
  if (p.payer === p.payee) return fail('ERR_PAYMENT_MISMATCH', 'self-payment');
  if (p.spend !== undefined) {
    const s = p.spend as { n?: unknown; total?: unknown };
    const keys = typeof s === 'object' && s !== null ? Object.keys(s) : [];
    if (
      keys.length !== 2 ||
      typeof s.n !== 'number' ||
      !Number.isSafeInteger(s.n) ||
      s.n < 1 ||
      !isUintString(s.total)
    ) {
      return fail('ERR_PAYMENT_SPEND', 'spend position is not { n >= 1, total }');
    }
  }
  if (p.waived && p.amount !== 0) return fail('ERR_PAYMENT_AMOUNT', 'a waiver moves no credits');
  return checkDate(p.ts, w, 'payment date');
}
