// Disputes resolved by the supplier, on real LMDB files and the memory network with one simulated
// clock: a bill a little off (the two meters timed a write 50 s apart) is disputed with the
// customer's figure, re-issued at it and paid once, and a re-sent dispute, before or after a
// supplier restart, issues nothing new; a wildly inflated bill is disputed, stays owed and the
// customer is named for the rejector with reason `disputed`, across a restart too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashOf, signDispute } from '../ledger/index.js';
import { decideRejections } from '../../machines/customer-rejector/decide.js';
import { HOUR, MIN, MiB, P, T0, world, type PaymentPair } from '../../test/support/payment-pair.js';
import { billStore, type Billed } from './bills.js';
import { encodePayment, PAYMENT_SERVICE } from './wire.js';

/** The customer holds `bytes` from `at` by its own meter only. */
const customerSees = (w: PaymentPair, bytes: number) =>
  w.customer().pay.feed({
    type: 'meter.stored',
    role: 'customer',
    peer: w.ids.sid,
    bytes,
    at: w.clock.now()
  });
/** The supplier holds `bytes` from now by its own meter only. */
const supplierSees = (w: PaymentPair, bytes: number) =>
  w.supplier.pay.feed({
    type: 'meter.stored',
    role: 'supplier',
    peer: w.ids.cid,
    bytes,
    at: w.clock.now()
  });

/** Sends the customer's signed dispute of `invoiceId` again, claiming `claimed` byte-ms. */
async function redispute(w: PaymentPair, b: Billed, claimed: bigint) {
  const inv = b.invoice.invoice;
  const body = signDispute(w.keys[0]!, {
    v: 1,
    invoiceId: inv.id,
    invoiceHash: hashOf(inv),
    supplier: inv.supplier,
    customer: inv.customer,
    code: 'ERR_PAYMENT_USAGE',
    reason: 'again',
    storedByteMs: claimed.toString(),
    ts: w.clock.now()
  });
  return w.run(
    w.routers[0]!.request(w.ids.sid, 'cmd.request-service', {
      v: 1,
      service: PAYMENT_SERVICE,
      payload: encodePayment({ kind: 'dispute', body })
    })
  );
}

test('a bill a little off is disputed, re-issued at the customer figure and paid once', async (t) => {
  const w = await world(t);
  w.held(1 * MiB);
  await w.advance(2 * MIN);
  // The write is timed 50 s apart: 7.9 % of the period's usage, beyond the check's slack.
  supplierSees(w, 5 * MiB);
  await w.advance(50_000);
  customerSees(w, 5 * MiB);
  await w.advance(P - 2 * MIN - 50_000);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv, 'a bill was cut');
  const bills = () => w.supplier.pay.supplier.invoices;
  await w.drive(() => bills().get(inv.id)!.status === 'superseded', HOUR);
  const old = bills().get(inv.id)!;
  const fixed = old.correctedBy!;
  assert.ok(fixed, 'the superseded invoice names its correction');
  await w.drive(() => w.customer().outcomes.has(inv.id), MIN);
  assert.equal(w.customer().outcomes.get(inv.id), 'disputed');
  await w.drive(() => bills().get(fixed)?.status === 'paid', HOUR);
  const corrected = bills().get(fixed)!;
  assert.equal(corrected.corrects, inv.id);
  const ours = (1n * 170_000n + 5n * 430_000n) * BigInt(MiB);
  assert.equal(corrected.invoice.invoice.storedByteMs, ours.toString(), "the customer's figure");
  assert.equal(old.dispute?.claimedByteMs, ours.toString());
  assert.equal(old.dispute?.outcome, 'corrected');
  assert.ok(corrected.invoice.invoice.amount < inv.amount, 'billed less than the disputed bill');
  assert.equal(w.supplier.pay.supplier.debts.get(w.ids.cid)?.owed, 0n, 'nothing owed');
  assert.deepEqual(w.supplier.pay.supplier.forCause(), []);

  // A re-sent dispute, then one after a restart of the supplier: no second correction.
  const n = bills().size;
  await redispute(w, old, ours);
  await w.restartSupplier();
  assert.equal(bills().get(inv.id)?.status, 'superseded', 'kept on disk');
  assert.equal(bills().get(fixed)?.status, 'paid');
  const reply = await redispute(w, old, ours);
  assert.equal((reply as { type: string }).type, 'cmd.ack');
  await w.advance(5 * MIN);
  assert.equal(bills().size, n, 'no second correction');
  const b = await w.books(fixed);
  assert.deepEqual(b.counts, [1, 1], 'paid once, in each ledger');
  assert.deepEqual((await w.books(inv.id)).counts, [0, 0], 'the disputed bill is never paid');
  assert.equal(b.paid, b.received, 'Σ paid = Σ received');
});

