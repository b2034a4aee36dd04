/**
 * tree-job — a backup, restore or rebuild started through the API, as one actor the inspector can
 * follow: its context says what the job is and how far it has come (files or blocks, bytes),
 * while the per-file jobs it starts appear beside it under the customer's supervisor.
 *
 * States
 * - `running`: the `work` actor does the job; it reports progress to this machine with
 *   `tree.progress` events, which replace `progress` (counts never go back; older ones are
 *   ignored). Substates: `working`, then `cancelling` once `tree.cancel` came: `work` watches
 *   for it, stops starting anything new and winds down what it started (a backup keeps what its
 *   suppliers acknowledged, a restore removes its partial files).
 * - `done` (final): `work` finished (also when a cancel came too late to stop it).
 * - `cancelled` (final): `work` gave up with ERR_STORAGE_CANCELLED; `error` holds it.
 * - `failed` (final): `work` threw; `error` holds its code and message.
 *
 * Events: `tree.progress { progress }`, `tree.cancel`.
 * Nothing is retried here: the job's own steps retry what can be retried, and a failed job is
 * reported to whoever started it.
 */
import { assign, fromPromise, setup, type AnyActorRef } from 'xstate';

/** The code a job that gave up after `tree.cancel` throws. */
export const CANCELLED = 'ERR_STORAGE_CANCELLED';

/** How far a job has come. */
export interface TreeJobProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly itemsDone: number;
  readonly itemsTotal: number;
  readonly items: 'files' | 'blocks';
}

/** The machine's input. */
export interface TreeJobInput {
  readonly kind: 'backup' | 'restore' | 'rebuild';
  /** What the job works on (a path, or the positions of a rebuild), for people to read. */
  readonly target: string;
}

interface TreeJobContext extends TreeJobInput {
  progress: TreeJobProgress | undefined;
  error: { code: string; message: string } | undefined;
}

/** The tree-job machine; provide `work`. */
export const treeJobMachine = setup({
  types: {
    input: {} as TreeJobInput,
    context: {} as TreeJobContext,
    events: {} as { type: 'tree.progress'; progress: TreeJobProgress } | { type: 'tree.cancel' },
    output: {} as { ok: boolean }
  },
  actors: {
    work: fromPromise<void, { parent: AnyActorRef }>(() =>
      Promise.reject(new Error('not provided'))
    )
  },
  guards: {
    forward: ({ context, event }) =>
      event.type === 'tree.progress' &&
      (!context.progress ||
        (event.progress.bytesDone >= context.progress.bytesDone &&
          event.progress.itemsDone >= context.progress.itemsDone)),
    gaveUp: ({ event }) => (event as { error?: { code?: unknown } }).error?.code === CANCELLED
  },
  actions: {
    keepError: assign({
      error: ({ event }) => {
        const e = (event as { error?: unknown }).error as { code?: unknown; message?: unknown };
        return {
          code: typeof e?.code === 'string' ? e.code : 'ERR_STORAGE_FAILED',
          message: typeof e?.message === 'string' ? e.message : String(e)
        };
      }
    })
  }
}).createMachine({
  id: 'tree-job',
  context: ({ input }) => ({ ...input, progress: undefined, error: undefined }),
  initial: 'running',
  states: {
    running: {
      initial: 'working',
      states: {
        working: { on: { 'tree.cancel': 'cancelling' } },
        cancelling: {}
      },
      on: {
        'tree.progress': {
          guard: 'forward',
          actions: assign({
            progress: ({ event, context }) =>
              event.type === 'tree.progress' ? event.progress : context.progress
          })
        }
      },
      invoke: {
        src: 'work',
        input: ({ self }) => ({ parent: self }),
        onDone: 'done',
        onError: [
          { guard: 'gaveUp', target: 'cancelled', actions: 'keepError' },
          { target: 'failed', actions: 'keepError' }
        ]
      }
    },
    done: { type: 'final' },
    cancelled: { type: 'final' },
    failed: { type: 'final' }
  },
  output: ({ context }) => ({ ok: context.error === undefined })
});
