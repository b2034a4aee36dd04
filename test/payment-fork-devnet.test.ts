// A payer running altered code signs, in its second billing period, a payment at a position it
// had already signed to its other supplier (real nodes, LMDB, the DHT layers `spends` and `forks`,
// one TestClock). The payee handed the second body reads the first's record and refuses it with a
// proof of double signing that verifies, keeps it and refuses the payer from then on. The first
// payee, which accepted its payment ten minutes before the fork existed, learns of it in its
// upkeep and refuses the payer's next payment; a third supplier that never dealt with the payer
// refuses its first one. Payments that went through are recorded once in both ledgers and every
// chain audits clean.
import { test } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupTree } from '../actors/storage/customer-files.js';
import type { LedgerEntry } from '../actors/ledger/index.js';
import type { Payment } from '../machines/payment/records.js';
import { verifyFork } from '../actors/payment/spend.js';
import { cosignContract } from '../actors/payment/node.js';
import { hashOf, signPayment } from '../actors/ledger/index.js';
import { encodePayment, PAYMENT_SERVICE } from '../actors/payment/wire.js';
import { createInspectionBridge } from '../actors/inspection/create-inspection-bridge.js';
import { buildApp } from '../server/app.js';
import { LedgerView } from '../server/routes/ledger.js';
import { printBalance } from '../server/cli/ledger-commands.js';
import { seededBytes } from './support/storage-data.js';
import { DEVNET_PAY_RICH, HOUR, MIN, paymentDevnet } from './support/payment-devnet.js';

const T0 = Date.UTC(2026, 0, 5);
// Suppliers re-check their recent payers every 2 minutes (10 by default), well inside a period.
const PAY = { ...DEVNET_PAY_RICH, spendRecheckMs: 2 * MIN };
type Spend = { n: number; total: string };

