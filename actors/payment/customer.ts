/**
 * The customer's half: one payment machine per invoice (machines/payment/machine.ts), provided
 * here with real effects. `verify` checks the invoice against our meter history for exactly its
 * period (machines/payment/history.ts) and the contract; `pay` claims a waiver when our
 * acknowledged donation covers our consumption in the fairness window (sending those receipts as
 * evidence), otherwise reserves the credits and pays.
 *
 * With a store (a node's `pending` namespace, rows in owing.ts) an invoice is kept from receipt,
 * durably before the router acknowledges it, then with our signed accept and, once signed, our
 * payment, until it is settled, disputed or defaulted: after a restart its machine starts again
 * (an accepted one skips the meter check it already passed) and sends the same accept and the same
 * payment, so the supplier and both ledgers see a retry, recorded once. A machine that ends
 * `failed` is run again the same way after a backoff, at most MAX_RUNS times; then the invoice
 * stays owed and shown. The meter history is kept in the same namespace (meter-history.ts). */
import { createActor, fromPromise, type AnyActorRef } from 'xstate';
import { BitDustError } from '../errors.js';
import {
  hashOf,
  settle,
  signAccept,
  signDispute,
  signPayment,
  verifyInvoice
} from '../ledger/index.js';
import { meteredOver } from '../../machines/payment/dispute.js';
import type {
  Receipt,
  SettledPayment,
  SignedAccept,
  SignedInvoice
} from '../../machines/payment/records.js';
import { paymentMachine } from '../../machines/payment/machine.js';
import { meterKey } from '../../machines/payment/meter.js';
import { checkPeriod } from '../../machines/payment/history.js';
import { isExempt } from '../../machines/payment/fairness.js';
import type { Verdict } from '../../machines/payment/validate.js';
import { big } from '../../machines/payment/units.js';
import type { KvStore } from '../store/index.js';
import { MAX_EVIDENCE } from '../../machines/payment/messages.js';
import { sendPayment, windowOf, type PaymentCtx } from './context.js';
import { verifyValue } from '../ledger/index.js';
import { createSpendCounter } from './spend.js';
import { historyStore, usageOf } from './meter-history.js';
import { givenUp, MAX_RUNS, owingOf, resumeDelay, type Owing, type Pending } from './owing.js';

