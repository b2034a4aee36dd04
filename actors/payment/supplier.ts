/**
 * The supplier's half: invoices each customer per period from the meter and the contract price,
 * records the customer's accept (its donation receipt) and countersigns payments; a waiver is
 * honoured only with evidence that the payer donates enough. Unpaid invoices are the customer's
 * debt, whose standing (good, refused, dropped) the fairness rule decides. With a store (a node's
 * `bills` namespace, see bills.ts) invoices, totals, debts and the meter survive a restart.
 */
import { BitDustError } from '../errors.js';
import {
  hashOf,
  signReceipt,
  verifyAccept,
  verifyDispute,
  verifyPayment,
  signInvoice
} from '../ledger/index.js';
import { correctedAmount, resolveDispute } from '../../machines/payment/dispute.js';
import { meterKey, usageAt, type Usage } from '../../machines/payment/meter.js';
import { cumulativeAt } from '../../machines/payment/history.js';
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
  SignedDispute,
  SignedInvoice,
  SignedPayment
} from '../../machines/payment/records.js';
import { big, isAmount, storageCharge, transferCharge } from '../../machines/payment/units.js';
import { must, sendPayment, windowOf, type PaymentCtx } from './context.js';
import { billStore, type Billed, type Totals } from './bills.js';
import type { KvStore } from '../store/index.js';
import { createSpendGuard } from './spend.js';

