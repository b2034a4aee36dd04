// Disputes in real nodes (createNode + storageServices with payments: LMDB ledgers, Noise sessions,
// the router, the customer-rejector and fire-hire) on one TestClock. Supplier s0 bills its customer
// `fair` 5 % more than it held in one period: `fair` disputes it with its own figure, s0 re-issues
// the bill at that figure (the first one superseded) and `fair` pays the correction once. Supplier
// s1 bills `greedy` four times what it held: `greedy` disputes, s1 keeps the bill owed and drops
// `greedy` for cause (`disputed`), and `greedy`'s fire-hire replaces s1 with s2. Σ paid = Σ
// received and every chain audits clean.
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupTree } from '../actors/storage/customer-files.js';
import { createInspectionBridge } from '../actors/inspection/create-inspection-bridge.js';
import { buildApp } from '../server/app.js';
import { LedgerView } from '../server/routes/ledger.js';
import { printBalance } from '../server/cli/ledger-commands.js';
import { seededBytes } from './support/storage-data.js';
import {
  auditedTotals,
  transfersFor,
  DEVNET_PAY_RICH,
  HOUR,
  MIN,
  paymentDevnet
} from './support/payment-devnet.js';

const T0 = Date.UTC(2026, 0, 5);
const KiB = 1024;

/** Alters the second bill cut for `victim()` by `num / den`, once (a supplier's altered code). */
function inflate(victim: () => string | undefined, num: bigint, den: bigint) {
  let bills = 0;
  return (byteMs: bigint, customer: string) =>
    customer === victim() && ++bills === 2 ? (byteMs * num) / den : byteMs;
}

