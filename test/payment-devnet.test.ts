// Payments wired into real nodes (createNode + storageServices with payments: LMDB ledgers, Noise
// sessions, the router, fire-hire) on one TestClock. A customer that donates nothing runs out of
// its start grant, passes its credit limit and is refused new data with the reason; after the grace
// period its suppliers' rejectors drop it (`unpaid`) and its fire-hire hires replacements. A node
// that donates more than it consumes pays nothing (waivers); a paying customer is never refused.
// Balances are conserved across every ledger and every chain audits clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyActorRef } from 'xstate';
import { backupTree } from '../actors/storage/customer-files.js';
import { ledgerSummary, type LedgerEntry } from '../actors/ledger/index.js';
import { shardHash } from '../actors/storage/merkle.js';
import { decideStanding } from '../machines/payment/fairness.js';
import { seededBytes } from './support/storage-data.js';
import {
  auditedTotals,
  transfersFor,
  DEVNET_PAY,
  DEVNET_PAY_RICH,
  HOUR,
  MIN,
  paymentDevnet
} from './support/payment-devnet.js';

const T0 = Date.UTC(2026, 0, 5);
const KiB = 1024;
const PAY = DEVNET_PAY;
const RICH = DEVNET_PAY_RICH;

function file(dir: string, name: string, bytes: number, seed: number): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), seededBytes(seed, name, bytes));
  return dir;
}

test(
  'a freeloader is refused, dropped as unpaid and replaced; a donor pays nothing; ledgers balance',
  { timeout: 600_000 },
  async (t) => {
    const net = await paymentDevnet(T0);
    t.after(() => net.stop());
    for (const s of ['s0', 's1', 's2', 's3']) await net.add(s, { supplier: true, payment: PAY });
    // donor: supplies the paying customer, keeps a little of its own on s0 and s1.
    const donor = await net.add('donor', {
      supplier: true,
      customerOf: ['s0', 's1'],
      payment: PAY
    });
    const payer = await net.add('payer', { customerOf: ['donor', 's3'], payment: RICH });
    const free = await net.add('free', { customerOf: ['s0', 's1', 's2', 's3'], payment: PAY });
    const customers = [payer, donor, free];
    const ready = (n: typeof payer) => n.services.customer()?.ready() === true;
    await net
      .drive(() => customers.every(ready), 10 * MIN)
      .catch((e) => {
        for (const x of customers)
          console.log(x.name, JSON.stringify(x.services.customer()?.seats()), x.node.services());
        throw e;
      });

    // Contracts signed by both parties over the router, one per hired supplier.
    await net.drive(
      () =>
        customers.every((c) => {
          const rt = c.services.payment()!;
          return rt.pay.contracts().filter((k) => k.terms.customer === rt.pay.id).length === 2;
        }),
      10 * MIN
    );

    const src = (n: string) => join(net.base, `src-${n}`);
    const backup = async (c: typeof payer, bytes: number) => {
      const dir = file(src(c.name), 'f.bin', bytes, bytes);
      return net.run(backupTree(c.services.customer()!, dir));
    };
    assert.deepEqual((await backup(payer, 512 * KiB)).problems, []);
    assert.deepEqual((await backup(donor, 32 * KiB)).problems, []);
    assert.deepEqual((await backup(free, 1024 * KiB)).problems, []);

    const node = (name: string) => net.get(name);
    const pay = (name: string) => node(name).services.payment()!;
    const standing = (supplier: string, customer: string) => {
      const d = pay(supplier).pay.supplier.debts.get(node(customer).node.id);
      return d ? decideStanding(d, net.clock.now(), PAY.fairness!).standing : 'good';
    };

    // The freeloader's start grant runs out; its debt passes the limit at s0.
    await net.drive(() => standing('s0', 'free') !== 'good', 3 * HOUR);
    assert.equal(standing('s0', 'free'), 'refused');
    // New data is refused, with the reason, while the old stays.
    const shard = new Uint8Array(1000).fill(7);
    const refusal = await net
      .run(
        free.services
          .customer()!
          .options.client.putShard(pay('s0').pay.id, 'x1/00000000/000', shard, shardHash(shard))
      )
      .then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string }
      );
    assert.equal(refusal?.code, 'ERR_STORAGE_UNPAID');
    assert.match(refusal!.message, /unpaid: owes \d+ µc/);

    // After the grace period the rejector drops it (`unpaid`), and fire-hire replaces s0 / s1.
    const fireHire = free.node.root.system.get('storage.fire-hire') as AnyActorRef;
    const original = new Set([pay('s0').pay.id, pay('s1').pay.id]);
    await net.drive(
      () =>
        free.services
          .customer()!
          .seats()
          .some((s) => s.status === 'hired' && s.supplierId && !original.has(s.supplierId)),
      3 * HOUR
    );
    const fired = free.services.customer()!.fired();
    assert.ok(fired.length >= 1);
    assert.ok(
      fired.every((f) => original.has(f.supplierId) && /unpaid/.test(f.reason)),
      JSON.stringify(fired)
    );
    // The supplier that was replaced had dropped the customer, saying why.
    const gone = [...net.nodes.values()].find((n) => n.node.id === fired[0]!.supplierId)!;
    const rejected = await gone.services.supplier()!.rejection(free.node.id);
    assert.match(rejected?.reason ?? '', /^unpaid: owes \d+ µc, over the limit/);
    const rejector = gone.node.root.system.get('storage.customer-rejector') as AnyActorRef;
    const history = rejector.getSnapshot().context.history as Array<{ reason: string }>;
    assert.ok(history.some((r) => r.reason === 'unpaid'));
    assert.ok(fireHire.getSnapshot().context.fired.length >= 1);

    // Let the last bills settle: two more periods.
    await net.advance(25 * MIN);

    // The donor paid nothing: every payment of its own is a waiver, and it was paid by the payer.
    const summary = (name: string) => ledgerSummary(pay(name).store);
    const d = await summary('donor');
    assert.equal(d.paid, '0');
    assert.ok(BigInt(d.consumedByteMs) > 0n, 'the donor consumed storage');
    assert.ok(BigInt(d.received) > 0n, 'the donor was paid for what it stores');
    const entries = await pay('donor').store.range<LedgerEntry>({ prefix: 'e/' });
    const waivers = entries.filter(
      (e) =>
        e.value.body.kind === 'transfer' &&
        e.value.body.settled.payment.payer === donor.node.id &&
        e.value.body.settled.payment.waived
    );
    assert.ok(waivers.length >= 2, `${waivers.length} waivers`);
    // The payer paid and was never refused.
    assert.ok(BigInt((await summary('payer')).paid) > 0n);
    assert.equal(standing('donor', 'payer'), 'good');
    assert.equal(standing('s3', 'payer'), 'good');

    // Conservation and the audit, on every node's ledger.
    const { balances, grants, paid, received } = await auditedTotals(net.nodes.values());
    if (process.env.PAY_DEBUG) {
      for (const n of net.nodes.values())
        console.log(n.name, JSON.stringify(await ledgerSummary(n.services.payment()!.store)));
      console.log(
        'waivers',
        waivers.length,
        'fired',
        JSON.stringify(fired),
        (net.clock.now() - T0) / MIN
      );
    }
    assert.equal(balances, grants);
    assert.equal(paid, received);
    assert.ok(paid > 0n);

    // Every exchange ran as an actor under the payment supervisor (the inspector sees them).
    const upkeep = free.node.root.system.get('payment.upkeep') as AnyActorRef;
    const ticks = upkeep.getSnapshot().context.ticks as number;
    upkeep.send({ type: 'payment.tick' });
    await net.drive(
      () => upkeep.getSnapshot().context.ticks > ticks && upkeep.getSnapshot().value === 'idle',
      MIN
    );
    const view = upkeep.getSnapshot().context.view as { balance: string; customers: unknown[] };
    assert.equal(view.balance, (await summary('free')).balance);
    const s0view = (gone.node.root.system.get('payment.upkeep') as AnyActorRef).getSnapshot()
      .context.view as { customers: Array<{ customer: string; standing: string }> };
    assert.ok(
      s0view.customers.some((c) => c.customer === free.node.id && c.standing === 'dropped')
    );
    const children = Object.keys(
      (free.node.root.system.get('service.payment') as AnyActorRef | undefined)?.getSnapshot()
        .children ?? {}
    );
    assert.ok(children.length > 0);
  }
);

