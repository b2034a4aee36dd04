// A payer running altered code signs its second payment at the position of its first, each to a
// different supplier (real nodes, LMDB, the DHT layer `spends`, one TestClock). The payee that
// reads the other's record refuses the payment with a proof of double signing that verifies,
// keeps it across the check and refuses the payer from then on; payments that went through are
// recorded once in both ledgers and every chain audits clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupTree } from '../actors/storage/customer-files.js';
import type { LedgerEntry } from '../actors/ledger/index.js';
import { verifyFork } from '../actors/payment/spend.js';
import { seededBytes } from './support/storage-data.js';
import { DEVNET_PAY_RICH, HOUR, MIN, paymentDevnet } from './support/payment-devnet.js';

const T0 = Date.UTC(2026, 0, 5);
const PAY = DEVNET_PAY_RICH;

test(
  'a payer signing two payments at one position is caught by the second payee',
  { timeout: 300_000 },
  async (t) => {
    const net = await paymentDevnet(T0, 13);
    t.after(() => net.stop());
    for (const s of ['s0', 's1']) await net.add(s, { supplier: true, payment: PAY });
    // Position 2 is signed as position 1 again (the total stays the true one).
    const forger = {
      ...PAY,
      alterSpend: (s: { n: number; total: string }) => (s.n === 2 ? { ...s, n: 1 } : s)
    };
    const c = await net.add('c', { customerOf: ['s0', 's1'], payment: forger });
    await net.drive(() => c.services.customer()?.ready() === true, 10 * MIN);
    const dir = join(net.base, 'src-c');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'f.bin'), seededBytes(3, 'f.bin', 256 * 1024));
    assert.deepEqual((await net.run(backupTree(c.services.customer()!, dir))).problems, []);

    const rt = (name: string) => net.get(name).services.payment()!;
    const forks = () => ['s0', 's1'].flatMap((s) => rt(s).pay.supplier.forks());
    await net.drive(() => forks().length > 0, 2 * HOUR);
    const [proof] = forks();
    assert.equal(proof!.payer, c.node.id);
    assert.equal(proof!.n, 1);
    assert.ok(verifyFork(proof), 'the kept proof verifies');
    const caught = ['s0', 's1'].find((s) => rt(s).pay.supplier.forks().length > 0)!;
    // The refused payment is not recorded by the payee that caught it.
    const refused = [proof!.a, proof!.b].find((x) => x.payment.payee === net.get(caught).node.id)!;
    await net.advance(30 * MIN);
    const status = rt(caught).pay.supplier.invoices.get(refused.payment.invoiceId)?.status;
    assert.notEqual(status, 'paid', 'the forked payment is refused');

    // What went through is recorded once on both sides; every chain audits clean.
    const transfers = async (name: string) => {
      await rt(name).ledger.idle();
      const rows = await rt(name).store.range<LedgerEntry>({ prefix: 'e/' });
      return rows
        .filter((e) => e.value.body.kind === 'transfer')
        .map((e) => (e.value.body as { settled: { payment: { id: string } } }).settled.payment.id);
    };
    const paid = await transfers('c');
    const received = [...(await transfers('s0')), ...(await transfers('s1'))];
    assert.deepEqual([...paid].sort(), [...received].sort(), 'both ledgers agree');
    assert.ok(!received.includes(refused.payment.id));
    for (const name of ['s0', 's1', 'c']) assert.ok((await rt(name).audit()).ok, `${name}: audit`);
  }
);
