// Spend positions on a real LMDB file: an honest payer's concurrent payments to several payees,
// delivered in any order and retried, are never refused; a position reused for another body is
// refused (ERR_PAYMENT_FORK), a total its neighbours contradict is refused (ERR_PAYMENT_SPEND), and
// the counter and the guard survive a reopen. With a shared board: a double signer is caught and
// its proof reaches every payee, including the one that accepted first; a board that cannot be
// reached refuses the payment as unchecked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { openLmdbStore } from '../store/index.js';
import type { Payment } from '../../machines/payment/records.js';
import { keysFromSeed } from '../ledger/fixtures.js';
import { idOf, signPayment } from '../ledger/index.js';
import { packPlain, unpackPlain } from '../wire/plain-msgpack.js';
import { TestClock } from '../clock.js';
import {
  createSpendCounter,
  createSpendGuard,
  RECHECK_MS,
  verifyFork,
  type Spend,
  type SpendBoard
} from './spend.js';

const payment = (n: number, amount: number, spend: Spend, payee = 'bob'): Payment => ({
  v: 1,
  id: `pay-${n}-${payee}`,
  invoiceId: `inv-${n}-${payee}`,
  payer: 'alice',
  payee,
  amount,
  waived: false,
  consumedByteMs: '0',
  ts: 1_000,
  spend
});

test('an honest payer, paying several payees concurrently in any order, is never refused', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ payee: fc.integer({ min: 0, max: 2 }), amount: fc.nat(1e9) }), {
        minLength: 1,
        maxLength: 12
      }),
      fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
      fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
      async (pays, order, retry) => {
        const counter = await createSpendCounter();
        // Positions are allocated concurrently (no await between), as the payment machines do.
        const signed = pays.map((x, i) => {
          const { spend, durable } = counter.next(x.amount);
          return { p: payment(i, x.amount, spend, `payee-${x.payee}`), durable };
        });
        await Promise.all(signed.map((s) => s.durable));
        assert.deepEqual(
          signed.map((s) => s.p.spend!.n),
          pays.map((_, i) => i + 1)
        );
        const guards = [createSpendGuard(), createSpendGuard(), createSpendGuard()];
        // Each payee sees its own payments in a random order, some of them twice (retries).
        const queue = signed.map((s) => s.p);
        for (let i = queue.length - 1; i > 0; i--) {
          const j = order[i]! % (i + 1);
          [queue[i], queue[j]] = [queue[j]!, queue[i]!];
        }
        const sent = [...queue, ...queue.filter((_, i) => retry[i])];
        const verdicts = await Promise.all(
          sent.map((p) => guards[Number(p.payee.slice(6))]!.admit(p))
        );
        for (const v of verdicts) assert.deepEqual(v, { ok: true });
      }
    ),
    { numRuns: 60 }
  );
});

test('a position reused for another body, or a contradicted total, is refused', async () => {
  const g = createSpendGuard();
  assert.ok((await g.admit(payment(1, 100, { n: 1, total: '100' }))).ok);
  assert.ok((await g.admit(payment(3, 50, { n: 3, total: '250' }))).ok);
  // Same position, another body: the payer signed both.
  const fork = await g.admit(payment(9, 100, { n: 1, total: '100' }));
  assert.equal(fork.ok ? '' : fork.code, 'ERR_PAYMENT_FORK');
  // Position 2 must fit between 100 (at 1) and 200 (before 3): 150 + 60 > 200.
  const over = await g.admit(payment(2, 60, { n: 2, total: '210' }));
  assert.equal(over.ok ? '' : over.code, 'ERR_PAYMENT_SPEND');
  // A total that does not cover what position 1 already spent.
  const under = await g.admit(payment(4, 10, { n: 4, total: '200' }));
  assert.equal(under.ok ? '' : under.code, 'ERR_PAYMENT_SPEND');
  const none = await g.admit({ ...payment(5, 1, { n: 5, total: '1' }), spend: undefined });
  assert.equal(none.ok ? '' : none.code, 'ERR_PAYMENT_SPEND');
  // The consistent position 2 still fits.
  assert.ok((await g.admit(payment(2, 100, { n: 2, total: '200' }))).ok);
});

