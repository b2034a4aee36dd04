// The payment machine on a TestClock with its four effects stubbed by recorders: the success path,
// disputes, failures to verify or accept, receipt timeouts and retries (same invoice every time, a
// late answer to a cancelled attempt ignored), running out of attempts, unfunded → defaulted, and
// payees that could not cross-check the payment (unchecked: backoff, bounded, attempts untouched).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createActor, fromPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { MAX_UNCHECKED, paymentMachine, type PaymentInput } from './machine.js';
import type { SettledPayment, SignedInvoice } from './records.js';
import type { Verdict } from './validate.js';

/** Lets resolved promises reach the actor (no time passes: the TestClock only moves when told). */
const flush = async () => {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
};

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const SUPPLIER = 'a'.repeat(32);
const CUSTOMER = 'b'.repeat(32);
const INVOICE: SignedInvoice = {
  invoice: {
    v: 1,
    id: 'f'.repeat(64),
    contractId: 'c'.repeat(64),
    supplier: SUPPLIER,
    customer: CUSTOMER,
    periodStart: 0,
    periodEnd: 86_400_000,
    storedByteMs: '86400000000000',
    transferBytes: 0,
    amount: 24_000,
    issuedAt: 86_400_000
  },
  supplierKey: new Uint8Array(32).fill(1),
  sig: new Uint8Array(64).fill(2)
};

function settledFor(inv: SignedInvoice): SettledPayment {
  return {
    payment: {
      v: 1,
      id: 'e'.repeat(64),
      invoiceId: inv.invoice.id,
      payer: inv.invoice.customer,
      payee: inv.invoice.supplier,
      amount: inv.invoice.amount,
      waived: false,
      consumedByteMs: '0',
      ts: 1
    },
    payerKey: new Uint8Array(32).fill(3),
    payerSig: new Uint8Array(64).fill(4),
    payeeKey: new Uint8Array(32).fill(5),
    payeeSig: new Uint8Array(64).fill(6)
  };
}

/** A deadline no test reaches, where the deadline is not what a test is about. */
const LONG = 1_000_000_000;

const TIMING = {
  payDelayMs: 1_000,
  receiptTimeoutMs: 5_000,
  retryMs: 2_000,
  maxAttempts: 3,
  deadlineMs: 6_000
};

/**
 * The machine with recorders: `verify`, `sendAccept` and `sendDispute` answer from the scripted
 * values; each `pay` call gets its own deferred, settled by the test.
 */
function harness(
  script: {
    verdict?: Verdict | Error;
    acceptError?: Error;
    disputeError?: Error;
  } = {},
  over: Partial<PaymentInput> = {}
) {
  const clock = new TestClock(1_000_000);
  const calls: string[] = [];
  const verifyInputs: SignedInvoice[] = [];
  const acceptInputs: SignedInvoice[] = [];
  const disputes: Array<{ invoiceId: string; verdict: Verdict }> = [];
  const pays: Array<{ invoice: SignedInvoice; at: number; d: Deferred<SettledPayment> }> = [];
  const logic = paymentMachine.provide({
    actors: {
      verify: fromPromise<Verdict, { invoice: SignedInvoice }>(async ({ input }) => {
        calls.push('verify');
        verifyInputs.push(input.invoice);
        const v = script.verdict ?? { ok: true };
        if (v instanceof Error) throw v;
        return v;
      }),
      sendAccept: fromPromise<void, { invoice: SignedInvoice }>(async ({ input }) => {
        calls.push('accept');
        acceptInputs.push(input.invoice);
        if (script.acceptError) throw script.acceptError;
      }),
      sendDispute: fromPromise<void, { invoice: SignedInvoice; verdict: Verdict }>(
        async ({ input }) => {
          calls.push('dispute');
          disputes.push({ invoiceId: input.invoice.invoice.id, verdict: input.verdict });
          if (script.disputeError) throw script.disputeError;
        }
      ),
      pay: fromPromise<SettledPayment, { invoice: SignedInvoice }>(({ input }) => {
        calls.push('pay');
        const d = deferred<SettledPayment>();
        pays.push({ invoice: input.invoice, at: clock.now(), d });
        return d.promise;
      })
    }
  });
  const actor = createActor(logic, { clock, input: { invoice: INVOICE, ...TIMING, ...over } });
  const state = () => String(actor.getSnapshot().value);
  const ctx = () => actor.getSnapshot().context;
  return { clock, actor, state, ctx, calls, verifyInputs, acceptInputs, disputes, pays };
}

