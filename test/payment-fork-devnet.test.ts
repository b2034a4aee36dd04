// A payer running altered code signs, in its second billing period, a payment at a position it
// had already signed to its other supplier (real nodes, LMDB, the DHT layers `spends` and `forks`,
// one TestClock). The payee handed the second body reads the first's record and refuses it with a
// proof of double signing that verifies, keeps it and refuses the payer from then on. The first
// payee, which accepted its payment ten minutes before the fork existed, learns of it in its
// upkeep and refuses the payer's next payment; a third supplier that never dealt with the payer
// refuses its first one. Payments that went through are recorded once in both ledgers and every
// chain audits clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupTree } from '../actors/storage/customer-files.js';
import type { LedgerEntry } from '../actors/ledger/index.js';
import type { Payment } from '../machines/payment/records.js';
import { verifyFork } from '../actors/payment/spend.js';
import { cosignContract } from '../actors/payment/node.js';
import { seededBytes } from './support/storage-data.js';
import { DEVNET_PAY_RICH, HOUR, MIN, paymentDevnet } from './support/payment-devnet.js';

const T0 = Date.UTC(2026, 0, 5);
const PAY = DEVNET_PAY_RICH;
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

    // The first payee re-checks the payer in its upkeep (every 10 minutes) and finds the proof
    // (on `forks`, or the other's record at its position); its earlier payment stands.
    await net.drive(() => holds(first).length > 0, 20 * MIN);
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

    // A third supplier, which never dealt with the payer, signs a contract with it and bills it:
    // it refuses the payment at first sight, from the proof on `forks`. (The contract and both
    // meters start five minutes back, so the period billed is over and nothing reconciles it away.)
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
    rt('c').pay.addContract(sc);
    rt('s2').pay.addContract(sc);
    const held = { type: 'meter.stored' as const, bytes: 1 << 20, at: t0 };
    rt('c').pay.feed({ ...held, role: 'customer', peer: s2.node.id });
    rt('s2').pay.feed({ ...held, role: 'supplier', peer: c.node.id });
    assert.deepEqual(holds('s2'), []);
    const [bill] = await net.run(rt('s2').pay.supplier.invoiceAll(t0, t1));
    assert.ok(bill, 'the third supplier billed the payer');
    await net.drive(() => holds('s2').length > 0, HOUR);
    assert.ok(verifyFork(holds('s2')[0]), 'the third supplier holds the proof');
    await net.advance(20 * MIN);
    assert.equal(rt('s2').pay.supplier.invoices.get(bill.id)?.status, 'accepted', 'never paid');
    assert.deepEqual(await transfers('s2'), []);

    // What went through is recorded once on both sides; every chain audits clean.
    const ids = async (names: string[]) =>
      (await Promise.all(names.map(transfers))).flat().map((p) => p.id);
    assert.deepEqual((await ids(['c'])).sort(), (await ids(['s0', 's1', 's2'])).sort());
    for (const name of ['s0', 's1', 's2', 'c']) {
      assert.ok((await rt(name).audit()).ok, `${name}: audit`);
    }
  }
);