test('the counter and the guard survive a reopen of their LMDB store', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bitdust-spend-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let kv = openLmdbStore({ path: join(dir, 'db') });
  let counter = await createSpendCounter(kv);
  const big = 2 ** 52;
  const a = counter.next(big);
  const b = counter.next(big);
  await Promise.all([a.durable, b.durable]);
  const guard = createSpendGuard(kv);
  const p2 = payment(2, big, b.spend);
  assert.ok((await guard.admit(p2)).ok);
  await kv.close();
  kv = openLmdbStore({ path: join(dir, 'db') });
  t.after(() => kv.close());
  counter = await createSpendCounter(kv);
  const c = counter.next(1);
  await c.durable;
  // Totals beyond 2^53 stay exact: 2 × 2^52 + 1.
  assert.deepEqual(c.spend, { n: 3, total: (2n * 2n ** 52n + 1n).toString() });
  const again = createSpendGuard(kv);
  assert.ok((await again.admit(p2)).ok, 'a retry after the restart is the same payment');
  const fork = await again.admit({ ...p2, invoiceId: 'other' });
  assert.equal(fork.ok ? '' : fork.code, 'ERR_PAYMENT_FORK');
  // Position 1 with a total above what position 2 claims before it.
  const bad = await again.admit(payment(1, 5, { n: 1, total: (big + 1).toString() }));
  assert.equal(bad.ok ? '' : bad.code, 'ERR_PAYMENT_SPEND');
});

/** An in-memory stand-in for the DHT layers `spends` and `forks`: one list of values per name. */
function sharedBoard() {
  const held = new Map<string, Uint8Array[]>();
  const board: SpendBoard = {
    publish: async (layer, name, value) => {
      const k = `${layer}:${name}`;
      held.set(k, [...(held.get(k) ?? []), value]);
    },
    read: async (layer, name) => held.get(`${layer}:${name}`) ?? []
  };
  return { board, held };
}

const payer = keysFromSeed(11, 0);
const signed = (p: Payment) => {
  const s = signPayment(payer, { ...p, payer: idOf(payer) });
  return { p: s.payment, sig: { payerKey: s.payerKey, payerSig: s.payerSig } };
};

test('payees sharing a board: an honest payer is never flagged, a double signer is', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ payee: fc.integer({ min: 0, max: 2 }), amount: fc.nat(1e6) }), {
        minLength: 1,
        maxLength: 8
      }),
      async (pays) => {
        const { board } = sharedBoard();
        const guards = [0, 1, 2].map(() => createSpendGuard(undefined, board));
        const counter = await createSpendCounter();
        const all = pays.map((x, i) =>
          signed(payment(i, x.amount, counter.next(x.amount).spend, `payee-${x.payee}`))
        );
        // Concurrent, then every one retried: all accepted, nothing flagged.
        const sent = [...all, ...all];
        const verdicts = await Promise.all(
          sent.map((s) => guards[Number(s.p.payee.slice(6))]!.admit(s.p, s.sig))
        );
        for (const v of verdicts) assert.deepEqual(v, { ok: true });
        for (const g of guards) assert.deepEqual(g.forks(), []);
      }
    ),
    { numRuns: 30 }
  );
  // The payer signs position 1 twice, once for each of two payees.
  const { board } = sharedBoard();
  const [a, b] = [createSpendGuard(undefined, board), createSpendGuard(undefined, board)];
  const one = signed(payment(1, 100, { n: 1, total: '100' }, 'payee-a'));
  const two = signed(payment(2, 100, { n: 1, total: '100' }, 'payee-b'));
  assert.ok((await a.admit(one.p, one.sig)).ok);
  const v = await b.admit(two.p, two.sig);
  assert.equal(v.ok ? '' : v.code, 'ERR_PAYMENT_FORK');
  const [proof] = b.forks();
  assert.ok(verifyFork(proof), 'the kept proof verifies');
  // From then on the payer is refused at that payee, even with a sound position.
  const three = signed(payment(3, 1, { n: 2, total: '101' }, 'payee-b'));
  const after = await b.admit(three.p, three.sig);
  assert.equal(after.ok ? '' : after.code, 'ERR_PAYMENT_FORK');
});

test('a fabricated proof condemns no one', async () => {
  const one = signed(payment(1, 100, { n: 1, total: '100' }, 'payee-a'));
  const forged = { ...one.p, payee: 'payee-b', invoiceId: 'other' };
  const notes = {
    a: { payment: one.p, ...one.sig },
    b: { payment: forged, ...one.sig } // the payer never signed this body
  };
  assert.equal(verifyFork({ payer: one.p.payer, n: 1, ...notes }), false);
  // The same two bodies, honestly signed, would be a proof (the check can say yes).
  const real = signed(forged);
  const b = { payment: real.p, ...real.sig };
  assert.equal(verifyFork({ payer: one.p.payer, n: 1, a: notes.a, b }), true);
  // One payment twice is no proof; nor is a note published with a bad signature on the board.
  assert.equal(verifyFork({ payer: one.p.payer, n: 1, a: notes.a, b: notes.a }), false);
  const { board } = sharedBoard();
  await board.publish('spends', `${one.p.payer}/1`, packPlain(notes.b));
  const g = createSpendGuard(undefined, board);
  assert.deepEqual(await g.admit(one.p, one.sig), { ok: true });
  assert.deepEqual(g.forks(), []);
});

