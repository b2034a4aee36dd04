// A payment given up on, retried by hand through the API, in real nodes (createNode +
// storageServices with payments) on one TestClock: a customer accepts a bill and is then cut off
// from that supplier until its payment machine has failed 8 runs (`owing` state `given-up`). With
// the link back, `POST /api/ledger/invoices/:id/retry` answers 202 and runs it once more, a second
// request while it runs answers 409, the bill is paid and recorded once on each side, and a retry
// of the settled invoice answers 404.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupTree } from '../actors/storage/customer-files.js';
import type { LedgerEntry } from '../actors/ledger/index.js';
import { createInspectionBridge } from '../actors/inspection/create-inspection-bridge.js';
import { buildApp } from '../server/app.js';
import { seededBytes } from './support/storage-data.js';
import { DEVNET_PAY_RICH, HOUR, MIN, paymentDevnet } from './support/payment-devnet.js';

const T0 = Date.UTC(2026, 0, 5);

test(
  'a payment given up on is retried by hand through the API and paid once',
  { timeout: 600_000 },
  async (t) => {
    const net = await paymentDevnet(T0, 13);
    t.after(() => net.stop());
    for (const s of ['s0', 's1', 's2'])
      await net.add(s, { supplier: true, payment: DEVNET_PAY_RICH });
    const c = await net.add('c', { customerOf: ['s0', 's1', 's2'], payment: DEVNET_PAY_RICH });
    await net.drive(() => c.services.customer()?.ready() === true, 10 * MIN);
    const rt = () => c.services.payment()!;
    await net.drive(
      () =>
        rt()
          .pay.contracts()
          .filter((k) => k.terms.customer === rt().pay.id).length === 2,
      10 * MIN
    );
    const dir = join(net.base, 'src-c');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'f.bin'), seededBytes(5, 'c', 256 * 1024));
    assert.deepEqual((await net.run(backupTree(c.services.customer()!, dir))).problems, []);

    // The first bill s0 cuts is accepted; then c and s0 lose each other.
    const s0 = net.get('s0').services.payment()!.pay.supplier;
    const bill = () =>
      [...s0.invoices.values()].find((b) => b.invoice.invoice.customer === c.node.id);
    await net.drive(() => bill()?.status === 'accepted', HOUR);
    const id = bill()!.invoice.invoice.id;
    net.devnet.network.partition([c.node.id], [net.get('s0').node.id]);
    const owed = () =>
      rt()
        .pay.customer.owing()
        .find((o) => o.invoice === id);
    await net.drive(() => owed()?.state === 'given-up', 10 * HOUR, 5_000);
    assert.equal(owed()!.failedRuns, 8);
    net.devnet.network.heal();

    const token = 't'.repeat(43);
    const app = await buildApp({
      token,
      nodes: () => [c.node],
      bridge: createInspectionBridge({ clock: net.clock })
    });
    t.after(() => app.close());
    const retry = (invoice: string) =>
      app.inject({
        method: 'POST',
        url: `/api/ledger/invoices/${invoice}/retry?node=${c.node.id}`,
        headers: { authorization: `Bearer ${token}` }
      });
    const started = await retry(id);
    assert.equal(started.statusCode, 202, started.body);
    assert.deepEqual(started.json(), { node: c.node.id, invoice: id, state: 'running' });
    const again = await retry(id);
    assert.equal(again.statusCode, 409, again.body);
    assert.equal((again.json() as { code: string }).code, 'ERR_API_NOT_GIVEN_UP');

    await net.drive(() => bill()!.status === 'paid', HOUR);
    await net.drive(() => owed() === undefined, 10 * MIN);
    const gone = await retry(id);
    assert.equal(gone.statusCode, 404, gone.body);
    for (const n of ['c', 's0']) {
      const p = net.get(n).services.payment()!;
      await p.ledger.idle();
      const rows = await p.store.range<LedgerEntry>({ prefix: 'e/' });
      const paid = rows.filter(
        (e) => e.value.body.kind === 'transfer' && e.value.body.settled.payment.invoiceId === id
      );
      assert.equal(paid.length, 1, `${n}: recorded once`);
    }
  }
);
