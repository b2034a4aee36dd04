/**
 * Must-show of issue 8: a 30-simulated-day devnet of 20 nodes (donors, heavy and light consumers,
 * balanced nodes) exchanging signed invoices, accepts, payments and receipts through the router
 * on the memory network, with LMDB ledgers. Credits are conserved, donors pay nothing, heavy
 * consumers are refused and then dropped after the grace period, every chain audits clean, and
 * the run is deterministic from its seed. Then forged, replayed and altered statements over the
 * router, and an entry edited in the LMDB file.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { openLmdbStore, type KvStore } from '../actors/store/index.js';
import { auditChain, entryKey, ledgerSummary, type LedgerEntry } from '../actors/ledger/index.js';
import { createPaymentSim, SIM_FAIRNESS } from '../actors/payment/sim.js';
import { encodePayment, PAYMENT_SERVICE, type PaymentMessage } from '../actors/payment/index.js';
import { packPlain, unpackPlain } from '../actors/wire/plain-msgpack.js';

type Sim = Awaited<ReturnType<typeof createPaymentSim>>;

async function simRun(
  seed: number,
  days: number,
  after?: (sim: Sim, store: KvStore, dir: string) => Promise<void>
) {
  const dir = mkdtempSync(join(tmpdir(), 'bitdust-paysim-'));
  const store = openLmdbStore({ path: dir });
  try {
    const sim = await createPaymentSim(seed, store);
    await sim.run(days);
    const heads = sim.nodes.map((x) => x.ledger.state().head);
    const summaries = await Promise.all(
      sim.nodes.map((x) => ledgerSummary(store.sub(`n${x.index}`)))
    );
    const audits = await Promise.all(
      sim.nodes.map((x) => auditChain(store.sub(`n${x.index}`), { expectedOwner: x.pay.id }))
    );
    if (after) await after(sim, store, dir);
    return { sim, heads, summaries, audits };
  } finally {
    await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function send(sim: Sim, from: number, to: string, m: PaymentMessage | Uint8Array) {
  const payload = m instanceof Uint8Array ? m : encodePayment(m);
  const reply = sim.nodes[from]!.router.request(to, 'cmd.request-service', {
    v: 1,
    service: PAYMENT_SERVICE,
    payload
  });
  await sim.advance(10_000);
  const r = await reply;
  return r.type === 'cmd.fail' ? r.body.code : 'ack';
}

/** Replays, alterations and forgeries over the router, on the live network after the run. */
async function attacks(sim: Sim, store: KvStore) {
  const sup = sim.nodes[0]!;
  const entries = await store.sub('n0').range<LedgerEntry>({ prefix: 'e/' });
  const paid = entries
    .map((e) => e.value.body)
    .find((b) => b.kind === 'transfer' && b.settled.payment.amount > 0);
  assert.ok(paid && paid.kind === 'transfer', 'the donor was paid by someone');
  const { payment, payerKey, payerSig } = paid.settled;
  const payer = sim.ids.indexOf(payment.payer);
  const seq = sup.ledger.state().seq;
  const sp = { payment, payerKey, payerSig, evidence: [] };
  assert.equal(
    await send(sim, payer, sup.pay.id, { kind: 'payment', body: sp }),
    'ack',
    'replay: same receipt'
  );
  assert.equal(sup.ledger.state().seq, seq, 'a replayed payment is recorded once');
  const altered = { ...sp, payment: { ...payment, amount: payment.amount + 1 } };
  assert.equal(
    await send(sim, payer, sup.pay.id, { kind: 'payment', body: altered }),
    'ERR_PAYMENT_SIGNATURE'
  );
  const other = payer === 1 ? 2 : 1;
  assert.equal(
    await send(sim, other, sup.pay.id, { kind: 'payment', body: sp }),
    'ERR_PAYMENT_MISMATCH'
  );
  const receipt = {
    paymentId: payment.id,
    paymentHash: '0'.repeat(64),
    payeeKey: payerKey,
    payeeSig: new Uint8Array(64)
  };
  assert.equal(
    await send(sim, 0, payment.payer, { kind: 'receipt', body: receipt }),
    'ERR_PAYMENT_SIGNATURE'
  );
  assert.equal(
    await send(sim, 0, payment.payer, new Uint8Array([0xc1, 1, 2])),
    'ERR_PAYMENT_MALFORMED'
  );
  const waiver = { ...sp, payment: { ...payment, amount: 0, waived: true } };
  assert.equal(
    await send(sim, payer, sup.pay.id, { kind: 'payment', body: waiver }),
    'ERR_PAYMENT_SIGNATURE'
  );
  assert.equal(sup.ledger.state().seq, seq, 'nothing refused reached the ledger');
  assert.equal((await auditChain(store.sub('n0'))).ok, true);
}