test('a position reused at one payee leaves a full proof: kept, published, and reloaded', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bitdust-spend-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let kv = openLmdbStore({ path: join(dir, 'db') });
  const { board, held } = sharedBoard();
  const g = createSpendGuard(kv, board);
  const one = signed(payment(1, 100, { n: 1, total: '100' }));
  const two = signed(payment(2, 100, { n: 1, total: '100' }));
  assert.ok((await g.admit(one.p, one.sig)).ok);
  const v = await g.admit(two.p, two.sig);
  assert.equal(v.ok ? '' : v.code, 'ERR_PAYMENT_FORK');
  const [proof] = g.forks();
  assert.ok(verifyFork(proof), 'the proof holds both signed bodies');
  assert.deepEqual([proof!.a.payment.id, proof!.b.payment.id], [one.p.id, two.p.id]);
  // Published on `forks` under the payer, where any payee can verify it.
  const out = held.get(`forks:${one.p.payer}`) ?? [];
  assert.equal(out.length, 1);
  assert.ok(verifyFork(unpackPlain(out[0]!)));
  await kv.close();
  kv = openLmdbStore({ path: join(dir, 'db') });
  t.after(() => kv.close());
  const again = createSpendGuard(kv, board);
  await again.load();
  assert.ok(verifyFork(again.forks()[0]), 'the proof survives a reopen');
  const next = signed(payment(3, 5, { n: 2, total: '105' }));
  const after = await again.admit(next.p, next.sig);
  assert.equal(after.ok ? '' : after.code, 'ERR_PAYMENT_FORK');
});

test('payees that accepted before a fork existed learn of it in their upkeep', async () => {
  const clock = new TestClock(1_000_000);
  const { board } = sharedBoard();
  const [a, b, c] = [0, 1, 2].map(() => createSpendGuard(undefined, board, clock));
  const one = signed(payment(1, 100, { n: 1, total: '100' }, 'payee-a'));
  const two = signed(payment(2, 100, { n: 1, total: '100' }, 'payee-b'));
  assert.ok((await a!.admit(one.p, one.sig)).ok);
  const caught = await b!.admit(two.p, two.sig);
  assert.equal(caught.ok ? '' : caught.code, 'ERR_PAYMENT_FORK');
  assert.deepEqual(a!.forks(), [], 'the first payee accepted before the fork existed');
  // Not yet due: nothing is re-checked.
  assert.equal((await a!.upkeep()).checked, 0);
  clock.increment(RECHECK_MS);
  assert.equal((await a!.upkeep()).caught, 1);
  assert.ok(verifyFork(a!.forks()[0]), 'the first payee now holds the proof');
  const three = signed(payment(3, 5, { n: 2, total: '105' }, 'payee-a'));
  const refused = await a!.admit(three.p, three.sig);
  assert.equal(refused.ok ? '' : refused.code, 'ERR_PAYMENT_FORK');
  // A payee that never dealt with the payer reads the proof before its first payment.
  const four = signed(payment(4, 5, { n: 2, total: '105' }, 'payee-c'));
  const fresh = await c!.admit(four.p, four.sig);
  assert.equal(fresh.ok ? '' : fresh.code, 'ERR_PAYMENT_FORK');
  assert.ok(verifyFork(c!.forks()[0]));
});

test('the upkeep also finds a conflicting spends record for a position it holds', async () => {
  const clock = new TestClock(1_000_000);
  const { board } = sharedBoard();
  const a = createSpendGuard(undefined, board, clock);
  const one = signed(payment(1, 100, { n: 1, total: '100' }, 'payee-a'));
  assert.ok((await a.admit(one.p, one.sig)).ok);
  // Another body at position 1, published by a payee that never read (no proof on `forks`).
  const two = signed(payment(2, 100, { n: 1, total: '100' }, 'payee-d'));
  await board.publish('spends', `${one.p.payer}/1`, packPlain({ payment: two.p, ...two.sig }));
  clock.increment(RECHECK_MS);
  assert.equal((await a.upkeep()).caught, 1);
  assert.ok(verifyFork(a.forks()[0]));
});

test('a board that cannot be reached refuses the payment as unchecked and records nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bitdust-spend-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const kv = openLmdbStore({ path: join(dir, 'db') });
  t.after(() => kv.close());
  const down: SpendBoard = {
    publish: async () => {
      throw new Error('ERR_DHT_STORE_FAILED: no node stored it');
    },
    read: async () => []
  };
  const one = signed(payment(1, 100, { n: 1, total: '100' }));
  const v = await createSpendGuard(kv, down).admit(one.p, one.sig);
  assert.equal(v.ok ? '' : v.code, 'ERR_PAYMENT_UNCHECKED');
  assert.match(v.ok ? '' : v.reason, /retry later/);
  assert.deepEqual(await kv.range({ prefix: 's/' }), [], 'nothing accepted');
  // Once the board answers, the same payment passes.
  const { board } = sharedBoard();
  assert.deepEqual(await createSpendGuard(kv, board).admit(one.p, one.sig), { ok: true });
});