test(
  'a double signer is caught by one payee, then refused by every payee',
  { timeout: 300_000 },
  async (t) => {
    const net = await paymentDevnet(T0, 13);
    t.after(() => net.stop());
    for (const s of ['s0', 's1', 's2']) await net.add(s, { supplier: true, payment: PAY });
    // Period 1 pays positions 1 and 2, one to each supplier. In period 2 the supplier that got
    // position 1 is paid at position 2 again, with a total that fits what it saw (1 below it).
    const period1 = new Map<string, { n: number; total: bigint }>();
    let forged: { payee: string; n: number } | undefined;
    const forger = {
      ...PAY,
      alterSpend: (s: Spend, payee: string, amount: number): Spend => {
        if (s.n <= 2) {
          period1.set(payee, { n: s.n, total: BigInt(s.total) });
          return s;
        }
        const mine = period1.get(payee);
        if (forged || mine?.n !== 1) return s;
        forged = { payee, n: 2 };
        return { n: 2, total: String(mine.total + BigInt(amount)) };
      }
    };
    const c = await net.add('c', { customerOf: ['s0', 's1'], payment: forger });
    await net.drive(() => c.services.customer()?.ready() === true, 10 * MIN);
    const dir = join(net.base, 'src-c');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'f.bin'), seededBytes(3, 'f.bin', 256 * 1024));
    assert.deepEqual((await net.run(backupTree(c.services.customer()!, dir))).problems, []);

    const rt = (name: string) => net.get(name).services.payment()!;
    const holds = (name: string) => rt(name).pay.supplier.forks();
    const forks = () => ['s0', 's1'].flatMap(holds);
    await net.drive(() => forks().length > 0, 2 * HOUR);
    const caughtAt = net.clock.now();
    const [proof] = forks();
    assert.equal(proof!.payer, c.node.id);
    assert.equal(proof!.n, 2);
    assert.ok(verifyFork(proof), 'the kept proof verifies');
    const caught = ['s0', 's1'].find((s) => net.get(s).node.id === forged!.payee)!;
    const first = caught === 's0' ? 's1' : 's0';
    const [kept, refused] = [proof!.a, proof!.b].sort((x) =>
      x.payment.payee === net.get(first).node.id ? -1 : 1
    );
    // The first payee accepted its payment a period before the fork existed.
    assert.ok(kept!.payment.ts + 5 * MIN < refused!.payment.ts);
    assert.equal(rt(first).pay.supplier.invoices.get(kept!.payment.invoiceId)?.status, 'paid');

    // The first payee re-checks the payer in its upkeep (every 2 minutes) and finds the proof
    // (on `forks`, or the other's record at its position); its earlier payment stands.
    await net.drive(() => holds(first).length > 0, 5 * MIN);
    const learnt = net.clock.now();
    // Learnt by the upkeep, not from a payment: the payer has not even been billed again there.
    const billedSince = [...rt(first).pay.supplier.invoices.values()].filter(
      (b) => b.invoice.invoice.customer === c.node.id && b.invoice.invoice.issuedAt > caughtAt
    );
    assert.deepEqual(billedSince, [], `learnt ${learnt - caughtAt} ms after the catch`);
    assert.ok(verifyFork(holds(first)[0]), 'the first payee holds the proof');
    // Its next bill is accepted by the payer and never paid: the payer is cut off there too.
    const later = () =>
      [...rt(first).pay.supplier.invoices.values()].filter(
        (b) => b.invoice.invoice.customer === c.node.id && b.invoice.invoice.issuedAt > learnt
      );
    await net.drive(() => later().some((b) => b.status === 'accepted'), HOUR);
    await net.advance(20 * MIN);
    assert.ok(
      later().every((b) => b.status !== 'paid'),
      'no payment accepted after the proof'
    );

    const transfers = async (name: string): Promise<Payment[]> => {
      await rt(name).ledger.idle();
      const rows = await rt(name).store.range<LedgerEntry>({ prefix: 'e/' });
      return rows.flatMap((e) =>
        e.value.body.kind === 'transfer' ? [e.value.body.settled.payment] : []
      );
    };
    assert.deepEqual(
      (await transfers(first)).filter((p) => p.ts > learnt),
      [],
      'nothing recorded after'
    );
    assert.ok(
      (await transfers(first)).some((p) => p.id === kept!.payment.id),
      'what stood'
    );
    assert.ok(!(await transfers(caught)).some((p) => p.id === refused!.payment.id));

    // A third supplier, which never dealt with the payer, bills it under a contract both signed
    // (the payer never heard of it, so it disputes the bill), and the payer pays that bill anyway
    // over the router: the supplier refuses it at first sight, from the proof on `forks`.
    const s2 = net.get('s2');
    const t1 = net.clock.now();
    const t0 = t1 - 5 * MIN;
    const sc = cosignContract(c.node.identity().keys, s2.node.identity().keys, {
      v: 1,
      id: 'ab'.repeat(16),
      customer: c.node.id,
      supplier: s2.node.id,
      bytes: 1 << 20,
      startMs: t0,
      termMs: 30 * 86_400_000,
      pricePerGBHour: PAY.pricePerGBHour!,
      transferPricePerGB: 0,
      seq: 0,
      prev: ''
    });
    rt('s2').pay.addContract(sc);
    rt('s2').pay.feed({
      type: 'meter.stored',
      role: 'supplier',
      peer: c.node.id,
      bytes: 1 << 20,
      at: t0
    });
    assert.deepEqual(holds('s2'), []);
    const [bill] = await net.run(rt('s2').pay.supplier.invoiceAll(t0, t1));
    assert.ok(bill, 'the third supplier billed the payer');
    const payment: Payment = {
      v: 1,
      id: hashOf({ invoice: bill.id, payer: c.node.id }).slice(0, 32),
      invoiceId: bill.id,
      payer: c.node.id,
      payee: s2.node.id,
      amount: bill.amount,
      waived: false,
      consumedByteMs: '0',
      ts: net.clock.now(),
      spend: { n: 40, total: '1000000000' }
    };
    const body = signPayment(c.node.identity().keys, payment);
    const payload = encodePayment({ kind: 'payment', body });
    const router = c.node.network()!.router;
    const reply = await net.run(
      router.request(s2.node.id, 'cmd.request-service', { v: 1, service: PAYMENT_SERVICE, payload })
    );
    assert.equal(reply.type, 'cmd.fail');
    assert.equal((reply.body as { code: string }).code, 'ERR_PAYMENT_FORK');
    assert.ok(verifyFork(holds('s2')[0]), 'the third supplier holds the proof');
    assert.notEqual(rt('s2').pay.supplier.invoices.get(bill.id)?.status, 'paid');
    assert.deepEqual(await transfers('s2'), []);

    // What went through is recorded once on both sides; every chain audits clean.
    const ids = async (names: string[]) =>
      (await Promise.all(names.map(transfers))).flat().map((p) => p.id);
    assert.deepEqual((await ids(['c'])).sort(), (await ids(['s0', 's1', 's2'])).sort());
    for (const name of ['s0', 's1', 's2', 'c']) {
      assert.ok((await rt(name).audit()).ok, `${name}: audit`);
    }

    // GET /api/ledger shows the proof each supplier holds, as the schema says, and
    // `bitdust ledger` prints it as a FORK line.
    const token = 't'.repeat(43);
    const app = await buildApp({
      token,
      nodes: () => ['s0', 's1', 's2', 'c'].map((n) => net.get(n).node),
      bridge: createInspectionBridge({ clock: net.clock })
    });
    t.after(() => app.close());
    const ledgerOf = async (name: string): Promise<LedgerView> => {
      const res = await app.inject({
        url: `/api/ledger?node=${net.get(name).node.id}`,
        headers: { authorization: `Bearer ${token}` }
      });
      assert.equal(res.statusCode, 200, res.body);
      const view: unknown = res.json();
      assert.ok(Value.Check(LedgerView, view), `${name}: the answer fits its schema`);
      return view;
    };
    const short = (name: string) => net.get(name).node.id.slice(0, 12);
    for (const name of ['s0', 's1', 's2']) {
      const view = await ledgerOf(name);
      assert.equal(view.forks.length, 1, name);
      const [f] = view.forks;
      assert.deepEqual([f!.payer, f!.n], [c.node.id, 2]);
      const ids = f!.payments.map((p) => p.id).sort();
      assert.deepEqual(ids, [kept!.payment.id, refused!.payment.id].sort());
      for (const p of f!.payments) {
        const signed = [kept!, refused!].find((x) => x.payment.id === p.id)!.payment;
        assert.deepEqual(p, {
          id: signed.id,
          payee: signed.payee,
          amount: signed.amount,
          total: signed.spend!.total,
          hash: hashOf(signed)
        });
      }
      const lines: string[] = [];
      printBalance(view, { out: (l) => lines.push(l), err: (l) => lines.push(l) });
      const to = f!.payments.map((p) => p.payee.slice(0, 12)).join(' and ');
      const fork = lines.filter((l) => l.includes('FORK'));
      assert.deepEqual(fork, [
        `  FORK       ${short('c')} signed two payments at position 2 (to ${to})`
      ]);
      assert.ok([short('s0'), short('s1')].every((s) => to.includes(s)));
    }
    assert.deepEqual((await ledgerOf('c')).forks, [], 'the payer itself holds no proof');
  }
);
