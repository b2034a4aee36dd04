/**
 * payment — the customer's side of one invoice: verify → accept → pay → receipt.
 *
 * States
 * - `verifying`: the provided `verify` actor checks the invoice (signature, contract, usage against
 *   our own meter, dates, amounts); a bad one goes to `disputing`.
 * - `disputing`: `sendDispute` sends our signed dispute with our own figure for the period, then
 *   `disputed` (delivered or not). The supplier may answer with a corrected invoice (a new id,
 *   hence a new machine) or end service to us (machines/payment/dispute.ts).
 * - `accepting`: `sendAccept` delivers our signed usage acknowledgement (the supplier's donation
 *   receipt), then `waiting`.
 * - `waiting`: `payDelayMs`, so the donation receipts our own customers send for the same period
 *   arrive before we claim a waiver.
 * - `paying`: `pay` signs the payment (or the waiver, with evidence), sends it and resolves with
 *   the countersigned receipt; `receiptTimeoutMs` bounds each attempt.
 * - `backingOff` between attempts; `unfunded` while funds lack (retried every `retryMs`).
 * - `unchecked`: the payee answered ERR_PAYMENT_UNCHECKED (it could not cross-check our spend
 *   position on the DHT, so it did not countersign). Not a failed attempt: the same payment is
 *   sent again after `retryMs` × 1, 2, 4, 8, then 16 (backoff on the clock); after
 *   {@link MAX_UNCHECKED} such answers in a row it ends `failed`, and the deadline still applies.
 * - Deadline: `deadlineMs` after the invoice was accepted the machine stops trying and ends in
 *   `defaulted` — at once from `waiting`, `backingOff` or `unfunded`; an attempt in flight
 *   (`paying`) is let finish, since its payment may already be signed and sent, and a failure
 *   then defaults instead of retrying.
 * - final: `settled`, `disputed`, `defaulted`, `failed`.
 *
 * Events: none from outside; actors' done/error, `after` timers and the delayed
 * `payment.deadline` it raises for itself drive it.
 *
 * Failure and retry: every retry re-sends the same ids (invoice id, payment id), and the supplier
 * answers a payment it already countersigned with the same receipt, so retries never pay twice.
 * A machine that ends `failed` is run again by its owner (actors/payment/customer.ts) with
 * bounded backoff, from `verifying`, with the same accept and payment; the input `deadlineMs` is
 * then what is left of the first run's deadline.
 */
import { assign, fromPromise, raise, setup } from 'xstate';
import type { SettledPayment, SignedInvoice } from './records.js';
import type { Verdict } from './validate.js';

/**
 * Unchecked answers in a row after which the machine gives up: 15 waits of 1, 2, 4, 8, then 16 ×
 * `retryMs`, 191 × `retryMs` in all (about 48 h with the default 15 minutes).
 */
export const MAX_UNCHECKED = 16;

/** Input of one payment machine. */
export interface PaymentInput {
  invoice: SignedInvoice;
  payDelayMs: number;
  receiptTimeoutMs: number;
  retryMs: number;
  maxAttempts: number;
  deadlineMs: number;
}

