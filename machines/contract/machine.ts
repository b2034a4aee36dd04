/**
 * contract — one storage contract between a customer and a supplier, from proposal to its end or
 * renewal. Both parties run it; the terms (bytes, term, price per GB-hour) are signed by both
 * over their canonical encoding (actors/payment signs and checks).
 *
 * States
 * - `proposed`: the provided `countersign` actor gets the other party's signature; no answer within
 *   `answerMs` counts as a failed attempt (a silent peer cannot hold the contract here forever).
 * - `active`: the term runs; `after` (term − notice) it is `expiring`.
 * - `expiring`: `contract.renew` → `renewed` (final; the caller starts the next contract with
 *   `seq + 1`), `contract.end` or the notice elapsing → `ended` (final).
 * - `rejected`: the other party refused or never answered (final).
 *
 * Events: `contract.renew`, `contract.end` (either state: ends early, e.g. the customer was
 * dropped for debt).
 *
 * Failure and retry: `countersign` failing (or timing out) is retried `maxAttempts` times,
 * `retryMs` apart; then `rejected`. Signing is idempotent: the contract id is fixed by the terms.
 */
import { assign, fromPromise, setup } from 'xstate';
import type { ContractTerms, SignedContract } from '../payment/records.js';

/** Input of one contract machine. */
export interface ContractInput {
  terms: ContractTerms;
  /** How long before the term ends renewal is decided. */
  noticeMs: number;
  retryMs: number;
  maxAttempts: number;
  /** How long one countersign attempt may take (default {@link ANSWER_MS}). */
  answerMs?: number;
}

/** The default bound of one countersign attempt. */
export const ANSWER_MS = 60_000;

interface ContractContext extends ContractInput {
  answerMs: number;
  signed: SignedContract | undefined;
  attempts: number;
  renewed: boolean;
  lastError: string | undefined;
}

/** The contract machine; provide `countersign`. */
export const contractMachine = setup({
  types: {
    input: {} as ContractInput,
    context: {} as ContractContext,
    events: {} as { type: 'contract.renew' } | { type: 'contract.end' },
    output: {} as { outcome: 'renewed' | 'ended' | 'rejected'; terms: ContractTerms }
  },
  actors: {
    countersign: fromPromise<SignedContract, { terms: ContractTerms }>(() =>
      Promise.reject(new Error('countersign not provided'))
    )
  },
  delays: {
    retry: ({ context }) => context.retryMs,
    active: ({ context }) => Math.max(0, context.terms.termMs - context.noticeMs),
    notice: ({ context }) => context.noticeMs,
    answer: ({ context }) => context.answerMs
  }
}).createMachine({
  id: 'contract',
  context: ({ input }) => ({
    ...input,
    answerMs: input.answerMs ?? ANSWER_MS,
    signed: undefined,
    attempts: 0,
    renewed: false,
    lastError: undefined
  }),
  initial: 'proposed',
  output: ({ context }) => ({
    outcome: context.renewed ? 'renewed' : context.signed ? 'ended' : 'rejected',
    terms: context.terms
  }),
  states: {
    proposed: {
      entry: assign({ attempts: ({ context }) => context.attempts + 1 }),
      invoke: {
        src: 'countersign',
        input: ({ context }) => ({ terms: context.terms }),
        onDone: { target: 'active', actions: assign({ signed: ({ event }) => event.output }) },
        onError: {
          target: 'backingOff',
          actions: assign({ lastError: ({ event }) => String(event.error) })
        }
      },
      after: {
        answer: { target: 'backingOff', actions: assign({ lastError: 'no answer in time' }) }
      }
    },
    backingOff: {
      always: {
        guard: ({ context }) => context.attempts >= context.maxAttempts,
        target: 'rejected'
      },
      after: { retry: 'proposed' }
    },
    active: { after: { active: 'expiring' }, on: { 'contract.end': 'ended' } },
    expiring: {
      after: { notice: 'ended' },
      on: {
        'contract.renew': { target: 'renewed', actions: assign({ renewed: true }) },
        'contract.end': 'ended'
      }
    },
    renewed: { type: 'final' },
    ended: { type: 'final' },
    rejected: { type: 'final' }
  }
});
