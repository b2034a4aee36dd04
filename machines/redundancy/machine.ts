/**
 * redundancy — keeps every backed-up file's live redundancy where the inspector can see it: how
 * many of its k + m shards are alive now (on a hired supplier that listed them), and how many more
 * losses it tolerates ("5 of 6 shards alive; tolerates 1 more loss").
 *
 * States
 * - `waiting`: until `intervalMs` passes or `redundancy.refresh` arrives (a hire, a fire, a rebuild
 *   or a backup changed the picture).
 * - `measuring`: the `measure` actor compares what each position holds with the catalog; its
 *   output replaces the files in the context, worst first, at most `maxFiles` of them (the counts
 *   cover all). A refresh that arrives while measuring measures again right after.
 *
 * Failure: a measurement that throws keeps the previous figures, records the error and waits for
 * the next interval; nothing is retried sooner.
 */
import { assign, fromPromise, setup } from 'xstate';

/** One file's live redundancy. */
export interface FileRedundancy {
  readonly path: string;
  readonly version: number;
  readonly alive: number;
  readonly total: number;
  /** Losses still tolerated: alive − k (negative: some blocks cannot be recovered now). */
  readonly tolerates: number;
  readonly text: string;
}

/** The machine's input. */
export interface RedundancyInput {
  readonly intervalMs: number;
  readonly maxFiles: number;
}

interface RedundancyContext extends RedundancyInput {
  files: FileRedundancy[];
  fileCount: number;
  /** Files that tolerate no further loss. */
  atRisk: number;
  /** Files some of whose blocks cannot be recovered now. */
  unrecoverable: number;
  measurements: number;
  stale: boolean;
  lastError: string | undefined;
}

const missing = () => Promise.reject(new Error('not provided'));

/** A measurement's output as context: worst first, capped, with counts over all files. */
function summary(context: RedundancyContext, all: readonly FileRedundancy[]) {
  const worst = [...all].sort((a, b) => a.tolerates - b.tolerates || (a.path < b.path ? -1 : 1));
  return {
    files: worst.slice(0, context.maxFiles),
    fileCount: all.length,
    atRisk: all.filter((f) => f.tolerates <= 0).length,
    unrecoverable: all.filter((f) => f.tolerates < 0).length,
    measurements: context.measurements + 1,
    lastError: undefined
  };
}

/** The redundancy machine; provide `measure`. */
export const redundancyMachine = setup({
  types: {
    input: {} as RedundancyInput,
    context: {} as RedundancyContext,
    events: {} as { type: 'redundancy.refresh' }
  },
  actors: {
    measure: fromPromise<readonly FileRedundancy[]>(missing)
  },
  actions: {
    /** Entry: lets the effects layer find this actor. */
    announce: (_, _params: undefined) => undefined
  },
  guards: {
    stale: ({ context }) => context.stale
  },
  delays: { interval: ({ context }) => context.intervalMs }
}).createMachine({
  id: 'redundancy',
  context: ({ input }) => ({
    ...input,
    files: [],
    fileCount: 0,
    atRisk: 0,
    unrecoverable: 0,
    measurements: 0,
    stale: false,
    lastError: undefined
  }),
  entry: 'announce',
  initial: 'measuring',
  states: {
    waiting: {
      after: { interval: 'measuring' },
      on: { 'redundancy.refresh': 'measuring' }
    },
    measuring: {
      entry: assign({ stale: false }),
      on: { 'redundancy.refresh': { actions: assign({ stale: true }) } },
      invoke: {
        src: 'measure',
        onDone: [
          {
            guard: 'stale',
            target: 'measuring',
            reenter: true,
            actions: assign(({ context, event }) => summary(context, event.output))
          },
          {
            target: 'waiting',
            actions: assign(({ context, event }) => summary(context, event.output))
          }
        ],
        onError: {
          target: 'waiting',
          actions: assign({
            lastError: ({ event }) => String((event.error as Error)?.message ?? event.error),
            measurements: ({ context }) => context.measurements + 1
          })
        }
      }
    }
  }
});
