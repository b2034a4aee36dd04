// The spend guard on the real DHT (memory network, one TestClock): a DHT with no peer, or one that
// does not answer in time, refuses the payment as unchecked; positions accepted more than a record
// lifetime (23 h) ago are still matched when their holder's upkeep republishes them, and are not
// when it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestClock } from '../clock.js';
import { drive } from '../router/fixtures.js';
import { dhtDevnet } from '../dht/fixtures.js';
import { keysFromSeed } from '../ledger/fixtures.js';
import { idOf, signPayment } from '../ledger/index.js';
import type { Payment } from '../../machines/payment/records.js';
import { createSpendGuard, dhtBoard, verifyFork } from './spend.js';
import { BOARD_TIMEOUT_MS, SPEND_TTL_MS } from './spend-board.js';

const HOUR = 3_600_000;

const signedBy = (seed: number, invoice: string, payee: string, n = 1) => {
  const keys = keysFromSeed(seed, 0);
  const p: Payment = {
    v: 1,
    id: `pay-${invoice}`,
    invoiceId: invoice,
    payer: idOf(keys),
    payee,
    amount: 100,
    waived: false,
    consumedByteMs: '0',
    ts: 1_000,
    spend: { n, total: String(100 * n) }
  };
  const s = signPayment(keys, p);
  return { p: s.payment, sig: { payerKey: s.payerKey, payerSig: s.payerSig } };
};

/** Runs `p` to its end on simulated time (bounded). */
async function run<T>(clock: TestClock, p: Promise<T>, maxSteps = 20_000): Promise<T> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true)
  );
  assert.ok(await drive(clock, () => done, { stepMs: 10, maxSteps }), 'did not finish in time');
  return p;
}

test('no DHT peer, or no answer in time: the payment is refused as unchecked', async () => {
  const { clock, members } = dhtDevnet(1, { seed: 4 });
  const c = clock as TestClock;
  const lone = createSpendGuard(undefined, dhtBoard(members[0]!.dht, c), c);
  const one = signedBy(21, 'inv-1', 'payee-a');
  const v = await run(c, lone.admit(one.p, one.sig));
  assert.equal(v.ok ? '' : v.code, 'ERR_PAYMENT_UNCHECKED');
  // A DHT that never answers: the board's own deadline, on the clock, ends the wait.
  const silent = {
    put: () => new Promise<never>(() => undefined),
    get: () => new Promise<never>(() => undefined),
    unpublish: () => undefined
  };
  const hung = createSpendGuard(undefined, dhtBoard(silent, c), c);
  const started = c.now();
  const w = await run(c, hung.admit(one.p, one.sig));
  assert.equal(w.ok ? '' : w.code, 'ERR_PAYMENT_UNCHECKED');
  assert.match(w.ok ? '' : w.reason, /no DHT answer/);
  assert.ok(c.now() - started >= BOARD_TIMEOUT_MS);
});

test('republished positions meet a fork signed after the record lifetime', async () => {
  const { clock, members } = dhtDevnet(6, { seed: 9 });
  const c = clock as TestClock;
  for (const m of members.slice(1)) await run(c, m.dht.bootstrap([members[0]!.dht.contact]));
  const guard = (i: number) => createSpendGuard(undefined, dhtBoard(members[i]!.dht, c), c);
  // Two payers each pay position 1 to one payee; only the first payee runs its upkeep.
  const [kept, lapsed] = [guard(1), guard(2)];
  const a1 = signedBy(31, 'inv-a1', 'payee-1');
  const b1 = signedBy(32, 'inv-b1', 'payee-2');
  assert.ok((await run(c, kept.admit(a1.p, a1.sig))).ok);
  assert.ok((await run(c, lapsed.admit(b1.p, b1.sig))).ok);
  // 30 simulated hours, more than the 23 h a record lives; the upkeep runs every hour.
  assert.ok(30 * HOUR > SPEND_TTL_MS);
  let republished = 0;
  for (let h = 0; h < 30; h++) {
    for (let i = 0; i < 60; i++) {
      c.increment(60_000);
      await drive(c, () => true);
    }
    republished += (await run(c, kept.upkeep())).published;
  }
  assert.ok(republished >= 2, `republished ${republished} times`);
  // Each payer now signs position 1 again, to a payee that never saw it.
  const a2 = signedBy(31, 'inv-a2', 'payee-3');
  const b2 = signedBy(32, 'inv-b2', 'payee-4');
  const caught = await run(c, guard(3).admit(a2.p, a2.sig));
  assert.equal(caught.ok ? '' : caught.code, 'ERR_PAYMENT_FORK', 'the republished record met it');
  const missed = guard(4);
  assert.deepEqual(await run(c, missed.admit(b2.p, b2.sig)), { ok: true }, 'the lapsed one not');
  assert.deepEqual(missed.forks(), []);
  for (const m of members) m.dht.stop();
});

test('a proof found at one payee reaches the others through the forks layer', async () => {
  const { clock, members } = dhtDevnet(6, { seed: 12 });
  const c = clock as TestClock;
  for (const m of members.slice(1)) await run(c, m.dht.bootstrap([members[0]!.dht.contact]));
  const guard = (i: number) => createSpendGuard(undefined, dhtBoard(members[i]!.dht, c), c);
  const [a, b, third] = [guard(1), guard(2), guard(3)];
  const one = signedBy(41, 'inv-1', 'payee-a');
  const two = signedBy(41, 'inv-2', 'payee-b');
  assert.ok((await run(c, a.admit(one.p, one.sig))).ok);
  const v = await run(c, b.admit(two.p, two.sig));
  assert.equal(v.ok ? '' : v.code, 'ERR_PAYMENT_FORK');
  // The first payee's upkeep finds it once its re-check is due (every 10 minutes).
  for (let i = 0; i < 11 && a.forks().length === 0; i++) {
    for (let s = 0; s < 60; s++) {
      c.increment(1_000);
      await drive(c, () => true);
    }
    await run(c, a.upkeep());
  }
  assert.ok(verifyFork(a.forks()[0]), 'the first payee holds the proof');
  // A sound next position (2), so only the proof on `forks` can condemn it.
  const fresh = signedBy(41, 'inv-3', 'payee-c', 2);
  const w = await run(c, third.admit(fresh.p, fresh.sig));
  assert.equal(w.ok ? '' : w.code, 'ERR_PAYMENT_FORK', 'a payee that never dealt with it refuses');
  for (const m of members) m.dht.stop();
});
