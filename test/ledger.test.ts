/**
 * The ledger on LMDB: grants, transfers, replays, overdrafts, forged receipts, and the audit
 * catching bytes edited directly in the LMDB file. Plus a fast-check property: any sequence of
 * good and bad operations leaves balances equal to a plain model and the chain auditing clean.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { open } from 'lmdb';
import { TestClock } from '../actors/clock.js';
import { createMemoryStore, openLmdbStore, type KvStore } from '../actors/store/index.js';
import {
  auditChain,
  entryKey,
  ledgerSummary,
  openLedger,
  signAccept
} from '../actors/ledger/index.js';
import { idOf } from '../actors/ledger/index.js';
import { keysFromSeed, settledPayment } from '../actors/ledger/fixtures.js';
import { packPlain, unpackPlain } from '../actors/wire/plain-msgpack.js';

const GRANT = { startMicro: 2_000_000, capMicro: 20_000_000, vestMicroPerGBHour: 1_000 };
const [A, B, C] = [keysFromSeed(7, 0), keysFromSeed(7, 1), keysFromSeed(7, 2)];
const T0 = 1_700_000_000_000;

async function withLmdb(f: (path: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'bitdust-ledger-'));
  try {
    await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function seeded(store: KvStore, clock: TestClock) {
  const ledger = await openLedger({ store, keys: A, clock, grant: GRANT });
  await ledger.vest();
  clock.increment(1000);
  await ledger.recordPayment(settledPayment(B, A, 500_000, clock.now(), 'in'));
  clock.increment(1000);
  await ledger.recordPayment(settledPayment(A, C, 700_000, clock.now(), 'out'));
  return ledger;
}

describe('ledger', () => {
  it('grants, records transfers both ways, reopens to the same state and audits clean', async () => {
    await withLmdb(async (path) => {
      const clock = new TestClock(T0);
      let store = openLmdbStore({ path });
      const ledger = await seeded(store, clock);
      assert.equal(ledger.state().balance, 1_800_000n);
      const head = ledger.state().head;
      await store.close();
      store = openLmdbStore({ path });
      const again = await openLedger({ store, keys: A, clock, grant: GRANT });
      assert.equal(again.state().head, head);
      const audit = await auditChain(store, { expectedOwner: idOf(A) });
      assert.equal(audit.ok, true);
      assert.equal(audit.verified, 3);
      assert.equal((await ledgerSummary(store)).balance, '1800000');
      await store.close();
    });
  });

  it('is idempotent for the same payment, refuses replays, forgeries and overdrafts', async () => {
    const clock = new TestClock(T0);
    const store = createMemoryStore();
    const ledger = await seeded(store, clock);
    const p = settledPayment(B, A, 500_000, T0 + 1000, 'in');
    assert.equal((await ledger.recordPayment(p)).seq, 2, 'a retry returns the first entry');
    const altered = { ...p, payment: { ...p.payment, amount: 900_000 } };
    await assert.rejects(ledger.recordPayment(altered), /ERR_LEDGER_REPLAY/);
    const forged = { ...settledPayment(B, A, 1, clock.now(), 'f'), payeeSig: new Uint8Array(64) };
    await assert.rejects(ledger.recordPayment(forged), /ERR_PAYMENT_SIGNATURE/);
    const wrongKey = { ...settledPayment(B, A, 1, clock.now(), 'g'), payerKey: C.identityPublic };
    await assert.rejects(ledger.recordPayment(wrongKey), /ERR_PAYMENT_SIGNATURE/);
    await assert.rejects(
      ledger.recordPayment(settledPayment(A, B, 5_000_000, clock.now(), 'big')),
      /ERR_LEDGER_OVERDRAFT/
    );
    assert.equal(ledger.reserve('p1', 1_800_001), false);
    assert.equal(ledger.reserve('p1', 1_000_000), true);
    assert.equal(ledger.spendable(), 800_000n);
    const stale = settledPayment(B, A, 1, T0 - 40 * 86_400_000, 'old');
    await assert.rejects(ledger.recordPayment(stale), /ERR_PAYMENT_DATE_PAST/);
    const ahead = settledPayment(B, A, 1, clock.now() + 86_400_000, 'new');
    await assert.rejects(ledger.recordPayment(ahead), /ERR_PAYMENT_DATE_FUTURE/);
    await assert.rejects(
      ledger.recordPayment(settledPayment(B, C, 1, clock.now(), 'x')),
      /ERR_LEDGER_PARTY/
    );
    assert.equal((await auditChain(store)).ok, true);
    assert.equal(ledger.state().seq, 3);
  });

  it('vests the grant only with donation acknowledged by customers', async () => {
    const clock = new TestClock(T0);
    const ledger = await openLedger({ store: createMemoryStore(), keys: A, clock, grant: GRANT });
    await ledger.vest();
    assert.equal(await ledger.vest(), undefined, 'nothing more without donation');
    const accept = {
      v: 1 as const,
      invoiceId: 'ab'.repeat(16),
      invoiceHash: 'cd'.repeat(32),
      supplier: idOf(A),
      customer: idOf(B),
      periodEnd: T0,
      storedByteMs: (10n * 1_000_000_000n * 3_600_000n).toString(),
      ts: T0
    };
    await ledger.recordUsage(signAccept(B, accept));
    const e = await ledger.vest();
    assert.equal(e?.body.kind === 'grant' && e.body.amount, 10_000, '10 GB-hours × 1000 µc');
    const selfSigned = signAccept(A, { ...accept, invoiceId: 'ef'.repeat(16), customer: idOf(A) });
    await assert.rejects(ledger.recordUsage(selfSigned), /ERR_PAYMENT_MISMATCH/);
  });

  it("caps what one customer's accepts vest; the audit re-checks the cap", async () => {
    const GBH = 1_000_000_000n * 3_600_000n;
    const grant = { ...GRANT, counterpartyCapByteMs: (4n * GBH).toString() };
    const clock = new TestClock(T0);
    const store = createMemoryStore();
    const ledger = await openLedger({ store, keys: A, clock, grant });
    await ledger.vest();
    const accept = (by: typeof B, n: number, gbh: bigint) =>
      signAccept(by, {
        v: 1 as const,
        invoiceId: `${n}`.padStart(2, '0').repeat(16),
        invoiceHash: 'cd'.repeat(32),
        supplier: idOf(A),
        customer: idOf(by),
        periodEnd: T0,
        storedByteMs: (gbh * GBH).toString(),
        ts: T0
      });
    // B acknowledges 10 GB-hours in two accepts, C 3: only 4 of B's count, all 3 of C's.
    await ledger.recordUsage(accept(B, 1, 6n));
    await ledger.recordUsage(accept(B, 2, 4n));
    await ledger.recordUsage(accept(C, 3, 3n));
    const e = await ledger.vest();
    assert.equal(e?.body.kind === 'grant' && e.body.amount, 7_000, '(4 + 3) GB-hours × 1000 µc');
    assert.equal(ledger.state().donatedByteMs, 13n * GBH);
    assert.equal(ledger.state().vestableByteMs, 7n * GBH);
    assert.equal(await ledger.vest(), undefined);
    const report = await auditChain(store);
    assert.ok(report.ok);
    assert.equal(report.granted, String(GRANT.startMicro + 7_000));
    // Without the cap the same accepts of B vest all 10 GB-hours.
    const uncapped = await openLedger({ store: createMemoryStore(), keys: A, clock, grant: GRANT });
    await uncapped.recordUsage(accept(B, 1, 6n));
    await uncapped.recordUsage(accept(B, 2, 4n));
    assert.equal((await uncapped.vest())?.body.kind, 'grant');
    assert.equal(uncapped.state().granted, BigInt(GRANT.startMicro + 10_000));
  });

  it('audit finds the first entry edited in the LMDB file', async () => {
    await withLmdb(async (path) => {
      const clock = new TestClock(T0);
      const store = openLmdbStore({ path });
      await seeded(store, clock);
      await store.close();
      // The store keeps namespace '' in the LMDB database `kv:` (actors/store/lmdb.ts).
      const env = open<Buffer, Buffer>({ path, keyEncoding: 'binary', encoding: 'binary' });
      const raw = env.openDB<Buffer, Buffer>({
        name: 'kv:',
        keyEncoding: 'binary',
        encoding: 'binary'
      });
      const key = Buffer.from(entryKey(2));
      const entry = unpackPlain(raw.get(key)!) as {
        body: { settled: { payment: { amount: number } } };
      };
      entry.body.settled.payment.amount = 5_000_000;
      await raw.put(key, Buffer.from(packPlain(entry)));
      const third = Buffer.from(raw.get(Buffer.from(entryKey(3)))!);
      third.writeUInt8(third.readUInt8(third.length - 3) ^ 1, third.length - 3);
      await raw.put(Buffer.from(entryKey(3)), third);
      await env.close();
      const reopened = openLmdbStore({ path });
      const audit = await auditChain(reopened);
      assert.equal(audit.ok, false);
      assert.equal(audit.firstBad?.seq, 2);
      assert.equal(audit.verified, 1);
      await assert.rejects(openLedger({ store: reopened, keys: A, clock, grant: GRANT }), /audit/);
      await reopened.close();
    });
  });

  it('property: random good and bad payments keep the ledger consistent', async () => {
    const op = fc.record({
      dir: fc.constantFrom('in', 'out'),
      amount: fc.oneof(
        fc.integer({ min: -5, max: 3_000_000 }),
        fc.constantFrom(2 ** 53, 1e16, 0.5, NaN)
      ),
      dt: fc.integer({ min: 0, max: 5000 }),
      replay: fc.boolean()
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 12 }), async (ops) => {
        const clock = new TestClock(T0);
        const store = createMemoryStore();
        const ledger = await openLedger({ store, keys: A, clock, grant: GRANT });
        await ledger.vest();
        let model = 2_000_000n;
        for (const [i, o] of ops.entries()) {
          clock.increment(o.dt);
          const tag = o.replay && i > 0 ? `t${i - 1}` : `t${i}`;
          const p =
            o.dir === 'in'
              ? settledPayment(B, A, o.amount, clock.now(), tag)
              : settledPayment(A, B, o.amount, clock.now(), tag);
          const ok = await ledger.recordPayment(p).then(
            (e) => e.body.kind === 'transfer' && e.ts === clock.now(),
            () => false
          );
          if (ok) model += (o.dir === 'in' ? 1n : -1n) * BigInt(o.amount);
        }
        assert.equal(ledger.state().balance, model);
        assert.ok(model >= 0n);
        const audit = await auditChain(store);
        assert.equal(audit.ok, true);
        assert.equal(audit.balance, model.toString());
      }),
      { numRuns: 40, seed: 8 }
    );
  });
});
