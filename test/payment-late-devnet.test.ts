// Late invoices in real nodes (createNode + storageServices with payments, LMDB, the router) on one
// TestClock: a customer is down across several billing periods, so the invoices its suppliers cut
// meanwhile reach it only after it restarts, re-sent with the next bill. It checks each against
// its saved meter history for exactly that period: every one verifies and is paid once, none is
// disputed, Σ paid = Σ received and every chain audits clean. Without the saved history the
// customer has no figures for those periods and disputes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  auditedTotals,
  transfersFor,
  DEVNET_PAY_RICH,
  HOUR,
  MIN,
  paymentDevnet
} from './support/payment-devnet.js';

const T0 = Date.UTC(2026, 0, 7);

test(
  'a customer down across billing periods: the invoices it missed verify against its saved history and are paid once',
  { timeout: 300_000 },
  async (t) => {
    const net = await paymentDevnet(T0, 12);
    t.after(() => net.stop());
    const two = await net.customerOfTwo(DEVNET_PAY_RICH);
    const spec = two.spec;
    let c = two.c;
    await net.backUp(c, 6);
    const bills = (s: string) =>
      [...net.get(s).services.payment()!.pay.supplier.invoices.values()].filter(
        (b) => b.invoice.invoice.customer === c.node.id
      );
    await net.drive(() => bills('s0').filter((b) => b.status === 'paid').length >= 1, HOUR);

    // Down from mid-period for three periods: three bills per supplier are cut and not delivered.
    await net.drive(() => net.clock.now() % (10 * MIN) >= 3 * MIN, 10 * MIN);
    await net.run(c.node.stop());
    const before = new Map(
      ['s0', 's1'].map((s) => [s, new Set(bills(s).map((b) => b.invoice.invoice.id))])
    );
    await net.advance(35 * MIN);
    const missed = ['s0', 's1'].flatMap((s) =>
      bills(s).filter((b) => !before.get(s)!.has(b.invoice.invoice.id))
    );
    assert.ok(missed.length >= 6, `${missed.length} bills cut while the customer was down`);
    assert.ok(
      missed.every((b) => b.status === 'sent'),
      'none answered while down'
    );

    c = await net.add('c', spec);
    const ids = new Set(missed.map((b) => b.invoice.invoice.id));
    const settled = () =>
      ['s0', 's1']
        .flatMap(bills)
        .filter((b) => ids.has(b.invoice.invoice.id))
        .every((b) => b.status === 'paid' || b.status === 'disputed');
    await net.drive(settled, 2 * HOUR);
    assert.deepEqual(
      ['s0', 's1']
        .flatMap(bills)
        .filter((b) => ids.has(b.invoice.invoice.id) && b.status !== 'paid')
        .map((b) => `${b.invoice.invoice.id}:${b.status}`),
      [],
      'every missed bill verified and paid'
    );

    // The receipts reach the customer.
    const owes = () =>
      c.services
        .payment()!
        .pay.customer.owing()
        .filter((o) => ids.has(o.invoice));
    await net.drive(() => owes().length === 0, HOUR);
    // And no payment of a later bill is between the supplier's ledger and ours: the sums compare.
    const all = () => c.services.payment()!.pay.customer.owing();
    await net.drive(() => all().every((o) => o.stage !== 'signed'), HOUR);

    for (const name of ['s0', 's1', 'c']) {
      const rt = net.get(name).services.payment()!;
      for (const id of ids) {
        const mine = missed.some(
          (b) => b.invoice.invoice.id === id && b.invoice.invoice.supplier === net.get(name).node.id
        );
        if (name === 'c' || mine) {
          assert.equal(await transfersFor(rt, id), 1, `${name}: ${id} recorded once`);
        }
      }
    }
    const { paid, received } = await auditedTotals(['s0', 's1', 'c'].map((x) => net.get(x)));
    assert.equal(paid, received, 'Σ paid = Σ received');
  }
);