/** Runs verify and accept, then the pay delay, so the first `pay` has been called. */
async function toFirstPay(h: ReturnType<typeof harness>) {
  h.actor.start();
  await flush();
  assert.equal(h.state(), 'waiting');
  h.clock.increment(TIMING.payDelayMs);
  await flush();
  assert.equal(h.state(), 'paying');
  assert.equal(h.pays.length, 1);
}

test('success: verify → accept → wait payDelayMs → pay → settled, with the receipt kept', async () => {
  const h = harness();
  h.actor.start();
  assert.equal(h.state(), 'verifying');
  await flush();
  assert.equal(h.state(), 'waiting');
  assert.deepEqual(h.calls, ['verify', 'accept']);
  assert.equal(h.verifyInputs[0], INVOICE);
  assert.equal(h.acceptInputs[0], INVOICE);

  // One ms short of the delay: no payment yet (the donation receipts may still be arriving).
  h.clock.increment(TIMING.payDelayMs - 1);
  await flush();
  assert.equal(h.state(), 'waiting');
  assert.equal(h.pays.length, 0);
  h.clock.increment(1);
  await flush();
  assert.equal(h.state(), 'paying');
  assert.equal(h.ctx().attempts, 1);
  assert.equal(h.pays[0]!.at, 1_000_000 + TIMING.payDelayMs);

  const receipt = settledFor(INVOICE);
  h.pays[0]!.d.resolve(receipt);
  await flush();
  const snap = h.actor.getSnapshot();
  assert.equal(snap.value, 'settled');
  assert.equal(snap.status, 'done');
  assert.equal(snap.context.settled, receipt);
  assert.equal(snap.context.attempts, 1);
  assert.equal(snap.context.lastError, undefined);
  assert.equal(snap.output?.settled, receipt);
  assert.equal(snap.output && 'verdict' in snap.output, false);
  assert.deepEqual(h.calls, ['verify', 'accept', 'pay']);
});

test('dispute: a bad verdict is kept and sent; nothing is accepted or paid', async () => {
  const verdict: Verdict = { ok: false, code: 'ERR_PAYMENT_USAGE', reason: 'billed 2% over' };
  const h = harness({ verdict });
  h.actor.start();
  await flush();
  const snap = h.actor.getSnapshot();
  assert.equal(snap.value, 'disputed');
  assert.equal(snap.status, 'done');
  assert.deepEqual(snap.context.verdict, verdict);
  assert.deepEqual(h.disputes, [{ invoiceId: INVOICE.invoice.id, verdict }]);
  assert.deepEqual(h.calls, ['verify', 'dispute']);
  assert.deepEqual(snap.output?.verdict, verdict);
  assert.equal(snap.output?.settled, undefined);
  h.clock.increment(1_000_000);
  await flush();
  assert.equal(h.pays.length, 0);
});

test('dispute: a dispute that cannot be delivered still ends disputed', async () => {
  const verdict: Verdict = { ok: false, code: 'ERR_PAYMENT_DATE_PAST', reason: 'too old' };
  const h = harness({ verdict, disputeError: new Error('peer offline') });
  h.actor.start();
  await flush();
  assert.equal(h.state(), 'disputed');
  assert.deepEqual(h.ctx().verdict, verdict);
  assert.equal(h.disputes.length, 1);
});

test('output.outcome names the final state', async () => {
  const h = harness({ verdict: { ok: false, code: 'ERR_PAYMENT_USAGE', reason: 'x' } });
  h.actor.start();
  await flush();
  assert.equal(h.actor.getSnapshot().output?.outcome, 'disputed');
});

