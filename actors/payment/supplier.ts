/**
 * The supplier's half: invoices each customer per period from the meter and the contract price,
 * records the customer's accept (its donation receipt) and countersigns payments; a waiver is
 * honoured only with evidence that the payer donates enough. Unpaid invoices are the customer's
 * debt, whose standing (good, refused, dropped) the fairness rule decides.
 */
import { BitDustError } from '../errors.js';
import { hashOf, signReceipt, verifyAccept, verifyPayment, signInvoice } from '../ledger/index.js';
import { usageAt } from '../../machines/payment/meter.js';
import {
  decideStanding,
  isExempt,
  trackDebt,
  type DebtState,
  type StandingDecision
} from '../../machines/payment/fairness.js';
import type {
  Invoice,
  SignedAccept,
  SignedInvoice,
  SignedPayment
} from '../../machines/payment/records.js';
import { big, isAmount, storageCharge, transferCharge } from '../../machines/payment/units.js';
import { must, sendPayment, windowOf, type PaymentCtx } from './context.js';

interface Billed {
  invoice: SignedInvoice;
  status: 'sent' | 'accepted' | 'paid' | 'waived' | 'disputed';
}

/** The supplier half of one node. */
export function createSupplier(c: PaymentCtx) {
  const invoices = new Map<string, Billed>();
  const charged = new Map<string, bigint>();
  const billed = new Map<string, { byteMs: bigint; transferBytes: bigint }>();
  const debts = new Map<string, DebtState>();

  const refreshDebt = (customer: string) => {
    let owed = 0n;
    for (const b of invoices.values()) {
      const open = b.status === 'sent' || b.status === 'accepted' || b.status === 'disputed';
      if (b.invoice.invoice.customer === customer && open) owed += BigInt(b.invoice.invoice.amount);
    }
    const d = debts.get(customer) ?? { customer, owed: 0n, overSince: undefined };
    debts.set(customer, trackDebt(d, owed, c.clock.now(), c.fairness));
  };

  /** Bills every contract we supply for [periodStart, periodEnd); returns the invoices sent. */
  async function invoiceAll(periodStart: number, periodEnd: number): Promise<Invoice[]> {
    const sent: Invoice[] = [];
    for (const sc of c.contracts.values()) {
      const t = sc.terms;
      if (t.supplier !== c.id) continue;
      const use = usageAt(c.meter.state, 'supplier', t.customer, periodEnd);
      // The meter only knows cumulative usage now: the period is the growth since the last bill.
      const before = billed.get(t.customer) ?? { byteMs: 0n, transferBytes: 0n };
      const stored = use.byteMs - before.byteMs;
      if (stored <= 0n) continue;
      // Cumulative charge minus what was billed: rounding never drifts over the contract.
      const total =
        storageCharge(use.byteMs, t.pricePerGBHour) +
        transferCharge(use.transferBytes, t.transferPricePerGB);
      const amount = total - (charged.get(t.customer) ?? 0n);
      if (!isAmount(Number(amount))) throw new RangeError(`invoice amount ${amount} out of range`);
      const id = hashOf({ s: c.id, c: t.customer, k: t.id, periodStart, periodEnd }).slice(0, 32);
      const invoice: Invoice = {
        v: 1,
        id,
        contractId: t.id,
        supplier: c.id,
        customer: t.customer,
        periodStart,
        periodEnd,
        storedByteMs: stored.toString(),
        transferBytes: Number(use.transferBytes - before.transferBytes),
        amount: Number(amount),
        issuedAt: c.clock.now()
      };
      charged.set(t.customer, total);
      billed.set(t.customer, use);
      const signed = signInvoice(c.keys, invoice);
      invoices.set(id, { invoice: signed, status: 'sent' });
      refreshDebt(t.customer);
      sent.push(invoice);
      // Not awaited: delivery takes (simulated) time; an unanswered invoice stays owed.
      void sendPayment(c, t.customer, { kind: 'invoice', body: signed }).catch(() => undefined);
    }
    return sent;
  }

  async function onAccept(from: string, sa: SignedAccept): Promise<void> {
    must(verifyAccept(sa, windowOf(c)));
    const b = invoices.get(sa.accept.invoiceId);
    if (!b || sa.accept.customer !== from || sa.accept.invoiceHash !== hashOf(b.invoice.invoice)) {
      throw new BitDustError('ERR_PAYMENT_MISMATCH', 'accept does not match an invoice of ours');
    }
    if (sa.accept.storedByteMs !== b.invoice.invoice.storedByteMs) {
      throw new BitDustError('ERR_PAYMENT_USAGE', 'accepted usage differs from the invoice');
    }
    await c.ledger.recordUsage(sa);
    if (b.status === 'sent') b.status = 'accepted';
    await c.ledger.vest();
  }

  function checkWaiver(sp: SignedPayment, inv: Invoice): void {
    const p = sp.payment;
    const consumed = big(p.consumedByteMs);
    if (consumed < big(inv.storedByteMs))
      must({ ok: false, code: 'ERR_PAYMENT_FAIRNESS', reason: 'consumption understated' });
    let donated = 0n;
    const seen = new Set<string>();
    for (const e of sp.evidence.slice(0, 64)) {
      const a = e.accept;
      must(verifyAccept(e, { now: p.ts, maxAgeMs: c.fairness.windowMs, maxSkewMs: c.maxSkewMs }));
      if (a.supplier !== p.payer || seen.has(a.invoiceId)) continue;
      seen.add(a.invoiceId);
      donated += big(a.storedByteMs);
    }
    if (!isExempt(donated, consumed, c.fairness)) {
      must({
        ok: false,
        code: 'ERR_PAYMENT_FAIRNESS',
        reason: `donated ${donated} < consumed ${consumed}`
      });
    }
  }

  async function onPayment(from: string, sp: SignedPayment): Promise<void> {
    must(verifyPayment(sp, windowOf(c)));
    const p = sp.payment;
    const b = invoices.get(p.invoiceId);
    if (!b || p.payer !== from || p.payee !== c.id || b.invoice.invoice.customer !== from) {
      throw new BitDustError('ERR_PAYMENT_MISMATCH', 'payment does not match an invoice of ours');
    }
    if (p.waived) checkWaiver(sp, b.invoice.invoice);
    else if (p.amount !== b.invoice.invoice.amount) {
      throw new BitDustError(
        'ERR_PAYMENT_AMOUNT',
        `pays ${p.amount}, owed ${b.invoice.invoice.amount}`
      );
    }
    const receipt = signReceipt(c.keys, p);
    const { payment, payerKey, payerSig } = sp;
    // Idempotent: a retried payment is recorded once and answered with the same receipt.
    await c.ledger.recordPayment({
      payment,
      payerKey,
      payerSig,
      payeeKey: receipt.payeeKey,
      payeeSig: receipt.payeeSig
    });
    b.status = p.waived ? 'waived' : 'paid';
    refreshDebt(from);
    void sendPayment(c, from, { kind: 'receipt', body: receipt }).catch(() => undefined);
  }

  function onDispute(from: string, invoiceId: string): void {
    const b = invoices.get(invoiceId);
    if (b && b.invoice.invoice.customer === from && b.status === 'sent') b.status = 'disputed';
  }

  /** Standing of every customer we bill, at now. */
  function standings(): StandingDecision[] {
    return [...debts.values()].map((d) => decideStanding(d, c.clock.now(), c.fairness));
  }

  return { invoiceAll, onAccept, onPayment, onDispute, standings, debts, invoices };
}

/** The supplier half's API. */
export type Supplier = ReturnType<typeof createSupplier>;
