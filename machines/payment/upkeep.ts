/**
 * payment-upkeep — the clock of a node's payment service: meters, contracts, bills and standings.
 *
 * States
 * - `idle`: waits `tickMs` (an XState `after` on the actor's clock) or a `payment.tick`.
 * - `ticking`: the provided `tick` actor does one round — syncs the meter with storage, proposes
 *   contracts to newly hired suppliers and ends those with fired ones, bills every customer when a
 *   period boundary has passed, recomputes standings — and resolves with a {@link UpkeepView} the
 *   inspector shows (balance, grants, debts, standings). Then back to `idle`.
 *
 * Events: `payment.tick` (tick now, e.g. from a test or the operator); done/error of `tick`.
 *
 * Failure and retry: a failed round is recorded in `lastError` and the next tick tries again; every
 * step of a round is idempotent (invoice ids derive from their period, contracts from their terms).
 */
import { assign, fromPromise, setup } from 'xstate';

/** What one round reports (JSON, so the inspector draws it). */
export interface UpkeepView {
  /** µc, decimal strings: the ledger's balance, what was granted, what is spendable. */
  balance: string;
  granted: string;
  spendable: string;
  entries: number;
  /** Contracts we are a party to. */
  contracts: number;
  /** Per customer we supply: µc owed and the fairness standing. */
  customers: Array<{ customer: string; owed: string; standing: string; detail: string }>;
  /** The last billing boundary (ms). */
  billedTo: number;
}

/** Input of the upkeep machine. */
export interface UpkeepInput {
  tickMs: number;
}

interface UpkeepContext extends UpkeepInput {
  ticks: number;
  view: UpkeepView | undefined;
  lastError: string | undefined;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The upkeep machine; provide `tick` (and `announce`, told the actor at start). */
export const paymentUpkeepMachine = setup({
  types: {
    input: {} as UpkeepInput,
    context: {} as UpkeepContext,
    events: {} as { type: 'payment.tick' }
  },
  actors: {
    tick: fromPromise<UpkeepView>(() => Promise.reject(new Error('tick not provided')))
  },
  actions: { announce: () => undefined },
  delays: { tick: ({ context }) => context.tickMs }
}).createMachine({
  id: 'payment-upkeep',
  context: ({ input }) => ({ ...input, ticks: 0, view: undefined, lastError: undefined }),
  entry: 'announce',
  initial: 'idle',
  states: {
    idle: {
      after: { tick: 'ticking' },
      on: { 'payment.tick': 'ticking' }
    },
    ticking: {
      entry: assign({ ticks: ({ context }) => context.ticks + 1 }),
      invoke: {
        src: 'tick',
        onDone: {
          target: 'idle',
          actions: assign({ view: ({ event }) => event.output, lastError: undefined })
        },
        onError: {
          target: 'idle',
          actions: assign({ lastError: ({ event }) => message(event.error) })
        }
      }
    }
  }
});