test('verify throwing ends failed with its message, nothing sent', async () => {
  const h = harness({ verdict: new Error('ERR_PAYMENT_SIGNATURE: bad sig') });
  h.actor.start();
  await flush();
  assert.equal(h.state(), 'failed');
  assert.equal(h.ctx().lastError, 'ERR_PAYMENT_SIGNATURE: bad sig');
  assert.deepEqual(h.calls, ['verify']);
});

test('an accept that cannot be sent ends failed before any payment', async () => {
  const h = harness({ acceptError: new Error('router down') });
  h.actor.start();
  await flush();
  assert.equal(h.state(), 'failed');
  assert.equal(h.ctx().lastError, 'router down');
  h.clock.increment(TIMING.payDelayMs * 10);
  await flush();
  assert.deepEqual(h.calls, ['verify', 'accept']);
});

test('receipt timeout: backs off retryMs, retries with the same invoice; a late answer to the cancelled attempt is ignored', async () => {
  const h = harness({}, { deadlineMs: LONG });
  await toFirstPay(h);
  const t0 = h.clock.now();
  h.clock.increment(TIMING.receiptTimeoutMs - 1);
  await flush();
  assert.equal(h.state(), 'paying');
  h.clock.increment(1);
  await flush();
  assert.equal(h.state(), 'backingOff');
  assert.equal(h.ctx().lastError, 'receipt timeout');

  // The first attempt answers after it was abandoned: the machine does not settle on it.
  h.pays[0]!.d.resolve(settledFor(INVOICE));
  await flush();
  assert.equal(h.state(), 'backingOff');
  assert.equal(h.ctx().settled, undefined);

  h.clock.increment(TIMING.retryMs);
  await flush();
  assert.equal(h.state(), 'paying');
  assert.equal(h.ctx().attempts, 2);
  assert.equal(h.pays.length, 2);
  assert.equal(h.pays[1]!.at, t0 + TIMING.receiptTimeoutMs + TIMING.retryMs);
  // Idempotence: every attempt pays the very same invoice (so the same payment id is derived).
  assert.equal(h.pays[1]!.invoice, h.pays[0]!.invoice);
  assert.equal(h.pays[1]!.invoice.invoice.id, INVOICE.invoice.id);

  const receipt = settledFor(INVOICE);
  h.pays[1]!.d.resolve(receipt);
  await flush();
  assert.equal(h.state(), 'settled');
  assert.equal(h.ctx().settled, receipt);
  assert.equal(h.ctx().attempts, 2);
});

test('pay errors back off and retry up to maxAttempts, then failed with the last error', async () => {
  const h = harness();
  await toFirstPay(h);
  for (let i = 1; i <= TIMING.maxAttempts; i++) {
    assert.equal(h.ctx().attempts, i);
    h.pays[i - 1]!.d.reject(new Error(`no route ${i}`));
    await flush();
    if (i < TIMING.maxAttempts) {
      assert.equal(h.state(), 'backingOff');
      assert.equal(h.ctx().lastError, `no route ${i}`);
      h.clock.increment(TIMING.retryMs - 1);
      await flush();
      assert.equal(h.pays.length, i);
      h.clock.increment(1);
      await flush();
      assert.equal(h.state(), 'paying');
    }
  }
  assert.equal(h.state(), 'failed');
  assert.equal(h.ctx().lastError, `no route ${TIMING.maxAttempts}`);
  assert.equal(h.pays.length, TIMING.maxAttempts);
  assert.ok(h.pays.every((p) => p.invoice === INVOICE));
  h.clock.increment(1_000_000);
  await flush();
  assert.equal(h.pays.length, TIMING.maxAttempts);
});