test(
  'a customer restarts: its contracts are kept, its meter is re-learnt, later bills verify and are paid',
  { timeout: 300_000 },
  async (t) => {
    const net = await paymentDevnet(T0, 9);
    t.after(() => net.stop());
    const two = await net.customerOfTwo(RICH);
    const spec = two.spec;
    let c = two.c;
    const own = () => {
      const rt = c.services.payment()!;
      return rt.pay.contracts().filter((k) => k.terms.customer === rt.pay.id);
    };
    await net.drive(() => own().length === 2, 10 * MIN);
    const before = own()
      .map((k) => k.terms.id)
      .sort();
    await net.backUp(c, 3);

    const payments = async () => {
      const rt = c.services.payment()!;
      await rt.ledger.idle();
      const rows = await rt.store.range<LedgerEntry>({ prefix: 'e/' });
      return rows.filter(
        (e) => e.value.body.kind === 'transfer' && e.value.body.settled.payment.amount > 0
      ).length;
    };
    let paid = 0;
    const until = async (n: number) => {
      for (let i = 0; i < 40 && paid < n; i++) {
        await net.advance(5 * MIN);
        paid = await payments();
      }
    };
    await until(2);
    assert.ok(paid >= 2, `${paid} payments before the restart`);

    // Restart mid-period: stop the node, start it again from the same data dir.
    await net.drive(() => net.clock.now() % (10 * MIN) >= 4 * MIN, 10 * MIN);
    await net.run(c.node.stop());
    c = await net.add('c', spec);
    assert.deepEqual(
      own()
        .map((k) => k.terms.id)
        .sort(),
      before,
      'contracts kept on disk'
    );
    const after = paid;
    await until(after + 4);
    assert.ok(paid >= after + 4, `${paid - after} payments after the restart`);
    for (const s of ['s0', 's1']) {
      const sup = net.get(s).services.payment()!.pay;
      const mine = [...sup.supplier.invoices.values()].filter(
        (b) => b.invoice.invoice.customer === c.node.id
      );
      assert.ok(mine.length >= 3, `${s}: ${mine.length} invoices`);
      assert.deepEqual(
        mine.filter((b) => b.status === 'disputed').map((b) => b.invoice.invoice.id),
        [],
        `${s}: no invoice disputed`
      );
      assert.equal(sup.contracts().filter((k) => k.terms.customer === c.node.id).length, 1);
    }
    const report = await c.services.payment()!.audit();
    assert.ok(report.ok);
  }
);