test(
  'a bill a little off is corrected and paid once; a wildly inflated one ends service',
  { timeout: 600_000 },
  async (t) => {
    const net = await paymentDevnet(T0, 11);
    t.after(() => net.stop());
    const id = (name: string) => net.nodes.get(name)?.node.id;
    await net.add('s0', {
      supplier: true,
      payment: { ...DEVNET_PAY_RICH, alterUsage: inflate(() => id('fair'), 105n, 100n) }
    });
    await net.add('s1', {
      supplier: true,
      payment: { ...DEVNET_PAY_RICH, alterUsage: inflate(() => id('greedy'), 4n, 1n) }
    });
    await net.add('s2', { supplier: true, payment: DEVNET_PAY_RICH });
    const fair = await net.add('fair', { customerOf: ['s0', 's1'], payment: DEVNET_PAY_RICH });
    const greedy = await net.add('greedy', {
      customerOf: ['s1', 's0', 's2'],
      payment: DEVNET_PAY_RICH
    });
    const customers = [fair, greedy];
    await net.drive(
      () => customers.every((c) => c.services.customer()?.ready() === true),
      10 * MIN
    );
    await net.drive(
      () =>
        customers.every((c) => {
          const rt = c.services.payment()!;
          return rt.pay.contracts().filter((k) => k.terms.customer === rt.pay.id).length === 2;
        }),
      10 * MIN
    );
    for (const c of customers) {
      const dir = join(net.base, `src-${c.name}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'f.bin'), seededBytes(3, c.name, 256 * KiB));
      assert.deepEqual((await net.run(backupTree(c.services.customer()!, dir))).problems, []);
    }
    const pay = (name: string) => net.get(name).services.payment()!;
    const billsTo = (supplier: string, customer: string) =>
      [...pay(supplier).pay.supplier.invoices.values()].filter(
        (b) => b.invoice.invoice.customer === id(customer)
      );

    // s0's inflated bill is disputed, superseded by a correction at fair's figure, which is paid.
    const corrected = () => billsTo('s0', 'fair').find((b) => b.corrects !== undefined);
    await net.drive(() => corrected()?.status === 'paid', 3 * HOUR);
    const fix = corrected()!;
    const old = pay('s0').pay.supplier.invoices.get(fix.corrects!)!;
    assert.equal(old.status, 'superseded');
    assert.equal(old.correctedBy, fix.invoice.invoice.id);
    assert.equal(old.dispute?.outcome, 'corrected');
    assert.equal(fix.invoice.invoice.storedByteMs, old.dispute?.claimedByteMs);
    // The figure fair claimed is what s0 really held: the bill before the 5 %.
    const claimed = BigInt(fix.invoice.invoice.storedByteMs);
    assert.equal(BigInt(old.invoice.invoice.storedByteMs), (claimed * 105n) / 100n);
    assert.ok(fix.invoice.invoice.amount < old.invoice.invoice.amount);
    assert.equal(billsTo('s0', 'fair').filter((b) => b.corrects).length, 1, 'one correction');

    // s1's wildly inflated bill is disputed and kept owed; greedy is dropped and s1 replaced.
    const s1 = id('s1')!;
    await net.drive(
      () =>
        greedy.services
          .customer()!
          .seats()
          .some((s) => s.status === 'hired' && s.supplierId === id('s2')),
      3 * HOUR
    );
    const fired = greedy.services.customer()!.fired();
    assert.ok(
      fired.some((f) => f.supplierId === s1 && /disputed/.test(f.reason)),
      JSON.stringify(fired)
    );
    const disputed = billsTo('s1', 'greedy').filter((b) => b.status === 'disputed');
    assert.equal(disputed.length, 1);
    assert.equal(disputed[0]!.dispute?.outcome, 'dropped');
    assert.ok((pay('s1').pay.supplier.debts.get(id('greedy')!)?.owed ?? 0n) > 0n, 'still owed');
    const rejected = await net.get('s1').services.supplier()!.rejection(id('greedy')!);
    assert.match(rejected?.reason ?? '', /^disputed: invoice \w+: claims \d+ byte-ms, billed \d+/);
    // fair, also on s1 and billed honestly there, is never dropped.
    assert.equal(await net.get('s1').services.supplier()!.rejection(id('fair')!), undefined);

    // GET /api/ledger shows both outcomes within its schema; `bitdust ledger` prints them.
    const token = 't'.repeat(43);
    const app = await buildApp({
      token,
      nodes: () => ['s0', 's1'].map((n) => net.get(n).node),
      bridge: createInspectionBridge({ clock: net.clock })
    });
    t.after(() => app.close());
    const disputesOf = async (name: string) => {
      const res = await app.inject({
        url: `/api/ledger?node=${id(name)}`,
        headers: { authorization: `Bearer ${token}` }
      });
      assert.equal(res.statusCode, 200, res.body);
      const view: unknown = res.json();
      assert.ok(Value.Check(LedgerView, view), `${name}: the answer fits its schema`);
      const lines: string[] = [];
      printBalance(view, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
      return { disputes: view.disputes, lines: lines.filter((l) => l.includes('dispute ')) };
    };
    const v0 = await disputesOf('s0');
    assert.deepEqual(
      v0.disputes.map((d) => [d.invoice, d.status, d.correctedBy, d.claimedByteMs]),
      [[old.invoice.invoice.id, 'superseded', fix.invoice.invoice.id, String(claimed)]]
    );
    assert.equal(v0.lines.length, 1);
    assert.match(v0.lines[0]!, /superseded by \w+: claims \d+ byte-ms, billed \d+; re-issued/);
    const v1 = await disputesOf('s1');
    assert.deepEqual(
      v1.disputes.map((d) => [d.customer, d.status]),
      [[id('greedy'), 'disputed']]
    );
    assert.match(v1.lines[0]!, /disputed, still owed: .*more than 10 % apart/);

    // Let the last bills settle, then: paid once, conserved, every chain clean.
    await net.advance(25 * MIN);
    const transfers = (name: string, invoice: string) => transfersFor(pay(name), invoice);
    assert.equal(await transfers('fair', fix.invoice.invoice.id), 1);
    assert.equal(await transfers('s0', fix.invoice.invoice.id), 1);
    assert.equal(await transfers('s0', old.invoice.invoice.id), 0);
    const { paid, received } = await auditedTotals(net.nodes.values());
    assert.equal(paid, received, 'Σ paid = Σ received');
    assert.ok(paid > 0n);
  }
);