test('a wildly inflated bill is disputed, stays owed and its customer is dropped for cause', async (t) => {
  const w = await world(t);
  supplierSees(w, 8 * MiB);
  customerSees(w, 1 * MiB);
  await w.advance(P);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv);
  const bills = () => w.supplier.pay.supplier.invoices;
  await w.drive(() => bills().get(inv.id)!.status === 'disputed', HOUR);
  const b = bills().get(inv.id)!;
  assert.equal(b.dispute?.outcome, 'dropped');
  assert.equal(b.dispute?.claimedByteMs, (BigInt(MiB) * BigInt(P)).toString());
  assert.match(b.dispute!.reason, /more than 10 % apart/);
  const size = bills().size;
  await redispute(w, b, BigInt(MiB) * BigInt(P));
  assert.equal(bills().size, size, 'nothing re-issued');
  await w.restartSupplier();
  const s = w.supplier.pay.supplier;
  assert.equal(s.debts.get(w.ids.cid)?.owed, BigInt(inv.amount), 'still owed after a restart');
  const cause = s.forCause();
  assert.deepEqual(
    cause.map((r) => [r.customer, r.reason]),
    [[w.ids.cid, 'disputed']]
  );
  // The rejector drops it on that verdict, with that reason.
  const account = {
    customer: w.ids.cid,
    grantedBytes: 64 * MiB,
    usedBytes: 8 * MiB,
    idleMs: 0,
    since: T0
  };
  const out = decideRejections(
    { accounts: [account], capacityBytes: 1 << 30, unpaid: cause },
    HOUR
  );
  assert.deepEqual(
    out.map((r) => [r.customer, r.reason]),
    [[w.ids.cid, 'disputed']]
  );
  assert.match(out[0]!.detail, /claims \d+ byte-ms, billed \d+/);
  const saved = await billStore(w.supplier.root.sub('bills')).load();
  assert.equal(saved.invoices.get(inv.id)?.dispute?.outcome, 'dropped');
});

test('a dispute not signed by the customer, or for another invoice, is refused', async (t) => {
  const w = await world(t);
  w.held(2 * MiB);
  await w.advance(P);
  w.network.partition([w.ids.cid], [w.ids.sid]);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  w.network.heal();
  const b = w.supplier.pay.supplier.invoices.get(inv!.id)!;
  const forged = signDispute(w.keys[1]!, {
    v: 1,
    invoiceId: inv!.id,
    invoiceHash: hashOf(inv),
    supplier: w.ids.sid,
    customer: w.ids.cid,
    code: 'X',
    reason: 'x',
    storedByteMs: '0',
    ts: w.clock.now()
  });
  const reply = await w.run(
    w.routers[0]!.request(w.ids.sid, 'cmd.request-service', {
      v: 1,
      service: PAYMENT_SERVICE,
      payload: encodePayment({ kind: 'dispute', body: forged })
    })
  );
  assert.equal(
    ((reply as { body: unknown }).body as { code?: string }).code,
    'ERR_PAYMENT_SIGNATURE'
  );
  const other = { ...b, invoice: { ...b.invoice, invoice: { ...inv!, amount: 1 } } };
  const reply2 = await redispute(w, other, 0n);
  assert.equal(
    ((reply2 as { body: unknown }).body as { code?: string }).code,
    'ERR_PAYMENT_MISMATCH'
  );
  assert.equal(b.status, 'sent', 'unchanged');
});