test(
  'a supplier restarts with a bill open: it still knows what it is owed, is paid once, ledgers balance',
  { timeout: 300_000 },
  async (t) => {
    const net = await paymentDevnet(T0, 10);
    t.after(() => net.stop());
    const { c } = await net.customerOfTwo(RICH);
    await net.backUp(c, 4);
    const sup = () => net.get('s0').services.payment()!.pay.supplier;
    const mine = () =>
      [...sup().invoices.values()].filter((b) => b.invoice.invoice.customer === c.node.id);
    const paidCount = () => mine().filter((b) => b.status === 'paid').length;
    await net.drive(() => paidCount() >= 2, 2 * HOUR);

    // Stop s0 once the customer accepted a bill and before it pays (it waits payDelayMs): the bill
    // is open and the customer's payment machine is in flight across the restart.
    await net.drive(() => mine().some((b) => b.status === 'accepted'), HOUR);
    const open = mine().find((b) => b.status === 'accepted')!;
    const id = open.invoice.invoice.id;
    const known = mine()
      .map((b) => `${b.invoice.invoice.id}:${b.status}`)
      .sort();
    const owed = sup().debts.get(c.node.id)!.owed;
    assert.ok(owed >= BigInt(open.invoice.invoice.amount) && owed > 0n, `owed ${owed}`);
    await net.run(net.get('s0').node.stop());
    await net.add('s0', { supplier: true, payment: PAY });
    assert.deepEqual(
      mine()
        .map((b) => `${b.invoice.invoice.id}:${b.status}`)
        .sort(),
      known,
      'every invoice and its status restored'
    );
    assert.equal(sup().debts.get(c.node.id)!.owed, owed, 'the debt restored');

    // The open bill is paid after the restart, once; later bills verify and are paid too.
    const before = mine().length;
    await net.drive(() => sup().invoices.get(id)?.status === 'paid', HOUR);
    await net.drive(() => mine().length >= before + 2 && paidCount() >= before + 1, 2 * HOUR);
    assert.deepEqual(
      mine()
        .filter((b) => b.status === 'disputed')
        .map((b) => b.invoice.invoice.id),
      [],
      'no invoice disputed'
    );
    for (const name of ['s0', 'c']) {
      const n = await transfersFor(net.get(name).services.payment()!, id);
      assert.equal(n, 1, `${name}: the open bill recorded once`);
    }
    const { paid, received } = await auditedTotals(['s0', 's1', 'c'].map((x) => net.get(x)));
    assert.equal(paid, received, 'Σ paid = Σ received');
  }
);

test(
  'a customer restarts between accepting a bill and paying it: the payment resumes and is recorded once',
  { timeout: 300_000 },
  async (t) => {
    const net = await paymentDevnet(T0, 11);
    t.after(() => net.stop());
    const two = await net.customerOfTwo(RICH);
    const spec = two.spec;
    let c = two.c;
    await net.backUp(c, 5);
    const sup = () => net.get('s0').services.payment()!.pay.supplier;
    const mine = () =>
      [...sup().invoices.values()].filter((b) => b.invoice.invoice.customer === c.node.id);
    await net.drive(() => mine().filter((b) => b.status === 'paid').length >= 2, 2 * HOUR);

    // The customer accepted a bill and waits payDelayMs before paying: restart it now.
    await net.drive(() => mine().some((b) => b.status === 'accepted'), HOUR);
    const id = mine().find((b) => b.status === 'accepted')!.invoice.invoice.id;
    await net.run(c.node.stop());
    c = await net.add('c', spec);
    await net.drive(() => sup().invoices.get(id)?.status === 'paid', HOUR);
    await net.advance(2 * MIN); // the receipt reaches the customer

    for (const name of ['s0', 'c']) {
      assert.equal(await transfersFor(net.get(name).services.payment()!, id), 1, `${name}: once`);
    }
    await auditedTotals(['s0', 'c'].map((x) => net.get(x)));
    const left = await net.get('c').node.store()!.sub('pending').range({ prefix: 'p/' });
    assert.ok(
      left.every((r) => !r.key.includes(id)),
      'the settled bill is no longer pending'
    );
  }
);
