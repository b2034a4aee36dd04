// Invoices on the customer's side, on real LMDB files and the memory network with one simulated
// clock: an invoice delivered hours after its period verifies against exactly that period (an
// inflated one is still disputed); an invoice received and not yet accepted survives a restart and
// is paid once; a payment machine that failed (its supplier unreachable) is run again with backoff,
// across a restart too, and pays once; past the retry limit the invoice stays owed and shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashOf, signInvoice } from '../ledger/index.js';
import { MAX_RUNS } from './owing.js';
import { HOUR, MIN, MiB, P, T0, TIMING, world } from '../../test/support/payment-pair.js';
import type { PaymentNode } from './node.js';

test('an invoice delivered hours after its period verifies against that period; an inflated one is disputed', async (t) => {
  const w = await world(t);
  const { cid, sid } = w.ids;
  w.held(4 * MiB);
  await w.advance(P);
  // The customer is unreachable when the bill is cut: the invoice stays unanswered.
  w.network.partition([cid], [sid]);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv, 'a bill was cut');
  // Meanwhile the customer writes a lot: its meter moves on well past the period.
  await w.advance(MIN);
  w.held(40 * MiB);
  await w.advance(3 * HOUR);
  w.held(20 * MiB);
  await w.advance(HOUR);
  w.network.heal();
  const signed = w.supplier.pay.supplier.invoices.get(inv.id)!.invoice;
  await w.send(signed);
  const status = () => w.supplier.pay.supplier.invoices.get(inv.id)!.status;
  const out = () => w.customer().outcomes.get(inv.id);
  await w.drive(() => out() !== undefined, HOUR);
  assert.equal(status(), 'paid', 'the late invoice verified and was paid');
  assert.equal(w.customer().outcomes.get(inv.id), 'settled');

  // The same period billed 5 % higher (re-signed by the supplier): disputed, however late.
  const inflated = {
    ...inv,
    id: hashOf({ inflated: inv.id }).slice(0, 32),
    storedByteMs: ((BigInt(inv.storedByteMs) * 105n) / 100n).toString()
  };
  await w.send(signInvoice(w.keys[1]!, inflated));
  await w.drive(() => w.customer().outcomes.has(inflated.id), HOUR);
  assert.equal(w.customer().outcomes.get(inflated.id), 'disputed');

  const b = await w.books(inv.id);
  assert.deepEqual(b.counts, [1, 1]);
  assert.equal(b.paid, b.received, 'Σ paid = Σ received');
});

test('an invoice received and not yet accepted survives a customer restart and is paid once', async (t) => {
  const w = await world(t);
  w.held(2 * MiB);
  await w.advance(P);
  // The customer crashes right after the invoice was acknowledged, before its machine ran.
  w.holdMachines(true);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv);
  await w.drive(() => w.customer().spawned.length > 0, MIN);
  const status = () => w.supplier.pay.supplier.invoices.get(inv.id)!.status;
  assert.equal(status(), 'sent', 'not accepted before the crash');
  w.holdMachines(false);
  const c = await w.restartCustomer();
  assert.deepEqual(
    c.pay.customer.owing().map((o) => [o.invoice, o.stage]),
    [[inv.id, 'received']]
  );
  c.pay.customer.resume();
  await w.drive(() => status() === 'paid', HOUR);
  await w.drive(() => c.pay.customer.owing().length === 0, 10 * MIN);
  const b = await w.books(inv.id);
  assert.deepEqual(b.counts, [1, 1], 'recorded once in each ledger');
  assert.equal(b.paid, b.received, 'Σ paid = Σ received');
  await c.root.flushed();
  assert.deepEqual(await c.root.sub('pending').range({ prefix: 'p/' }), [], 'nothing left pending');
});

test('a failed payment machine is run again with backoff, across a restart, and pays once', async (t) => {
  const w = await world(t);
  const { cid, sid } = w.ids;
  w.held(3 * MiB);
  await w.advance(P);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv);
  const status = () => w.supplier.pay.supplier.invoices.get(inv.id)!.status;
  await w.drive(() => status() === 'accepted', 10 * MIN);
  // The supplier becomes unreachable before the payment goes out: every attempt fails.
  w.network.partition([cid], [sid]);
  await w.drive(() => w.customer().outcomes.get(inv.id) === 'failed', HOUR);
  const [o] = w.customer().pay.customer.owing();
  assert.equal(o?.state, 'retrying');
  assert.equal(o?.failedRuns, 1);
  assert.ok(o?.reason, 'the reason is shown');
  // The next run after retryMs, then doubling (the clock may have moved one step since).
  const wait = () => w.customer().pay.customer.owing()[0]!.retryAt! - w.clock.now();
  assert.ok(wait() > TIMING.retryMs - 2_000 && wait() <= TIMING.retryMs, `${wait()}`);
  await w.drive(() => w.customer().pay.customer.owing()[0]!.failedRuns === 2, HOUR);
  assert.ok(wait() > 2 * TIMING.retryMs - 2_000 && wait() <= 2 * TIMING.retryMs, `${wait()}`);

  // Restart while still cut off: the failed runs and the next retry come back from disk.
  const c = await w.restartCustomer();
  assert.equal(c.pay.customer.owing()[0]!.failedRuns, 2);
  c.pay.customer.resume();
  await w.advance(10 * MIN);
  w.network.heal();
  await w.drive(() => status() === 'paid', 2 * HOUR);
  await w.drive(() => c.pay.customer.owing().length === 0, 10 * MIN);
  const b = await w.books(inv.id);
  assert.deepEqual(b.counts, [1, 1], 'recorded once in each ledger');
  assert.equal(b.paid, b.received, 'Σ paid = Σ received');
});

