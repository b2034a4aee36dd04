// Spend positions on a real LMDB file: an honest payer's concurrent payments to several payees,
// delivered in any order and retried, are never refused; a position reused for another body is
// refused (ERR_PAYMENT_FORK), a total its neighbours contradict is refused (ERR_PAYMENT_SPEND), and
// the counter and the guard survive a reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { openLmdbStore } from '../store/index.js';
import type { Payment } from '../../machines/payment/records.js';
import { createSpendCounter, createSpendGuard, type Spend } from './spend.js';

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