interface PaymentContext extends PaymentInput {
  attempts: number;
  /** Time spent unfunded so far (informational). */
  waited: number;
  /** ERR_PAYMENT_UNCHECKED answers since the last other outcome. */
  unchecked: number;
  /** The deadline has passed: no new attempt starts. */
  expired: boolean;
  verdict: Verdict | undefined;
  settled: SettledPayment | undefined;
  lastError: string | undefined;
  /** The final state reached, for the output. */
  outcome: 'settled' | 'disputed' | 'defaulted' | 'failed' | undefined;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
type Inv = { invoice: SignedInvoice };

/** The payment machine; provide `verify`, `sendAccept`, `sendDispute` and `pay`. */
export const paymentMachine = setup({
  types: {
    input: {} as PaymentInput,
    context: {} as PaymentContext,
    events: {} as { type: 'payment.deadline' },
    output: {} as { outcome: string; settled: SettledPayment | undefined; verdict?: Verdict }
  },
  actors: {
    verify: fromPromise<Verdict, Inv>(() => Promise.reject(new Error('verify not provided'))),
    sendAccept: fromPromise<void, Inv>(() => Promise.reject(new Error('not provided'))),
    sendDispute: fromPromise<void, Inv & { verdict: Verdict }>(() =>
      Promise.reject(new Error('not provided'))
    ),
    pay: fromPromise<SettledPayment, Inv>(() => Promise.reject(new Error('pay not provided')))
  },
  delays: {
    pay: ({ context }) => context.payDelayMs,
    receipt: ({ context }) => context.receiptTimeoutMs,
    retry: ({ context }) => context.retryMs,
    deadline: ({ context }) => context.deadlineMs,
    recheck: ({ context }) => context.retryMs * 2 ** Math.min(context.unchecked - 1, 4)
  },
  guards: {
    exhausted: ({ context }) => context.attempts >= context.maxAttempts,
    expired: ({ context }) => context.expired,
    unfunded: ({ event }) => message((event as { error?: unknown }).error).includes('FUNDS'),
    unchecked: ({ event }) =>
      message((event as { error?: unknown }).error).includes('ERR_PAYMENT_UNCHECKED'),
    uncheckedTooOften: ({ context }) => context.unchecked >= MAX_UNCHECKED
  }
}).createMachine({
  id: 'payment',
  context: ({ input }) => ({
    ...input,
    attempts: 0,
    unchecked: 0,
    waited: 0,
    expired: false,
    verdict: undefined,
    settled: undefined,
    lastError: undefined,
    outcome: undefined
  }),
  initial: 'verifying',
  on: { 'payment.deadline': { actions: assign({ expired: true }) } },
  output: ({ context }) => ({
    outcome: context.outcome ?? 'unknown',
    settled: context.settled,
    ...(context.verdict ? { verdict: context.verdict } : {})
  }),
  states: {
    verifying: {
      invoke: {
        src: 'verify',
        input: ({ context }) => ({ invoice: context.invoice }),
        onDone: [
          { guard: ({ event }) => event.output.ok, target: 'accepting' },
          { target: 'disputing', actions: assign({ verdict: ({ event }) => event.output }) }
        ],
        onError: {
          target: 'failed',
          actions: assign({ lastError: ({ event }) => message(event.error) })
        }
      }
    },
    accepting: {
      entry: raise({ type: 'payment.deadline' }, { delay: 'deadline', id: 'deadline' }),
      invoke: {
        src: 'sendAccept',
        input: ({ context }) => ({ invoice: context.invoice }),
        onDone: 'waiting',
        onError: {
          target: 'failed',
          actions: assign({ lastError: ({ event }) => message(event.error) })
        }
      }
    },
    waiting: { after: { pay: 'paying' }, on: { 'payment.deadline': 'defaulted' } },
    paying: {
      entry: assign({ attempts: ({ context }) => context.attempts + 1 }),
      invoke: {
        src: 'pay',
        input: ({ context }) => ({ invoice: context.invoice }),
        onDone: { target: 'settled', actions: assign({ settled: ({ event }) => event.output }) },
        onError: [
          { guard: 'unfunded', target: 'unfunded', actions: assign({ unchecked: 0 }) },
          {
            guard: 'unchecked',
            target: 'unchecked',
            actions: assign({ lastError: ({ event }) => message(event.error) })
          },
          {
            target: 'backingOff',
            actions: assign({ lastError: ({ event }) => message(event.error), unchecked: 0 })
          }
        ]
      },
      after: {
        receipt: { target: 'backingOff', actions: assign({ lastError: 'receipt timeout' }) }
      }
    },
    backingOff: {
      always: [
        { guard: 'expired', target: 'defaulted' },
        { guard: 'exhausted', target: 'failed' }
      ],
      after: { retry: 'paying' },
      on: { 'payment.deadline': 'defaulted' }
    },
    unchecked: {
      // The payee is reachable and willing; its DHT is not: this attempt does not count.
      entry: assign({
        unchecked: ({ context }) => context.unchecked + 1,
        attempts: ({ context }) => context.attempts - 1
      }),
      always: [
        { guard: 'expired', target: 'defaulted' },
        { guard: 'uncheckedTooOften', target: 'failed' }
      ],
      after: { recheck: 'paying' },
      on: { 'payment.deadline': 'defaulted' }
    },
    unfunded: {
      entry: assign({ waited: ({ context }) => context.waited + context.retryMs, attempts: 0 }),
      always: { guard: 'expired', target: 'defaulted' },
      after: { retry: 'paying' },
      on: { 'payment.deadline': 'defaulted' }
    },
    disputing: {
      invoke: {
        src: 'sendDispute',
        input: ({ context }) => ({ invoice: context.invoice, verdict: context.verdict! }),
        onDone: 'disputed',
        onError: 'disputed'
      }
    },
    // Each final state names itself: output() runs before the snapshot shows the final state.
    settled: { type: 'final', entry: assign({ outcome: 'settled' }) },
    disputed: { type: 'final', entry: assign({ outcome: 'disputed' }) },
    defaulted: { type: 'final', entry: assign({ outcome: 'defaulted' }) },
    failed: { type: 'final', entry: assign({ outcome: 'failed' }) }
  }
});
