// The contract machine on a TestClock with `countersign` stubbed: proposed → active → expiring,
// then renewed, ended early, ended by the notice elapsing; countersign retried `retryMs` apart with
// the same terms, then rejected after `maxAttempts`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createActor, fromPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import type { ContractTerms, SignedContract } from '../payment/records.js';
import { ANSWER_MS, contractMachine, type ContractInput } from './machine.js';

const flush = async () => {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
};

const TERMS: ContractTerms = {
  v: 1,
  id: 'c'.repeat(64),
  customer: 'b'.repeat(32),
  supplier: 'a'.repeat(32),
  bytes: 1_000_000_000,
  startMs: 0,
  termMs: 30 * 86_400_000,
  pricePerGBHour: 1_000,
  transferPricePerGB: 500,
  seq: 0,
  prev: ''
};
const NOTICE = 86_400_000;
const RETRY = 10_000;

const signedOf = (terms: ContractTerms): SignedContract => ({
  terms,
  customerKey: new Uint8Array(32).fill(1),
  supplierKey: new Uint8Array(32).fill(2),
  customerSig: new Uint8Array(64).fill(3),
  supplierSig: new Uint8Array(64).fill(4)
});

/** `answers[i]` is the i-th countersign outcome: 'ok', an Error, or 'hang' (never answers). */
function harness(answers: Array<'ok' | 'hang' | Error>, over: Partial<ContractInput> = {}) {
  const clock = new TestClock();
  const calls: Array<{ terms: ContractTerms; at: number }> = [];
  const logic = contractMachine.provide({
    actors: {
      countersign: fromPromise<SignedContract, { terms: ContractTerms }>(({ input }) => {
        const a = answers[calls.length] ?? 'ok';
        calls.push({ terms: input.terms, at: clock.now() });
        if (a === 'hang') return new Promise<SignedContract>(() => undefined);
        if (a instanceof Error) return Promise.reject(a);
        return Promise.resolve(signedOf(input.terms));
      })
    }
  });
  const actor = createActor(logic, {
    clock,
    input: { terms: TERMS, noticeMs: NOTICE, retryMs: RETRY, maxAttempts: 3, ...over }
  });
  const state = () => String(actor.getSnapshot().value);
  return { clock, actor, calls, state, ctx: () => actor.getSnapshot().context };
}

async function toActive(h: ReturnType<typeof harness>) {
  h.actor.start();
  await flush();
  assert.equal(h.state(), 'active');
}

test('signed, expiring at term − notice, renewed on contract.renew', async () => {
  const h = harness(['ok']);
  h.actor.start();
  assert.equal(h.state(), 'proposed');
  assert.equal(h.ctx().attempts, 1);
  await flush();
  assert.equal(h.state(), 'active');
  assert.deepEqual(h.ctx().signed, signedOf(TERMS));
  assert.equal(h.calls.length, 1);
  assert.equal(h.calls[0]!.terms, TERMS);

  h.clock.increment(TERMS.termMs - NOTICE - 1);
  await flush();
  assert.equal(h.state(), 'active');
  h.clock.increment(1);
  await flush();
  assert.equal(h.state(), 'expiring');

  h.actor.send({ type: 'contract.renew' });
  const snap = h.actor.getSnapshot();
  assert.equal(snap.value, 'renewed');
  assert.equal(snap.status, 'done');
  assert.equal(snap.context.renewed, true);
  assert.deepEqual(snap.output, { outcome: 'renewed', terms: TERMS });
});

test('expiring with no decision: ended when the notice elapses', async () => {
  const h = harness(['ok']);
  await toActive(h);
  h.clock.increment(TERMS.termMs - NOTICE);
  await flush();
  assert.equal(h.state(), 'expiring');
  h.clock.increment(NOTICE - 1);
  await flush();
  assert.equal(h.state(), 'expiring');
  h.clock.increment(1);
  await flush();
  const snap = h.actor.getSnapshot();
  assert.equal(snap.value, 'ended');
  assert.deepEqual(snap.output, { outcome: 'ended', terms: TERMS });
  // Too late to renew: a final state ignores it.
  h.actor.send({ type: 'contract.renew' });
  assert.equal(h.state(), 'ended');
  assert.equal(h.ctx().renewed, false);
});

test('contract.end while expiring ends it', async () => {
  const h = harness(['ok']);
  await toActive(h);
  h.clock.increment(TERMS.termMs - NOTICE);
  await flush();
  h.actor.send({ type: 'contract.end' });
  assert.equal(h.state(), 'ended');
  assert.equal(h.actor.getSnapshot().output?.outcome, 'ended');
});

