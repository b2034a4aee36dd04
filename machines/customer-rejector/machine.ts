/**
 * customer-rejector — a supplier's patrol over its customers (the original's customers_rejector):
 * drops customers over their quota, idle past a limit, beyond the supplier's capacity, or unpaid
 * past the payment service's grace period (reason `unpaid`), and says why.
 *
 * States
 * - `idle`: waits `patrolMs` (an XState `after` on the actor's clock) or a `rejector.patrol`.
 * - `inspecting`: the provided `inspect` actor reports every account with its idle time and the
 *   capacity ({@link PatrolReport}); {@link decideRejections} picks who goes.
 * - `rejecting`: the provided `reject` actor drops those customers (data, account, and a durable
 *   refusal with the reason), then back to `idle`.
 *
 * Events: `rejector.patrol` (patrol now, e.g. after a policy change); `xstate.done/error` of the
 * two actors.
 *
 * Failure and retry: an `inspect` or `reject` failure is recorded in `lastError` and the machine
 * returns to `idle`; the next patrol tries again. Rejecting is idempotent (a dropped customer is
 * not reported again), so a half-done round is simply completed next time.
 */
import { assign, fromPromise, setup } from 'xstate';
import { decideRejections, type PatrolReport, type Rejection } from './decide.js';

export * from './decide.js';

/** Options of one rejector. */
export interface RejectorInput {
  /** Between patrols; the original patrolled hourly. */
  readonly patrolMs: number;
  /** Idle longer than this and the customer is dropped (the original: 14 days). */
  readonly idleLimitMs: number;
}

interface RejectorContext extends RejectorInput {
  patrols: number;
  pending: Rejection[];
  /** Latest rejections, newest last (at most 50), for the inspector. */
  history: Rejection[];
  lastError: string | undefined;
}

const HISTORY = 50;
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The customer-rejector machine; provide `inspect` and `reject`. */
export const customerRejectorMachine = setup({
  types: {
    input: {} as RejectorInput,
    context: {} as RejectorContext,
    events: {} as { type: 'rejector.patrol' }
  },
  actors: {
    inspect: fromPromise<PatrolReport>(() => Promise.reject(new Error('inspect not provided'))),
    reject: fromPromise<void, { rejections: readonly Rejection[] }>(() =>
      Promise.reject(new Error('reject not provided'))
    )
  },
  delays: { patrol: ({ context }) => context.patrolMs }
}).createMachine({
  id: 'customer-rejector',
  context: ({ input }) => ({
    ...input,
    patrols: 0,
    pending: [],
    history: [],
    lastError: undefined
  }),
  initial: 'idle',
  states: {
    idle: {
      after: { patrol: 'inspecting' },
      on: { 'rejector.patrol': 'inspecting' }
    },
    inspecting: {
      entry: assign({ patrols: ({ context }) => context.patrols + 1 }),
      invoke: {
        src: 'inspect',
        onDone: [
          {
            guard: ({ context, event }) =>
              decideRejections(event.output, context.idleLimitMs).length > 0,
            target: 'rejecting',
            actions: assign({
              pending: ({ context, event }) => decideRejections(event.output, context.idleLimitMs),
              lastError: undefined
            })
          },
          { target: 'idle', actions: assign({ lastError: undefined }) }
        ],
        onError: {
          target: 'idle',
          actions: assign({ lastError: ({ event }) => message(event.error) })
        }
      }
    },
    rejecting: {
      invoke: {
        src: 'reject',
        input: ({ context }) => ({ rejections: context.pending }),
        onDone: {
          target: 'idle',
          actions: assign({
            history: ({ context }) => [...context.history, ...context.pending].slice(-HISTORY),
            pending: []
          })
        },
        onError: {
          target: 'idle',
          actions: assign({ lastError: ({ event }) => message(event.error), pending: [] })
        }
      }
    }
  }
});