test('unfunded: retried every retryMs with a fresh attempt budget, then defaulted at the deadline', async () => {
  const h = harness();
  await toFirstPay(h);
  const funds = () => new Error('ERR_PAYMENT_FUNDS: balance 0 < 24000');

  h.pays[0]!.d.reject(funds());
  await flush();
  assert.equal(h.state(), 'unfunded');
  assert.equal(h.ctx().waited, TIMING.retryMs);
  assert.equal(h.ctx().attempts, 0);
  // The unfunded branch does not record a lastError: funds are not a delivery failure.
  assert.equal(h.ctx().lastError, undefined);

  h.clock.increment(TIMING.retryMs);
  await flush();
  assert.equal(h.state(), 'paying');
  assert.equal(h.ctx().attempts, 1);
  h.pays[1]!.d.reject(funds());
  await flush();
  assert.equal(h.state(), 'unfunded');
  assert.equal(h.ctx().waited, 2 * TIMING.retryMs);

  h.clock.increment(TIMING.retryMs);
  await flush();
  h.pays[2]!.d.reject(funds());
  await flush();
  // Accepted at +0, paying from +1 s: the third attempt failed at +5 s, the deadline is at +6 s.
  assert.equal(h.state(), 'unfunded');
  h.clock.increment(TIMING.deadlineMs - 5_000 - 1);
  await flush();
  assert.equal(h.state(), 'unfunded');
  h.clock.increment(1);
  await flush();
  assert.equal(h.state(), 'defaulted');
  assert.equal(h.ctx().waited, 3 * TIMING.retryMs);
  h.clock.increment(1_000_000);
  await flush();
  assert.equal(h.pays.length, 3);
});

test('deadline during an attempt: the attempt finishes; a failure then defaults, no retry', async () => {
  const h = harness({}, { deadlineMs: 2_000 });
  await toFirstPay(h); // paying since +1 s
  h.clock.increment(1_000); // the deadline passes while the attempt is in flight
  await flush();
  assert.equal(h.state(), 'paying');
  assert.equal(h.ctx().expired, true);
  h.pays[0]!.d.reject(new Error('no route'));
  await flush();
  assert.equal(h.state(), 'defaulted');
  assert.equal(h.pays.length, 1);
});

test('deadline during an attempt that then settles: settled', async () => {
  const h = harness({}, { deadlineMs: 2_000 });
  await toFirstPay(h);
  h.clock.increment(1_000);
  await flush();
  const receipt = settledFor(INVOICE);
  h.pays[0]!.d.resolve(receipt);
  await flush();
  assert.equal(h.state(), 'settled');
});

test('deadline while waiting to pay: defaulted without an attempt', async () => {
  const h = harness({}, { deadlineMs: 500 });
  h.actor.start();
  await flush();
  assert.equal(h.state(), 'waiting');
  h.clock.increment(500);
  await flush();
  assert.equal(h.state(), 'defaulted');
  assert.equal(h.pays.length, 0);
});

test('unfunded then funded: the payment settles', async () => {
  const h = harness();
  await toFirstPay(h);
  h.pays[0]!.d.reject(new Error('ERR_PAYMENT_FUNDS: short'));
  await flush();
  h.clock.increment(TIMING.retryMs);
  await flush();
  const receipt = settledFor(INVOICE);
  h.pays[1]!.d.resolve(receipt);
  await flush();
  assert.equal(h.state(), 'settled');
  assert.equal(h.ctx().settled, receipt);
});

test('property: attempts never exceed maxAttempts and every attempt pays the same invoice', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.constantFrom('timeout', 'error', 'ok'), { minLength: 1, maxLength: 6 }),
      async (maxAttempts, outcomes) => {
        const h = harness({}, { maxAttempts, deadlineMs: LONG });
        await toFirstPay(h);
        for (const o of outcomes) {
          if (h.state() !== 'paying') break;
          const p = h.pays.at(-1)!;
          if (o === 'ok') p.d.resolve(settledFor(INVOICE));
          else if (o === 'error') p.d.reject(new Error('no route'));
          else h.clock.increment(TIMING.receiptTimeoutMs);
          await flush();
          if (h.state() === 'backingOff') {
            h.clock.increment(TIMING.retryMs);
            await flush();
          }
        }
        // The model: attempts run in order until one is ok or maxAttempts have failed.
        const firstOk = outcomes.indexOf('ok');
        const failures = Math.min(firstOk === -1 ? outcomes.length : firstOk, maxAttempts);
        const settles = firstOk !== -1 && firstOk < maxAttempts;
        const expectedPays =
          settles || failures === maxAttempts ? failures + (settles ? 1 : 0) : failures + 1;
        const expectedState = settles ? 'settled' : failures === maxAttempts ? 'failed' : 'paying';
        assert.equal(h.state(), expectedState);
        assert.equal(h.pays.length, expectedPays);
        assert.equal(h.ctx().attempts, expectedPays);
        assert.ok(h.pays.every((p) => p.invoice === INVOICE));
        h.actor.stop();
      }
    ),
    { numRuns: 40 }
  );
});