test('past the retry limit an invoice stays owed and shown with its reason', async (t) => {
  const w = await world(t);
  const { cid, sid } = w.ids;
  w.held(MiB);
  await w.advance(P);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv);
  await w.drive(
    () => w.supplier.pay.supplier.invoices.get(inv.id)!.status === 'accepted',
    10 * MIN
  );
  w.network.partition([cid], [sid]);
  const owing = () => w.customer().pay.customer.owing();
  await w.drive(() => owing()[0]?.state === 'given-up', 12 * HOUR, 5_000);
  assert.equal(owing()[0]!.failedRuns, MAX_RUNS);
  assert.equal(owing()[0]!.retryAt, undefined);
  assert.match(owing()[0]!.reason!, /timeout|ERR_/);
  // It stays: no further run, and a restart keeps it owed and shown.
  const c = await w.restartCustomer();
  c.pay.customer.resume();
  await w.advance(HOUR);
  assert.deepEqual(
    c.pay.customer.owing().map((o) => [o.invoice, o.state, o.failedRuns]),
    [[inv.id, 'given-up', MAX_RUNS]]
  );
  assert.equal(w.supplier.pay.supplier.invoices.get(inv.id)!.status, 'accepted', 'still owed');

  // Retried by hand (POST /api/ledger/invoices/:id/retry): one run, which pays once the supplier
  // is back; an unknown invoice or one already running is refused.
  assert.equal(c.pay.customer.retry('f'.repeat(32)), 'unknown');
  w.network.heal();
  assert.equal(c.pay.customer.retry(inv.id), 'started');
  assert.equal(c.pay.customer.retry(inv.id), 'not-given-up', 'its machine runs already');
  assert.equal(c.pay.customer.owing()[0]?.state, 'running');
  const status = () => w.supplier.pay.supplier.invoices.get(inv.id)!.status;
  await w.drive(() => status() === 'paid', HOUR);
  await w.drive(() => c.pay.customer.owing().length === 0, 10 * MIN);
  assert.equal(c.pay.customer.retry(inv.id), 'unknown', 'settled: nothing owed');
  const b = await w.books(inv.id);
  assert.deepEqual(b.counts, [1, 1], 'recorded once in each ledger');
  assert.equal(b.paid, b.received, 'Σ paid = Σ received');
});

test('a large write just before the period ends, timed seconds apart by the two parties, verifies', async (t) => {
  const w = await world(t);
  const { cid, sid } = w.ids;
  const c = w.customer();
  const feed = (pay: PaymentNode, role: 'customer' | 'supplier', peer: string, bytes: number) =>
    pay.feed({ type: 'meter.stored', role, peer, bytes, at: w.clock.now() });
  w.held(MiB);
  await w.advance(P - 5_000);
  // The supplier stores 63 MiB more 5 s before the boundary; the customer counts it when the
  // acknowledgement arrives, 3 s later. Over this period the two meters differ by a quarter.
  feed(w.supplier.pay, 'supplier', cid, 64 * MiB);
  await w.advance(3_000);
  feed(c.pay, 'customer', sid, 64 * MiB);
  await w.advance(2_000);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv);
  await w.drive(() => c.outcomes.has(inv.id), HOUR);
  assert.equal(c.outcomes.get(inv.id), 'settled');
  assert.equal(w.supplier.pay.supplier.invoices.get(inv.id)!.status, 'paid');
});

test('a bill cut after its boundary (a late tick) covers exactly its period and verifies', async (t) => {
  const w = await world(t);
  w.held(4 * MiB);
  await w.advance(P + MIN);
  w.held(8 * MiB); // the holding changed after the boundary, before the bill was cut
  await w.advance(MIN);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv);
  assert.equal(inv.storedByteMs, (BigInt(4 * MiB) * BigInt(P)).toString());
  await w.drive(() => w.customer().outcomes.has(inv.id), HOUR);
  assert.equal(w.customer().outcomes.get(inv.id), 'settled');
  // The next bill starts where this one ended.
  await w.advance(P);
  const [next] = await w.run(w.supplier.pay.supplier.invoiceAll(T0 + P, T0 + 2 * P));
  assert.equal(next?.periodStart, T0 + P);
  const expected = BigInt(4 * MiB) * BigInt(MIN) + BigInt(8 * MiB) * BigInt(P - MIN);
  assert.equal(next?.storedByteMs, expected.toString());
});