/** The customer half of one node. */
export function createCustomer(
  c: PaymentCtx,
  onOutcome: (id: string, outcome: string) => void,
  kv?: KvStore
) {
  const pending = new Map<string, Pending>();
  const keep = async (p: Pending) => {
    pending.set(p.invoice.invoice.id, p);
    await kv?.put(`p/${p.invoice.invoice.id}`, p as never, { durable: true });
  };
  const forget = async (id: string) => {
    if (pending.delete(id)) await kv?.remove(`p/${id}`).catch(() => undefined);
  };
  /** The latest machine of every invoice seen since start, and those still running. */
  const runs = new Map<string, Promise<AnyActorRef | undefined>>();
  const live = new Set<string>();
  const timers = new Map<string, unknown>();
  let stopped = false;
  const receipts = new Map<string, (r: Receipt) => void>();
  const mine = new Map<string, SignedAccept>();
  const donations: SignedAccept[] = [];
  // Our spend positions (spend.ts), kept in the same namespace as the pending payments.
  const counter = createSpendCounter(kv);
  const history = historyStore(kv);

  const verify = (si: SignedInvoice): Verdict => {
    // Accepted before a restart: it passed the meter check then.
    if (pending.get(si.invoice.id)?.accept) return { ok: true };
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
    const h = c.history.get(inv.supplier) ?? [];
    const { periodStart, periodEnd } = inv;
    return checkPeriod(
      h,
      periodStart,
      periodEnd,
      big(inv.storedByteMs),
      c.historyPolicy.eventSkewMs
    );
  };

  const inWindow = (list: Iterable<SignedAccept>, end: number) =>
    [...list].filter(
      (a) => a.accept.periodEnd > end - c.fairness.windowMs && a.accept.periodEnd <= end
    );

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
      const consumed = inWindow(mine.values(), inv.periodEnd).reduce(
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
    await forget(inv.id);
    return settled;
  }

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
        const p = pending.get(inv.id);
        let sa = p?.accept;
        if (!sa) {
          sa = signAccept(c.keys, accept);
          // Durable before the ledger and the supplier see it: a restart resumes from here.
          await keep({ ...p, invoice: input.invoice, accept: sa });
        }
        await c.ledger.recordUsage(sa);
        mine.set(inv.id, sa);
        await sendPayment(c, inv.supplier, { kind: 'accept', body: sa });
      }),
      sendDispute: fromPromise(async ({ input }) => {
        const v = input.verdict as { code: string; reason: string };
        const inv = input.invoice.invoice;
        // Our own figure for exactly its period, which the supplier may re-bill at.
        const ours = meteredOver(c.history.get(inv.supplier) ?? [], inv.periodStart, inv.periodEnd);
        const body = signDispute(c.keys, {
          v: 1,
          invoiceId: inv.id,
          invoiceHash: hashOf(inv),
          supplier: inv.supplier,
          customer: c.id,
          code: v.code.slice(0, 64),
          reason: v.reason.slice(0, 256),
          storedByteMs: ours.toString(),
          ts: c.clock.now()
        });
        await sendPayment(c, inv.supplier, { kind: 'dispute', body });
      }),
      pay: fromPromise(async ({ input }) => pay(input.invoice))
    }
  });

  /** Starts the machine of invoice `si` (once at a time per invoice). */
  function start(si: SignedInvoice): Promise<AnyActorRef | undefined> {
    const id = si.invoice.id;
    const p = pending.get(id);
    // The deadline runs from our accept, not from this run: a resumed machine keeps the first one.
    const deadlineMs = p?.accept
      ? Math.max(0, p.accept.accept.ts + c.timing.deadlineMs - c.clock.now())
      : c.timing.deadlineMs;
    const input = { invoice: si, ...c.timing, deadlineMs };
    // In a node the machine runs under the payment service's supervisor (the inspector shows it);
    // the simulation runs it as a plain actor on the shared clock.
    const started = c.spawn
      ? c.spawn(`payment.invoice.${id.slice(0, 12)}`, machine, input)
      : Promise.resolve(createActor(machine, { input, clock: c.clock }));
    const run = started.then(
      (actor) => {
        const done = () => {
          if (runs.get(id) === run) live.delete(id);
          ended(id, actor);
        };
        if (actor.getSnapshot().status === 'done') done();
        else actor.subscribe({ complete: done, error: done });
        if (!c.spawn) actor.start();
        return actor;
      },
      () => {
        if (runs.get(id) === run) live.delete(id);
        return undefined;
      }
    );
    runs.set(id, run);
    live.add(id);
    return run;
  }

  /**
   * A machine ended. Settled, disputed or defaulted: nothing is left to resume. Failed (the accept
   * or the payment could not be delivered): the invoice stays owed and its machine runs again
   * after {@link resumeDelay}, up to {@link MAX_RUNS} runs; the same accept and payment are sent,
   * which the supplier and both ledgers take as retries.
   */
  function ended(id: string, actor: AnyActorRef): void {
    const snap = actor.getSnapshot();
    const outcome = String(snap.value);
    if (stopped) return; // the node stopped it: it resumes from disk after the restart
    const p = pending.get(id);
    if (outcome === 'failed' && p && snap.status === 'done') {
      const failedRuns = (p.failedRuns ?? 0) + 1;
      const reason = String((snap.context as { lastError?: string }).lastError ?? 'failed');
      const retryAt =
        failedRuns < MAX_RUNS
          ? c.clock.now() + resumeDelay(c.timing.retryMs, failedRuns)
          : undefined;
      const next: Pending = { ...p, failedRuns, reason };
      delete next.retryAt;
      if (retryAt !== undefined) next.retryAt = retryAt;
      void keep(next).catch(() => undefined);
      if (retryAt !== undefined) schedule(id, retryAt - c.clock.now());
    } else if (snap.status === 'done') void forget(id);
    onOutcome(id, outcome);
  }

  function schedule(id: string, ms: number): void {
    if (timers.has(id)) return;
    const t = c.clock.setTimeout(() => {
      timers.delete(id);
      const p = pending.get(id);
      if (!stopped && p && !live.has(id)) void start(p.invoice);
    }, ms);
    timers.set(id, t);
  }

  /**
   * An invoice from `from`. Kept durably before we return (and the router acknowledges it) when
   * it is signed by a supplier we have a contract with, so a restart resumes it; anything else is
   * disputed without being kept.
   */
  async function onInvoice(from: string, si: SignedInvoice): Promise<void> {
    if (si.invoice?.supplier !== from)
      throw new BitDustError('ERR_PAYMENT_MISMATCH', 'not from its supplier');
    const id = si.invoice.id;
    if (live.has(id)) return; // a re-sent invoice: its machine is already running
    const p = pending.get(id);
    if (p) {
      // Known and waiting to be retried (or given up): the supplier asks again, so try now.
      if (p.retryAt !== undefined || p.failedRuns) void start(p.invoice);
      return;
    }
    if (runs.has(id)) return; // its machine ended here (settled, disputed, defaulted)
    const k = c.contracts.get(si.invoice.contractId);
    const ours = k && k.terms.customer === c.id && k.terms.supplier === from;
    if (ours && verifyInvoice(si, windowOf(c)).ok) {
      // The machine starts at once; its accept is written after this row (writes keep their
      // order), and the router acknowledges the invoice only once the row is durable.
      const kept = keep({ invoice: si });
      void start(si);
      await kept;
      return;
    }
    void start(si);
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

  /**
   * Reads back what a restart must not lose: every invoice received and not settled ({@link
   * resume} runs them), and our meter history, which the meter then integrates on from (what the
   * suppliers held for us stayed held while we were down). Rows given up on for longer than the
   * date window go: a payment that old would be refused anyway.
   */
  async function restore(): Promise<void> {
    if (!kv) return;
    for (const { value } of await kv.range<Pending>({ prefix: 'p/' })) {
      const old = value.invoice.invoice.issuedAt < c.clock.now() - c.maxAgeMs;
      if (old && givenUp(value)) {
        await kv.remove(`p/${value.invoice.invoice.id}`);
      } else pending.set(value.invoice.invoice.id, value);
    }
    const meter = new Map(c.meter.state);
    for (const [supplier, s] of await history.load()) {
      c.history.set(supplier, s);
      const u = usageOf(s);
      if (u && !meter.has(meterKey('customer', supplier)))
        meter.set(meterKey('customer', supplier), u);
    }
    c.meter.state = meter;
    // Suppliers we bought from before this start with no saved history (a node that ran without
    // it): what they held before is unknown, so their series begins without an origin.
    for (const k of c.contracts.values()) {
      if (k.terms.customer === c.id && !c.history.has(k.terms.supplier))
        c.pastUnknown.add(k.terms.supplier);
    }
  }

  /** Saves the meter history (each upkeep tick), pruned to the horizon. */
  const saveHistory = () => history.save(c.history, c.clock.now() - c.historyPolicy.keepMs);

  /**
   * Starts again the machine of every restored invoice that has none and whose retry is due.
   * Called by the upkeep once our storage client is ready: before that the router knows no address
   * for the suppliers.
   */
  function resume(): void {
    const now = c.clock.now();
    for (const [id, p] of pending) {
      if (live.has(id) || timers.has(id)) continue;
      if (givenUp(p)) continue; // stays owed and shown
      if (p.retryAt !== undefined && p.retryAt > now) schedule(id, p.retryAt - now);
      else void start(p.invoice);
    }
  }

  /**
   * Runs again, by hand, the machine of invoice `id` that was given up on after {@link MAX_RUNS}
   * failed runs (`POST /api/ledger/invoices/:id/retry`). One run: it sends the same accept and
   * payment as before (the supplier and both ledgers see a retry), and if it fails too the invoice
   * is given up on again. `unknown`: we owe no such invoice; `not-given-up`: its machine runs or
   * waits for its next run already.
   */
  function retry(id: string): 'started' | 'unknown' | 'not-given-up' {
    const p = pending.get(id);
    if (!p) return 'unknown';
    if (!givenUp(p) || live.has(id) || timers.has(id)) return 'not-given-up';
    void start(p.invoice);
    return 'started';
  }

  /** What we still owe, oldest period first (the ledger view shows it). */
  const owing = (): Owing[] => owingOf(pending.values(), (id) => live.has(id));

  /** Cancels the retry timers (the node stops; its machines stop with the supervisor). */
  function stop(): void {
    stopped = true;
    for (const t of timers.values()) c.clock.clearTimeout(t as never);
    timers.clear();
  }

  return {
    onInvoice,
    onReceipt,
    addDonation,
    runs,
    verify,
    restore,
    resume,
    saveHistory,
    owing,
    retry,
    stop
  };
}
