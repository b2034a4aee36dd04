/**
 * audit — proves, now and then, that each supplier still holds what it acknowledged. Every round
 * the `challenge` actor picks a random shard per position and asks for a random chunk of it with
 * its Merkle proof, checked against the root in the catalog (the supplier never learns which
 * chunk comes next, so it must keep them all).
 *
 * States
 * - `waiting`: until `intervalMs` passes or `audit.now` arrives.
 * - `challenging`: `challenge` runs one round; its output is one verdict per position: `pass`,
 *   `fail` (wrong proof, corrupt or missing shard) or `skip` (nothing stored there yet, or the
 *   supplier did not answer — offline is the connector's business, not a lie).
 * - back to `waiting`. A challenge round that throws is a skipped round.
 *
 * Scores: per position, passes and fails so far, and the failures in a row; reaching
 * `failLimit` in a row emits `reportFailed` (fire-hire fires the supplier) and resets the run.
 * A supplier change at a position (`audit.reset`) clears that position's score.
 */
import { assign, enqueueActions, fromPromise, setup } from 'xstate';

/** One position's verdict in a round. */
export interface AuditVerdict {
  readonly position: number;
  readonly supplierId: string;
  readonly result: 'pass' | 'fail' | 'skip';
  readonly detail?: string;
}

/** One position's score. */
export interface AuditScore {
  supplierId: string | undefined;
  passes: number;
  fails: number;
  inARow: number;
  lastDetail: string | undefined;
}

/** The machine's input. */
export interface AuditInput {
  readonly positions: number;
  readonly intervalMs: number;
  readonly failLimit: number;
}

interface AuditContext extends AuditInput {
  scores: AuditScore[];
  rounds: number;
}

const missing = () => Promise.reject(new Error('not provided'));
const blank = (): AuditScore => ({
  supplierId: undefined,
  passes: 0,
  fails: 0,
  inARow: 0,
  lastDetail: undefined
});

/** The audit machine; provide `challenge` and `reportFailed`. */
export const auditMachine = setup({
  types: {
    input: {} as AuditInput,
    context: {} as AuditContext,
    events: {} as { type: 'audit.now' } | { type: 'audit.reset'; position: number }
  },
  actors: {
    challenge: fromPromise<readonly AuditVerdict[]>(missing)
  },
  actions: {
    /** Entry: lets the effects layer find this actor. */
    announce: (_, _params: undefined) => undefined,
    /** A supplier failed `failLimit` audits in a row. */
    reportFailed: (_, _params: { position: number; supplierId: string; reason: string }) =>
      undefined
  },
  delays: { interval: ({ context }) => context.intervalMs }
}).createMachine({
  id: 'audit',
  context: ({ input }) => ({
    ...input,
    scores: Array.from({ length: input.positions }, blank),
    rounds: 0
  }),
  on: {
    'audit.reset': {
      actions: assign({
        scores: ({ context, event }) =>
          context.scores.map((s, i) => (i === event.position ? blank() : s))
      })
    }
  },
  entry: 'announce',
  initial: 'waiting',
  states: {
    waiting: {
      after: { interval: 'challenging' },
      on: { 'audit.now': 'challenging' }
    },
    challenging: {
      invoke: {
        src: 'challenge',
        onDone: {
          target: 'waiting',
          actions: enqueueActions(({ context, event, enqueue }) => {
            const scores = context.scores.map((s) => ({ ...s }));
            for (const v of event.output) {
              const s = scores[v.position];
              if (!s || v.result === 'skip') continue;
              if (s.supplierId !== v.supplierId)
                Object.assign(s, blank(), { supplierId: v.supplierId });
              s.lastDetail = v.detail;
              if (v.result === 'pass') {
                s.passes++;
                s.inARow = 0;
                continue;
              }
              s.fails++;
              s.inARow++;
              if (s.inARow >= context.failLimit) {
                s.inARow = 0;
                enqueue({
                  type: 'reportFailed',
                  params: {
                    position: v.position,
                    supplierId: v.supplierId,
                    reason: `failed ${context.failLimit} audits in a row: ${v.detail ?? 'bad proof'}`
                  }
                });
              }
            }
            enqueue.assign({ scores, rounds: context.rounds + 1 });
          })
        },
        onError: {
          target: 'waiting',
          actions: assign({ rounds: ({ context }) => context.rounds + 1 })
        }
      }
    }
  }
});

/** A score as a number in [0, 1] (1 for a supplier never audited). */
export const scoreOf = (s: AuditScore): number =>
  s.passes + s.fails === 0 ? 1 : s.passes / (s.passes + s.fails);
