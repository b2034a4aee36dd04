// Payees that cannot reach the DHT do not countersign (real nodes, LMDB, the memory network, one
// TestClock). With every node's DHT handlers stopped, a customer's first bills are accepted and
// paid, but each supplier answers ERR_PAYMENT_UNCHECKED: nothing is recorded on either side and
// the customer's payment machines wait in `unchecked`. Once the DHT answers again, the same
// payments are sent again, countersigned and recorded once in both ledgers, and every chain
// audits clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyActorRef } from 'xstate';
import type { LedgerEntry } from '../actors/ledger/index.js';
import { DEVNET_PAY_RICH, HOUR, paymentDevnet } from './support/payment-devnet.js';

const T0 = Date.UTC(2026, 0, 7);
const PAY = DEVNET_PAY_RICH;

test(
  'a payee that cannot reach the DHT refuses as unchecked; the payer pays again later',
  { timeout: 300_000 },
  async (t) => {
    const net = await paymentDevnet(T0, 17);
    t.after(() => net.stop());
    const { c } = await net.customerOfTwo(PAY, PAY);
    await net.backUp(c, 5);

    const rt = (name: string) => net.get(name).services.payment()!;
    const dhts = [...net.devnet.nodes, ...[...net.nodes.values()].map((n) => n.node)].map(
      (n) => n.network()!.dht
    );
    // No DHT node answers any more: every publish and read of the suppliers fails.
    for (const d of dhts) d.stop();
    const machines = () =>
      Promise.all([...rt('c').pay.customer.runs.values()]) as Promise<AnyActorRef[]>;
    let states: string[] = [];
    await net.drive(() => {
      void machines().then((ms) => (states = ms.map((m) => String(m.getSnapshot().value))));
      return states.filter((s) => s === 'unchecked').length >= 2;
    }, HOUR);
    const errors = (await machines()).map((m) => m.getSnapshot().context.lastError as string);
    assert.ok(errors.some((e) => /ERR_PAYMENT_UNCHECKED: cannot check the spend position/.test(e)));

    const transfers = async (name: string) => {
      await rt(name).ledger.idle();
      const rows = await rt(name).store.range<LedgerEntry>({ prefix: 'e/' });
      return rows
        .filter((e) => e.value.body.kind === 'transfer')
        .map((e) => (e.value.body as { settled: { payment: { id: string } } }).settled.payment.id);
    };
    for (const name of ['s0', 's1', 'c']) {
      assert.deepEqual(await transfers(name), [], `${name}: nothing countersigned or recorded`);
    }
    const paidAt = (s: string) =>
      [...rt(s).pay.supplier.invoices.values()].filter((b) => b.status === 'paid').length;
    assert.equal(paidAt('s0') + paidAt('s1'), 0);

    // The DHT answers again: the machines' next resend goes through.
    for (const d of dhts) d.start();
    await net.drive(() => {
      void machines().then((ms) => (states = ms.map((m) => String(m.getSnapshot().value))));
      return states.filter((s) => s === 'settled').length >= 2;
    }, 2 * HOUR);
    assert.ok(paidAt('s0') > 0 && paidAt('s1') > 0, 'both suppliers paid');
    const paid = await transfers('c');
    assert.ok(paid.length >= 2);
    const received = [...(await transfers('s0')), ...(await transfers('s1'))];
    assert.deepEqual([...paid].sort(), [...received].sort(), 'recorded once on both sides');
    assert.equal(new Set(paid).size, paid.length);
    for (const s of ['s0', 's1']) assert.deepEqual(rt(s).pay.supplier.forks(), []);
    for (const name of ['s0', 's1', 'c']) assert.ok((await rt(name).audit()).ok, `${name}: audit`);
  }
);
