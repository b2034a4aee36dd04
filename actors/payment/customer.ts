/**
 * The customer's half: one payment machine per invoice (machines/payment/machine.ts), provided
 * here with real effects. `verify` checks the invoice against our own meter and the contract;
 * `pay` claims a waiver when our acknowledged donation covers our consumption in the fairness
 * window (sending those receipts as evidence), otherwise reserves the credits and pays.
 *
 * With a store (a node's `pending` namespace) an invoice we accepted is kept, with our signed
 * accept and, once signed, our payment, until it is settled or given up: after a restart its
 * machine starts again, skips the meter check it already passed, and sends the same accept and the
 * same payment, so the supplier and both ledgers see a retry, recorded once.
 */
import { createActor, fromPromise, type AnyActorRef } from 'xstate';
import { BitDustError } from '../errors.js';
import { hashOf, settle, signAccept, signPayment, verifyInvoice } from '../ledger/index.js';
import type {
  Receipt,
  SettledPayment,
  SignedAccept,
  SignedInvoice
} from '../../machines/payment/records.js';
import { paymentMachine } from '../../machines/payment/machine.js';
import { usageAt } from '../../machines/payment/meter.js';
import { isExempt } from '../../machines/payment/fairness.js';
import type { Verdict } from '../../machines/payment/validate.js';
import { big } from '../../machines/payment/units.js';
import type { KvStore } from '../store/index.js';
import { MAX_EVIDENCE } from '../../machines/payment/messages.js';
import { sendPayment, windowOf, type PaymentCtx } from './context.js';
import { verifyValue } from '../ledger/index.js';
import { createSpendCounter } from './spend.js';

/** Our usage may differ from the supplier's by this fraction (reports cross in flight). */
const USAGE_TOLERANCE_PPM = 10_000n;