test('contract.end while active ends it early; renew is not accepted before expiring', async () => {
  const h = harness(['ok']);
  await toActive(h);
  h.actor.send({ type: 'contract.renew' });
  assert.equal(h.state(), 'active');
  h.clock.increment(1_000);
  h.actor.send({ type: 'contract.end' });
  assert.equal(h.state(), 'ended');
  assert.deepEqual(h.actor.getSnapshot().output, { outcome: 'ended', terms: TERMS });
});

test('events while proposed are ignored', async () => {
  const h = harness(['hang']);
  h.actor.start();
  h.actor.send({ type: 'contract.end' });
  h.actor.send({ type: 'contract.renew' });
  assert.equal(h.state(), 'proposed');
});

test('a silent peer: each attempt times out after answerMs, then rejected', async () => {
  const h = harness(['hang', 'hang', 'hang'], { answerMs: 5_000 });
  h.actor.start();
  h.clock.increment(4_999);
  await flush();
  assert.equal(h.state(), 'proposed');
  h.clock.increment(1);
  await flush();
  assert.equal(h.state(), 'backingOff');
  assert.equal(h.ctx().lastError, 'no answer in time');
  for (let i = 0; i < 2; i++) {
    h.clock.increment(RETRY);
    await flush();
    h.clock.increment(5_000);
    await flush();
  }
  assert.equal(h.state(), 'rejected');
  assert.equal(h.calls.length, 3);
  assert.deepEqual(h.actor.getSnapshot().output, { outcome: 'rejected', terms: TERMS });
});

test('the default answer bound applies when none is given', async () => {
  const h = harness(['hang', 'ok']);
  h.actor.start();
  h.clock.increment(ANSWER_MS);
  await flush();
  assert.equal(h.state(), 'backingOff');
  h.clock.increment(RETRY);
  await flush();
  assert.equal(h.state(), 'active');
});

test('countersign failing: retried retryMs apart with the same terms, then signed', async () => {
  const h = harness([new Error('offline'), new Error('offline'), 'ok']);
  h.actor.start();
  await flush();
  assert.equal(h.state(), 'backingOff');
  assert.equal(h.ctx().lastError, 'Error: offline');
  h.clock.increment(RETRY - 1);
  await flush();
  assert.equal(h.calls.length, 1);
  h.clock.increment(1);
  await flush();
  assert.equal(h.calls.length, 2);
  assert.equal(h.state(), 'backingOff');
  h.clock.increment(RETRY);
  await flush();
  assert.equal(h.state(), 'active');
  assert.equal(h.ctx().attempts, 3);
  assert.deepEqual(
    h.calls.map((c) => c.at),
    [0, RETRY, 2 * RETRY]
  );
  // Idempotent signing: every attempt signs the very same terms (same contract id).
  assert.ok(h.calls.every((c) => c.terms === TERMS));
  // The term runs from when it became active.
  h.clock.increment(TERMS.termMs - NOTICE);
  await flush();
  assert.equal(h.state(), 'expiring');
});

test('countersign failing maxAttempts times: rejected, output rejected', async () => {
  const h = harness([new Error('no'), new Error('no'), new Error('refused')]);
  h.actor.start();
  for (let i = 0; i < 3; i++) {
    await flush();
    h.clock.increment(RETRY);
  }
  await flush();
  const snap = h.actor.getSnapshot();
  assert.equal(snap.value, 'rejected');
  assert.equal(snap.context.attempts, 3);
  assert.equal(snap.context.lastError, 'Error: refused');
  assert.equal(snap.context.signed, undefined);
  assert.deepEqual(snap.output, { outcome: 'rejected', terms: TERMS });
  assert.equal(h.calls.length, 3);
});

test('a notice longer than the term: expiring at once', async () => {
  const h = harness(['ok'], { noticeMs: TERMS.termMs * 2 });
  await toActive(h);
  h.clock.increment(0);
  await flush();
  assert.equal(h.state(), 'expiring');
});

test('property: countersign is called min(failures + 1, maxAttempts) times and the outcome follows', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 0, max: 6 }),
      async (maxAttempts, failures) => {
        const answers = [...Array<Error>(failures).fill(new Error('x')), 'ok' as const];
        const h = harness(answers, { maxAttempts });
        h.actor.start();
        for (let i = 0; i <= failures; i++) {
          await flush();
          h.clock.increment(RETRY);
        }
        await flush();
        const signs = failures < maxAttempts;
        assert.equal(h.calls.length, signs ? failures + 1 : maxAttempts);
        assert.equal(h.state(), signs ? 'active' : 'rejected');
        h.actor.stop();
      }
    ),
    { numRuns: 30 }
  );
});