/** The supplier half of one node; `kv` keeps its bills across restarts (none in the simulation). */
export function createSupplier(c: PaymentCtx, kv?: KvStore) {
  const invoices = new Map<string, Billed>();
  const totals = new Map<string, Totals>();
  const debts = new Map<string, DebtState>();
  const disk = billStore(kv);
  // Every spend position accepted from each payer (keys `s/…`, beside the bills).
  const spends = createSpendGuard(kv, c.board, c.clock, c.recheckMs);

  const refreshDebt = (customer: string) => {
    let owed = 0n;
    for (const b of invoices.values()) {
      const open = b.status === 'sent' || b.status === 'accepted' || b.status === 'disputed';
      if (b.invoice.invoice.customer === customer && open) owed += BigInt(b.invoice.invoice.amount);
    }
    const d = debts.get(customer) ?? { customer, owed: 0n, overSince: undefined };
    debts.set(customer, trackDebt(d, owed, c.clock.now(), c.fairness));
  };

  /** Invoices to `customer` it never answered (lost in flight, or sent before a restart), oldest first. */
  const unanswered = (customer: string) =>
    [...invoices.values()]
      .filter((b) => b.invoice.invoice.customer === customer && b.status === 'sent')
      .map((b) => b.invoice)
      .sort((x, y) => x.invoice.periodEnd - y.invoice.periodEnd);

  /**
   * Sends invoices to `customer` one after another, in period order: the customer verifies each
   * against its meter's growth since the last one it verified, so order matters. A re-sent invoice
   * is idempotent there (same id, same machine). Not awaited by callers: delivery takes (simulated)
   * time, and an undelivered invoice stays owed and is sent again with the next bill.
   */
  const deliver = (customer: string, list: SignedInvoice[]) => {
    void (async () => {
      for (const body of list) {
        await sendPayment(c, customer, { kind: 'invoice', body }).catch(() => undefined);
      }
    })();
  };

  /** Bills every contract we supply for [periodStart, periodEnd); returns the invoices sent. */
  async function invoiceAll(periodStart: number, periodEnd: number): Promise<Invoice[]> {
    const sent: Invoice[] = [];
    // The meter on disk must never lag the totals billed from it, or a restart would under-bill.
    await saveMeter();
    for (const sc of c.contracts.values()) {
      const t = sc.terms;
      if (t.supplier !== c.id) continue;
      const use = usageAt(c.meter.state, 'supplier', t.customer, periodEnd);
      // Exactly up to the boundary even when this tick runs after it and the meter moved on.
      const exact = cumulativeAt(c.served.get(t.customer) ?? [], periodEnd);
      if (exact) use.byteMs = exact.byteMs;
      // The meter only knows cumulative usage now: the period is the growth since the last bill.
      const before = totals.get(t.customer) ?? { charged: 0n, byteMs: 0n, transferBytes: 0n };
      const stored = use.byteMs - before.byteMs;
      if (stored <= 0n) continue;
      // Cumulative charge minus what was billed: rounding never drifts over the contract.
      const total =
        storageCharge(use.byteMs, t.pricePerGBHour) +
        transferCharge(use.transferBytes, t.transferPricePerGB);
      let amount = total - before.charged;
      const billed = c.alterUsage ? c.alterUsage(stored, t.customer) : stored;
      if (billed !== stored)
        amount += storageCharge(billed, t.pricePerGBHour) - storageCharge(stored, t.pricePerGBHour);
      if (!isAmount(Number(amount))) throw new RangeError(`invoice amount ${amount} out of range`);
      // The period is exactly what the usage billed covers (the customer checks it against its
      // meter's history for that period): from the end of the last bill, or from the first byte
      // held when a bill was skipped or this is the first (the contract came after the data).
      const first = c.meter.state.get(meterKey('supplier', t.customer))?.start;
      const last = totals.has(t.customer) ? before.to : first;
      const from = Math.min(periodStart, last ?? periodStart);
      const id = hashOf({ s: c.id, c: t.customer, k: t.id, periodStart: from, periodEnd }).slice(
        0,
        32
      );
      const invoice: Invoice = {
        v: 1,
        id,
        contractId: t.id,
        supplier: c.id,
        customer: t.customer,
        periodStart: from,
        periodEnd,
        storedByteMs: billed.toString(),
        transferBytes: Number(use.transferBytes - before.transferBytes),
        amount: Number(amount),
        issuedAt: c.clock.now()
      };
      const after: Totals = {
        charged: total,
        byteMs: use.byteMs,
        transferBytes: use.transferBytes,
        to: periodEnd
      };
      const signed = signInvoice(c.keys, invoice);
      const b: Billed = { invoice: signed, status: 'sent' };
      totals.set(t.customer, after);
      invoices.set(id, b);
      refreshDebt(t.customer);
      // Durable before it leaves: a restart must not forget a bill the customer may have seen.
      await disk.issued(b, after, debts.get(t.customer));
      sent.push(invoice);
      deliver(t.customer, unanswered(t.customer));
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
    if (b.status === 'sent') {
      b.status = 'accepted';
      await disk.changed(b, undefined, undefined);
    }
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
    // Refuses a position reused for another body, or a total its other positions contradict.
    must(await spends.admit(p, { payerKey: sp.payerKey, payerSig: sp.payerSig }));
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
    const status = p.waived ? 'waived' : 'paid';
    const changed = b.status !== status;
    b.status = status;
    refreshDebt(from);
    if (changed) await disk.changed(b, totals.get(from), debts.get(from));
    void sendPayment(c, from, { kind: 'receipt', body: receipt }).catch(() => undefined);
  }

  /**
   * A customer disputes one of our invoices, with its own figure for the period. Decided once per
   * invoice (machines/payment/dispute.ts) and durable before the dispute is acknowledged: within
   * the margin, the invoice is re-issued at the customer's figure (a new id; the disputed one is
   * `superseded` and owed no more); otherwise it stays owed, `disputed`, and the customer is
   * dropped for cause ({@link forCause}). A re-sent dispute changes nothing: a superseded invoice's
   * correction is sent again, a dropped one stays dropped.
   */
  async function onDispute(from: string, sd: SignedDispute): Promise<void> {
    const d = sd.dispute;
    if (d.customer !== from || d.supplier !== c.id)
      throw new BitDustError('ERR_PAYMENT_MISMATCH', 'dispute is not between us');
    must(verifyDispute(sd));
    const b = invoices.get(d.invoiceId);
    if (!b || b.invoice.invoice.customer !== from || d.invoiceHash !== hashOf(b.invoice.invoice))
      throw new BitDustError('ERR_PAYMENT_MISMATCH', 'dispute does not match an invoice of ours');
    if (b.status === 'superseded') {
      const fresh = b.correctedBy ? invoices.get(b.correctedBy) : undefined;
      if (fresh?.status === 'sent') deliver(from, [fresh.invoice]);
      return;
    }
    // Only an unanswered invoice can be disputed: the customer disputes instead of accepting.
    if (b.status !== 'sent') return;
    const inv = b.invoice.invoice;
    const billed = big(inv.storedByteMs);
    const decided = resolveDispute(billed, big(d.storedByteMs), b.corrects !== undefined);
    const record = {
      code: d.code,
      claimedByteMs: d.storedByteMs,
      outcome: decided.kind === 'correct' ? ('corrected' as const) : ('dropped' as const),
      reason: decided.reason,
      at: c.clock.now()
    };
    if (decided.kind === 'drop') {
      b.status = 'disputed';
      b.dispute = record;
      refreshDebt(from);
      await disk.changed(b, undefined, undefined);
      return;
    }
    const price = c.contracts.get(inv.contractId)?.terms.pricePerGBHour;
    const amount =
      price !== undefined
        ? correctedAmount(inv.amount, billed, decided.claimed, price)
        : billed > 0n
          ? Number((BigInt(inv.amount) * decided.claimed) / billed)
          : 0;
    const id = hashOf({ corrects: inv.id, storedByteMs: d.storedByteMs }).slice(0, 32);
    const corrected: Invoice = {
      ...inv,
      id,
      storedByteMs: d.storedByteMs,
      amount: Math.min(amount, Number.MAX_SAFE_INTEGER),
      issuedAt: c.clock.now()
    };
    const fresh: Billed = {
      invoice: signInvoice(c.keys, corrected),
      status: 'sent',
      corrects: inv.id
    };
    b.status = 'superseded';
    b.correctedBy = id;
    b.dispute = record;
    invoices.set(id, fresh);
    refreshDebt(from);
    // Durable before the dispute is acknowledged: a re-sent one finds it and issues nothing new.
    await disk.superseded(b, fresh);
    deliver(from, [fresh.invoice]);
  }

  /**
   * Customers to drop for cause: a dispute of ours ended with them too far apart (the
   * customer-rejector drops them with reason `disputed`, like `unpaid`). Sorted by customer id.
   */
  function forCause(): Array<{ customer: string; reason: 'disputed'; detail: string }> {
    const out = new Map<string, string>();
    for (const b of invoices.values()) {
      if (b.status === 'disputed' && b.dispute?.outcome === 'dropped')
        out.set(b.invoice.invoice.customer, `invoice ${b.invoice.invoice.id}: ${b.dispute.reason}`);
    }
    return [...out]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([customer, detail]) => ({ customer, reason: 'disputed' as const, detail }));
  }

  /** Saves the supplier-side meter of every customer (each upkeep tick). */
  async function saveMeter(): Promise<void> {
    const rows: Array<[string, Usage]> = [];
    const prefix = meterKey('supplier', '');
    for (const [k, u] of c.meter.state) {
      if (k.startsWith(prefix)) rows.push([k.slice(prefix.length), u]);
    }
    await disk.meter(rows);
  }

  /** Restores invoices, totals, debts and the meter saved before a restart. */
  async function restore(): Promise<void> {
    await spends.load();
    const saved = await disk.load(c.clock.now() - c.maxAgeMs);
    for (const [id, b] of saved.invoices) invoices.set(id, b);
    for (const [customer, t] of saved.totals) totals.set(customer, t);
    const meter = new Map(c.meter.state);
    for (const [customer, u] of saved.meter) meter.set(meterKey('supplier', customer), u);
    c.meter.state = meter;
    for (const customer of saved.totals.keys()) {
      deliver(customer, unanswered(customer));
      // The grace period runs from when the debt first went over the limit, before the restart.
      const overSince = saved.overSince.get(customer);
      debts.set(customer, { customer, owed: 0n, overSince });
      refreshDebt(customer);
    }
  }

  /** Standing of every customer we bill, at now. */
  function standings(): StandingDecision[] {
    return [...debts.values()].map((d) => decideStanding(d, c.clock.now(), c.fairness));
  }

  return {
    invoiceAll,
    onAccept,
    onPayment,
    onDispute,
    forCause,
    standings,
    forks: spends.forks,
    /** One bounded round of fork re-checks and republishing on the DHT (spend.ts). */
    spendUpkeep: spends.upkeep,
    saveMeter,
    restore,
    debts,
    invoices
  };
}

/** The supplier half's API. */
export type Supplier = ReturnType<typeof createSupplier>;