/** The customer half of one node. */
export function createCustomer(
  c: PaymentCtx,
  onOutcome: (id: string, outcome: string) => void,
  kv?: KvStore
) {
  /** An invoice accepted and not yet settled, as kept on disk. */
  interface Pending {
    invoice: SignedInvoice;
    accept: SignedAccept;
    payment?: ReturnType<typeof signPayment>;
  }
  const pending = new Map<string, Pending>();
  const keep = async (p: Pending) => {
    pending.set(p.invoice.invoice.id, p);
    await kv?.put(`p/${p.invoice.invoice.id}`, p as never, { durable: true });
  };
  const forget = (id: string) => {
    if (pending.delete(id)) void kv?.remove(`p/${id}`).catch(() => undefined);
  };
  const runs = new Map<string, Promise<AnyActorRef>>();
  const receipts = new Map<string, (r: Receipt) => void>();
  const mine: SignedAccept[] = [];
  const donations: SignedAccept[] = [];
  const seen = new Map<string, bigint>();
  // Our spend positions (spend.ts), kept in the same namespace as the pending payments.
  const counter = createSpendCounter(kv);

  const verify = (si: SignedInvoice): Verdict => {
    // Accepted before a restart: it passed the meter check then, and our meter has since restarted.
    if (pending.has(si.invoice.id)) return { ok: true };
    const v = verifyInvoice(si, windowOf(c));
    if (!v.ok) return v;
    const inv = si.invoice;
    const k = c.contracts.get(inv.contractId);
    if (!k || k.terms.customer !== c.id || k.terms.supplier !== inv.supplier) {
      return {
        ok: false,
        code: 'ERR_PAYMENT_UNKNOWN_CONTRACT',
        reason: 'no such contract with us'
      };
    }
    // Our meter is cumulative: the period is the growth since the last invoice we verified.
    const now = usageAt(c.meter.state, 'customer', inv.supplier, inv.periodEnd).byteMs;
    const prev = seen.get(inv.supplier);
    const ours = now - (prev ?? 0n);
    const theirs = big(inv.storedByteMs);
    const tol = (n: bigint) => (n * USAGE_TOLERANCE_PPM) / 1_000_000n;
    const start = c.meterStart.get(inv.supplier);
    if (
      prev === undefined &&
      start !== undefined &&
      start > inv.periodStart &&
      start < inv.periodEnd
    ) {
      // Our meter began inside this period (we restarted, and learnt what the supplier holds from
      // its listing): we saw only part of it. Bound the bill by what we saw (below) and by that
      // holding kept over the whole period (above).
      const whole =
        (ours * BigInt(inv.periodEnd - inv.periodStart)) / BigInt(inv.periodEnd - start);
      if (theirs + tol(ours) < ours || theirs > whole + tol(whole)) {
        return {
          ok: false,
          code: 'ERR_PAYMENT_USAGE',
          reason: `billed ${theirs} byte-ms, metered ${ours} since ${start} (at most ${whole})`
        };
      }
      seen.set(inv.supplier, now);
      return { ok: true };
    }
    const diff = theirs > ours ? theirs - ours : ours - theirs;
    if (diff > tol(ours)) {
      return {
        ok: false,
        code: 'ERR_PAYMENT_USAGE',
        reason: `billed ${theirs} byte-ms, metered ${ours}`
      };
    }
    seen.set(inv.supplier, now);
    return { ok: true };
  };

  const inWindow = (list: SignedAccept[], end: number) =>
    list.filter((a) => a.accept.periodEnd > end - c.fairness.windowMs && a.accept.periodEnd <= end);

  const payments = new Map<string, ReturnType<typeof signPayment>>();
  async function pay(si: SignedInvoice): Promise<SettledPayment> {
    const inv = si.invoice;
    const spends = await counter;
    let sp = payments.get(inv.id) ?? pending.get(inv.id)?.payment;
    if (sp && !payments.has(inv.id)) {
      // Signed before a restart: reserve its amount again (reservations live in memory).
      if (!c.ledger.reserve(sp.payment.id, sp.payment.amount))
        throw new BitDustError('ERR_PAYMENT_FUNDS', `cannot pay ${sp.payment.amount}`);
      payments.set(inv.id, sp);
    }
    if (!sp) {
      const consumed = inWindow(mine, inv.periodEnd).reduce(
        (n, a) => n + big(a.accept.storedByteMs),
        0n
      );
      const evidence = inWindow(donations, inv.periodEnd).slice(-MAX_EVIDENCE);
      const donated = evidence.reduce((n, a) => n + big(a.accept.storedByteMs), 0n);
      const waived = isExempt(donated, consumed, c.fairness);
      const id = hashOf({ invoice: inv.id, payer: c.id }).slice(0, 32);
      const amount = waived ? 0 : inv.amount;
      if (!c.ledger.reserve(id, amount))
        throw new BitDustError('ERR_PAYMENT_FUNDS', `cannot pay ${amount}`);
      // The next position, taken synchronously: concurrent payments never share one.
      const next = spends.next(amount);
      const { durable } = next;
      const spend = c.alterSpend ? c.alterSpend(next.spend, inv.supplier, amount) : next.spend;
      const payment = {
        v: 1 as const,
        id,
        invoiceId: inv.id,
        payer: c.id,
        payee: inv.supplier,
        amount,
        waived,
        consumedByteMs: consumed.toString(),
        ts: c.clock.now(),
        spend
      };
      sp = signPayment(c.keys, payment, waived ? evidence : []);
      payments.set(inv.id, sp);
      const p = pending.get(inv.id);
      // Durable before it is sent: after a restart we send this payment again, never a new one,
      // and never sign another payment at its position.
      await durable;
      if (p) await keep({ ...p, payment: sp });
    }
    const paid = sp;
    const got = new Promise<Receipt>((resolve) => receipts.set(paid.payment.id, resolve));
    await sendPayment(c, inv.supplier, { kind: 'payment', body: paid });
    const settled = settle(paid, await got);
    await c.ledger.recordPayment(settled);
    forget(inv.id);
    return settled;
  }

  function onInvoice(from: string, si: SignedInvoice): void {
    if (si.invoice?.supplier !== from)
      throw new BitDustError('ERR_PAYMENT_MISMATCH', 'not from its supplier');
    if (runs.has(si.invoice.id)) return; // a re-sent invoice: its machine is already running
    const machine = paymentMachine.provide({
      actors: {
        verify: fromPromise(async ({ input }) => verify(input.invoice)),
        sendAccept: fromPromise(async ({ input }) => {
          const inv = input.invoice.invoice;
          const accept = {
            v: 1 as const,
            invoiceId: inv.id,
            invoiceHash: hashOf(inv),
            supplier: inv.supplier,
            customer: c.id,
            periodEnd: inv.periodEnd,
            storedByteMs: inv.storedByteMs,
            ts: c.clock.now()
          };
          let sa = pending.get(inv.id)?.accept;
          if (!sa) {
            sa = signAccept(c.keys, accept);
            // Durable before the ledger and the supplier see it: a restart resumes from here.
            await keep({ invoice: input.invoice, accept: sa });
          }
          await c.ledger.recordUsage(sa);
          mine.push(sa);
          await sendPayment(c, inv.supplier, { kind: 'accept', body: sa });
        }),
        sendDispute: fromPromise(async ({ input }) => {
          const v = input.verdict as { code: string; reason: string };
          const body = { invoiceId: input.invoice.invoice.id, code: v.code, reason: v.reason };
          await sendPayment(c, input.invoice.invoice.supplier, { kind: 'dispute', body });
        }),
        pay: fromPromise(async ({ input }) => pay(input.invoice))
      }
    });
    const input = { invoice: si, ...c.timing };
    // In a node the machine runs under the payment service's supervisor (the inspector shows it);
    // the simulation runs it as a plain actor on the shared clock.
    const started = c.spawn
      ? c.spawn(`payment.invoice.${si.invoice.id.slice(0, 12)}`, machine, input)
      : Promise.resolve(createActor(machine, { input, clock: c.clock }));
    runs.set(si.invoice.id, started);
    void started.then(
      (actor) => {
        const done = () => {
          const outcome = String(actor.getSnapshot().value);
          // Settled, or given up (defaulted, disputed): nothing left to resume.
          if (actor.getSnapshot().status === 'done') forget(si.invoice.id);
          onOutcome(si.invoice.id, outcome);
        };
        if (actor.getSnapshot().status === 'done') done();
        else actor.subscribe({ complete: done, error: done });
        if (!c.spawn) actor.start();
      },
      () => runs.delete(si.invoice.id)
    );
  }

  function onReceipt(from: string, r: Receipt): void {
    const sp = [...payments.values()].find((p) => p.payment.id === r.paymentId);
    if (!sp || sp.payment.payee !== from)
      throw new BitDustError('ERR_PAYMENT_MISMATCH', 'no such payment');
    const body = { paymentId: r.paymentId, paymentHash: hashOf(sp.payment) };
    if (
      r.paymentHash !== body.paymentHash ||
      !verifyValue(from, r.payeeKey, 'receipt', body, r.payeeSig)
    ) {
      throw new BitDustError('ERR_PAYMENT_SIGNATURE', 'receipt does not countersign our payment');
    }
    receipts.get(r.paymentId)?.(r);
  }

  /** A customer of ours acknowledged our storage: keep it as waiver evidence. */
  const addDonation = (sa: SignedAccept) => void donations.push(sa);

  /** Reads the invoices accepted and not settled before a restart ({@link resume} runs them). */
  async function restore(): Promise<void> {
    if (!kv) return;
    for (const { value } of await kv.range<Pending>({ prefix: 'p/' })) {
      pending.set(value.invoice.invoice.id, value);
    }
  }

  /**
   * Starts again the machine of every restored invoice that has none. Called by the upkeep once
   * our storage client is ready: before that the router knows no address for the suppliers.
   */
  function resume(): void {
    for (const p of pending.values()) {
      if (!runs.has(p.invoice.invoice.id)) onInvoice(p.invoice.invoice.supplier, p.invoice);
    }
  }

  return { onInvoice, onReceipt, addDonation, runs, verify, restore, resume };
}