const unchecked = () =>
  new Error('ERR_PAYMENT_UNCHECKED: cannot check the spend position on the DHT');

test('unchecked: the same payment is sent again after doubling waits, without using attempts', async () => {
  const h = harness({}, { deadlineMs: LONG });
  await toFirstPay(h);
  for (const [i, wait] of [1, 2, 4].map((k, i) => [i, k * TIMING.retryMs] as const)) {
    h.pays[i]!.d.reject(unchecked());
    await flush();
    assert.equal(h.state(), 'unchecked');
    assert.equal(h.ctx().attempts, 0, 'an unchecked answer is not a failed attempt');
    assert.match(h.ctx().lastError ?? '', /ERR_PAYMENT_UNCHECKED/);
    h.clock.increment(wait - 1);
    await flush();
    assert.equal(h.pays.length, i + 1, `no resend before ${wait} ms`);
    h.clock.increment(1);
    await flush();
    assert.equal(h.state(), 'paying');
    assert.equal(h.pays.length, i + 2);
  }
  // An ordinary failure still counts, and resets the unchecked backoff.
  h.pays[3]!.d.reject(new Error('no route'));
  await flush();
  assert.equal(h.state(), 'backingOff');
  assert.equal(h.ctx().unchecked, 0);
  h.clock.increment(TIMING.retryMs);
  await flush();
  h.pays[4]!.d.resolve(settledFor(INVOICE));
  await flush();
  assert.equal(h.state(), 'settled');
  assert.ok(
    h.pays.every((p) => p.invoice === INVOICE),
    'every send is the same invoice'
  );
});

test('unchecked too often: failed after MAX_UNCHECKED answers, waits capped at 16 × retryMs', async () => {
  const h = harness({}, { deadlineMs: LONG });
  await toFirstPay(h);
  let waited = 0;
  for (let i = 1; i <= MAX_UNCHECKED; i++) {
    h.pays[i - 1]!.d.reject(unchecked());
    await flush();
    if (i === MAX_UNCHECKED) break;
    assert.equal(h.state(), 'unchecked');
    const wait = TIMING.retryMs * Math.min(2 ** (i - 1), 16);
    h.clock.increment(wait);
    waited += wait;
    await flush();
    assert.equal(h.pays.length, i + 1);
  }
  assert.equal(h.state(), 'failed');
  assert.equal(waited, 191 * TIMING.retryMs);
  assert.ok(h.ctx().attempts <= TIMING.maxAttempts);
  h.clock.increment(1_000_000);
  await flush();
  assert.equal(h.pays.length, MAX_UNCHECKED, 'nothing is sent after failing');
});

test('unchecked past the deadline: defaulted, no resend', async () => {
  const h = harness();
  await toFirstPay(h);
  h.pays[0]!.d.reject(unchecked());
  await flush();
  assert.equal(h.state(), 'unchecked');
  h.clock.increment(TIMING.retryMs);
  await flush();
  assert.equal(h.state(), 'paying');
  // Accepted at +0, resent at +3 s: the deadline (+6 s) passes with the resend in flight (its
  // receipt timeout is at +8 s); its unchecked answer then ends the machine.
  h.clock.increment(TIMING.deadlineMs - 3_000);
  await flush();
  assert.equal(h.state(), 'paying');
  assert.equal(h.ctx().expired, true);
  h.pays[1]!.d.reject(unchecked());
  await flush();
  assert.equal(h.state(), 'defaulted');
  h.clock.increment(1_000_000);
  await flush();
  assert.equal(h.pays.length, 2);
});
