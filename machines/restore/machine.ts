/**
 * restore — one file version from its suppliers to disk (the original's restore_worker, one per
 * download). Blocks are written in order, one at a time (the effect fetches a few ahead), into a
 * temporary file.
 *
 * States
 * - `preparing`: `prepare` checks the target (no overwrite unless asked), opens the temporary file
 *   and reports the block count.
 * - `fetching`: `restoreBlock` gets the block from k positions (data shards first, another
 *   position for each failure or bad shard, all of them once the block is late), checks them
 *   against the catalog's hashes, reconstructs if need be, decrypts and writes it. A
 *   block that cannot be recovered is recorded and the next one is tried, so the final error
 *   names every lost block at once.
 * - `finishing`: `finish` checks the lost list and the file's hash, then renames over the target.
 * - `aborting`: `abort` removes the temporary file; then `failed`.
 * - `done` / `failed` (final; the output carries the error code and the lost blocks).
 *
 * Events: `restore.cancel`. Progress: `blocksDone`, `lost` in the context.
 */
import { assign, fromPromise, setup } from 'xstate';

/** The job's input. */
export interface RestoreInput {
  readonly path: string;
  readonly version: number;
}

/** The outcome of a job. */
export type RestoreOutput =
  | { ok: true; blocks: number }
  | { ok: false; code: string; message: string; lost: readonly number[] };

interface RestoreContext extends RestoreInput {
  blockCount: number;
  next: number;
  blocksDone: number;
  lost: number[];
  error: { code: string; message: string } | undefined;
}

const failure = (e: unknown) => ({
  code: (e as { code?: string })?.code ?? 'ERR_STORAGE_INTERNAL',
  message: e instanceof Error ? e.message : String(e)
});
const missing = () => Promise.reject(new Error('not provided'));

/** The restore job machine; provide `prepare`, `restoreBlock`, `finish` and `abort`. */
export const restoreMachine = setup({
  types: {
    input: {} as RestoreInput,
    context: {} as RestoreContext,
    events: {} as { type: 'restore.cancel' },
    output: {} as RestoreOutput
  },
  actors: {
    prepare: fromPromise<{ blockCount: number }>(missing),
    restoreBlock: fromPromise<{ ok: boolean }, { index: number }>(missing),
    finish: fromPromise<void, { lost: readonly number[] }>(missing),
    abort: fromPromise<void>(missing)
  }
}).createMachine({
  id: 'restore',
  context: ({ input }) => ({
    ...input,
    blockCount: 0,
    next: 0,
    blocksDone: 0,
    lost: [],
    error: undefined
  }),
  initial: 'preparing',
  on: {
    'restore.cancel': {
      target: '.aborting',
      actions: assign({ error: { code: 'ERR_STORAGE_CANCELLED', message: 'restore cancelled' } })
    }
  },
  states: {
    preparing: {
      invoke: {
        src: 'prepare',
        onDone: {
          target: 'fetching',
          actions: assign({ blockCount: ({ event }) => event.output.blockCount })
        },
        onError: {
          target: 'failed',
          actions: assign({ error: ({ event }) => failure(event.error) })
        }
      }
    },
    fetching: {
      always: { guard: ({ context }) => context.next >= context.blockCount, target: 'finishing' },
      invoke: {
        src: 'restoreBlock',
        input: ({ context }) => ({ index: context.next }),
        onDone: {
          target: 'fetching',
          reenter: true,
          actions: assign({
            next: ({ context }) => context.next + 1,
            blocksDone: ({ context, event }) => context.blocksDone + (event.output.ok ? 1 : 0),
            lost: ({ context, event }) =>
              event.output.ok ? context.lost : [...context.lost, context.next]
          })
        },
        onError: {
          target: 'aborting',
          actions: assign({ error: ({ event }) => failure(event.error) })
        }
      }
    },
    finishing: {
      invoke: {
        src: 'finish',
        input: ({ context }) => ({ lost: context.lost }),
        onDone: 'done',
        onError: {
          target: 'aborting',
          actions: assign({ error: ({ event }) => failure(event.error) })
        }
      }
    },
    aborting: {
      invoke: { src: 'abort', onDone: 'failed', onError: 'failed' }
    },
    done: { type: 'final' },
    failed: { type: 'final' }
  },
  output: ({ context }): RestoreOutput =>
    context.error
      ? { ok: false, ...context.error, lost: context.lost }
      : { ok: true, blocks: context.blockCount }
});
