/**
 * Signing and checking the payment statements (machines/payment/records.ts): shape first (pure
 * checks), then self-certifying Ed25519 signatures. Every function returns a Verdict instead of
 * throwing, so a peer's garbage is a refusal with a reason, never an exception.
 */
import type { IdentityKeys } from '../identity/keys.js';
import { nodeIdFromKey } from '../identity/keys.js';
import type {
  Accept,
  Dispute,
  Invoice,
  Payment,
  Receipt,
  SettledPayment,
  SignedAccept,
  SignedDispute,
  SignedInvoice,
  SignedPayment
} from '../../machines/payment/records.js';
import {
  checkAccept,
  checkInvoice,
  checkPayment,
  type DateWindow,
  type Verdict
} from '../../machines/payment/validate.js';
import { isUintString } from '../../machines/payment/units.js';
import { hashOf, signValue, verifyValue } from './canonical.js';

const BAD_SIG: Verdict = { ok: false, code: 'ERR_PAYMENT_SIGNATURE', reason: 'bad signature' };
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/** The node id of `keys`. */
export const idOf = (keys: IdentityKeys): string => nodeIdFromKey(keys.identityPublic);

/** Signs an invoice as its supplier. */
export function signInvoice(keys: IdentityKeys, invoice: Invoice): SignedInvoice {
  return { invoice, supplierKey: keys.identityPublic, sig: signValue(keys, 'invoice', invoice) };
}

/** Checks a signed invoice: shape, dates, and the supplier's signature. */
export function verifyInvoice(x: unknown, w: DateWindow): Verdict {
  if (!isObj(x)) return { ok: false, code: 'ERR_PAYMENT_MALFORMED', reason: 'not an object' };
  const v = checkInvoice(x.invoice, w);
  if (!v.ok) return v;
  const s = x as unknown as SignedInvoice;
  return verifyValue(s.invoice.supplier, s.supplierKey, 'invoice', s.invoice, s.sig) ? v : BAD_SIG;
}

/** Signs an accept as its customer. */
export function signAccept(keys: IdentityKeys, accept: Accept): SignedAccept {
  return { accept, customerKey: keys.identityPublic, sig: signValue(keys, 'accept', accept) };
}

/** Checks a signed accept: shape, date, and the customer's signature. */
export function verifyAccept(x: unknown, w: DateWindow): Verdict {
  if (!isObj(x)) return { ok: false, code: 'ERR_PAYMENT_MALFORMED', reason: 'not an object' };
  const v = checkAccept(x.accept, w);
  if (!v.ok) return v;
  const s = x as unknown as SignedAccept;
  return verifyValue(s.accept.customer, s.customerKey, 'accept', s.accept, s.sig) ? v : BAD_SIG;
}

/** Signs a dispute as its customer. */
export function signDispute(keys: IdentityKeys, dispute: Dispute): SignedDispute {
  return { dispute, customerKey: keys.identityPublic, sig: signValue(keys, 'dispute', dispute) };
}

/** Checks a signed dispute: the figure is a byte-ms string and the customer signed it. */
export function verifyDispute(x: SignedDispute): Verdict {
  const d = x.dispute;
  if (!isUintString(d.storedByteMs))
    return { ok: false, code: 'ERR_PAYMENT_MALFORMED', reason: 'storedByteMs is not a count' };
  return verifyValue(d.customer, x.customerKey, 'dispute', d, x.sig) ? { ok: true } : BAD_SIG;
}

/** Signs a payment as its payer, attaching waiver evidence. */
export function signPayment(
  keys: IdentityKeys,
  payment: Payment,
  evidence: SignedAccept[] = []
): SignedPayment {
  const payerSig = signValue(keys, 'payment', payment);
  return { payment, payerKey: keys.identityPublic, payerSig, evidence };
}

/** Checks a signed payment's shape, date and payer signature (not its evidence). */
export function verifyPayment(x: unknown, w: DateWindow): Verdict {
  if (!isObj(x)) return { ok: false, code: 'ERR_PAYMENT_MALFORMED', reason: 'not an object' };
  const v = checkPayment(x.payment, w);
  if (!v.ok) return v;
  const s = x as unknown as SignedPayment;
  const good = verifyValue(s.payment.payer, s.payerKey, 'payment', s.payment, s.payerSig);
  return good ? v : BAD_SIG;
}

/** The payee's receipt: a countersignature over the payment's hash. */
export function signReceipt(keys: IdentityKeys, payment: Payment): Receipt {
  const paymentHash = hashOf(payment);
  const body = { paymentId: payment.id, paymentHash };
  return { ...body, payeeKey: keys.identityPublic, payeeSig: signValue(keys, 'receipt', body) };
}

/** Joins a signed payment and its receipt into what both ledgers record. */
export function settle(p: SignedPayment, r: Receipt): SettledPayment {
  const { payment, payerKey, payerSig } = p;
  return { payment, payerKey, payerSig, payeeKey: r.payeeKey, payeeSig: r.payeeSig };
}

/** Checks a settled payment: payment shape and date, the payer's and the payee's signatures. */
export function verifySettled(x: unknown, w: DateWindow): Verdict {
  const v = verifyPayment(x, w);
  if (!v.ok) return v;
  const s = x as SettledPayment;
  const body = { paymentId: s.payment.id, paymentHash: hashOf(s.payment) };
  return verifyValue(s.payment.payee, s.payeeKey, 'receipt', body, s.payeeSig) ? v : BAD_SIG;
}