/** Edits entry 5 of node 3 in the LMDB file and audits. */
async function tamper(store: KvStore, dir: string) {
  await store.close();
  const env = open<Buffer, Buffer>({ path: dir, keyEncoding: 'binary', encoding: 'binary' });
  const db = env.openDB<Buffer, Buffer>({
    name: 'kv:n3',
    keyEncoding: 'binary',
    encoding: 'binary'
  });
  const key = Buffer.from(entryKey(5));
  const e = unpackPlain(db.get(key)!) as { ts: number };
  e.ts += 1;
  await db.put(key, Buffer.from(packPlain(e)));
  await env.close();
  const reopened = openLmdbStore({ path: dir });
  const audit = await auditChain(reopened.sub('n3'));
  await reopened.close();
  assert.equal(audit.ok, false);
  assert.equal(audit.firstBad?.seq, 5);
  assert.equal(audit.verified, 4);
}

describe('payment devnet: 20 nodes, 30 simulated days', () => {
  let heads: string[] = [];

  it('conserves credits, donors pay nothing, heavy consumers are refused then dropped', async () => {
    const r = await simRun(1, 30, async (sim, store, dir) => {
      await attacks(sim, store);
      await tamper(store, dir);
    });
    heads = r.heads;
    for (const a of r.audits) assert.equal(a.ok, true, JSON.stringify(a.firstBad));
    const sum = (f: (s: (typeof r.summaries)[number]) => string) =>
      r.summaries.reduce((n, s) => n + BigInt(f(s)), 0n);
    assert.equal(
      sum((s) => s.balance),
      sum((s) => s.granted),
      'Σ balances = Σ grants'
    );
    assert.equal(
      sum((s) => s.paid),
      sum((s) => s.received),
      'every transfer is in both ledgers'
    );
    assert.ok(sum((s) => s.paid) > 0n);
    const pairs = [...r.sim.pairs.values()];
    for (const x of r.sim.nodes) {
      const s = r.summaries[x.index]!;
      const mine = pairs.filter((p) => p.customer === x.pay.id && p.refusedAt !== undefined);
      if (x.role === 'donor') {
        assert.equal(s.paid, '0', `donor ${x.index} paid nothing`);
        assert.ok(
          BigInt(s.received) > 0n && BigInt(s.granted) > 2_000_000n,
          'donors earn and vest'
        );
        assert.equal(mine.length, 0);
      } else if (x.role === 'heavy') {
        assert.ok(BigInt(s.granted) === 2_000_000n, 'no donation, no vesting');
        assert.equal(mine.length, 3, `heavy ${x.index} refused by its three suppliers`);
        for (const p of mine) {
          assert.ok(p.droppedAt !== undefined, 'then dropped');
          assert.ok(p.droppedAt - p.refusedAt! >= SIM_FAIRNESS.graceMs, 'after the grace period');
        }
      } else if (x.role === 'light') {
        assert.equal(mine.length, 0, `light ${x.index} pays its way`);
        assert.ok(BigInt(s.paid) > 0n);
      }
    }
  });

  it('is deterministic from its seed', async () => {
    const again = await simRun(1, 30);
    assert.deepEqual(again.heads, heads, 'same seed, same ledgers');
    const [a, b] = [await simRun(1, 2), await simRun(2, 2)];
    assert.notDeepEqual(a.heads, b.heads, 'another seed, other ledgers');
  });
});
