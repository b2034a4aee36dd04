/**
 * backup — one file version from disk to its suppliers (the original's backup automat, with the
 * upload folded in). Blocks go one at a time, so memory holds one block and its shards; within a
 * block the k + m shards go to their positions in parallel.
 *
 * States
 * - `preparing`: the `prepare` actor opens the source and reads the blocks staged by an earlier,
 *   interrupted run of the same backup id (they are durable on suppliers and are not sent again).
 * - `reading`: `nextBlock` reads and encodes the next block (or only hashes it when it is staged);
 *   its output says whether the source is exhausted.
 * - `sending`: `sendBlock` sends shard i to position i, retrying through the router, and stages the
 *   block in the catalog once enough positions acknowledged durable storage.
 * - `committing`: `commit` writes the version and its blocks in one durable catalog batch.
 * - `done` (final, output: version and pruned backup ids) / `failed` (final, output: error).
 *
 * Events: `backup.cancel` stops the job (`failed` with ERR_STORAGE_CANCELLED); progress is the
 * context (`blocksDone`, `blocksSkipped`, `bytesSent`), which the inspector shows.
 *
 * Failure and retry: transport retries are the router's; a block that cannot reach enough
 * positions fails the job, which stays resumable — a new job with the same backup id skips what
 * was staged.
 */
import { assign, fromPromise, setup } from 'xstate';

/** The job's input. */
export interface BackupInput {
  readonly path: string;
  readonly backupId: string;
}

/** What `nextBlock` reports. */
export interface BlockRead {
  /** `undefined` once the source is exhausted. */
  readonly index: number | undefined;
  /** True when the block was staged earlier: nothing to send. */
  readonly staged: boolean;
  readonly bytes: number;
}

/** The outcome of a job. */
export type BackupOutput =
  | { ok: true; version: number; pruned: readonly string[] }
  | { ok: false; code: string; message: string };

interface BackupContext extends BackupInput {
  current: number | undefined;
  blocksDone: number;
  blocksSkipped: number;
  bytesSent: number;
  error: { code: string; message: string } | undefined;
  result: { version: number; pruned: readonly string[] } | undefined;
}

const failure = (e: unknown) => ({
  code: (e as { code?: string })?.code ?? 'ERR_STORAGE_INTERNAL',
  message: e instanceof Error ? e.message : String(e)
});
const missing = () => Promise.reject(new Error('not provided'));

/** The backup job machine; provide `prepare`, `nextBlock`, `sendBlock` and `commit`. */
export const backupMachine = setup({
  types: {
    input: {} as BackupInput,
    context: {} as BackupContext,
    events: {} as { type: 'backup.cancel' },
    output: {} as BackupOutput
  },
  actors: {
    prepare: fromPromise<{ staged: number }>(missing),
    nextBlock: fromPromise<BlockRead>(missing),
    sendBlock: fromPromise<{ bytes: number }, { index: number }>(missing),
    commit: fromPromise<{ version: number; pruned: readonly string[] }>(missing)
  }
}).createMachine({
  id: 'backup',
  context: ({ input }) => ({
    ...input,
    current: undefined,
    blocksDone: 0,
    blocksSkipped: 0,
    bytesSent: 0,
    error: undefined,
    result: undefined
  }),
  initial: 'preparing',
  on: {
    'backup.cancel': {
      target: '.failed',
      actions: assign({ error: { code: 'ERR_STORAGE_CANCELLED', message: 'backup cancelled' } })
    }
  },
  states: {
    preparing: {
      invoke: {
        src: 'prepare',
        onDone: 'reading',
        onError: {
          target: 'failed',
          actions: assign({ error: ({ event }) => failure(event.error) })
        }
      }
    },
    reading: {
      invoke: {
        src: 'nextBlock',
        onDone: [
          { guard: ({ event }) => event.output.index === undefined, target: 'committing' },
          {
            guard: ({ event }) => event.output.staged,
            target: 'reading',
            reenter: true,
            actions: assign({ blocksSkipped: ({ context }) => context.blocksSkipped + 1 })
          },
          { target: 'sending', actions: assign({ current: ({ event }) => event.output.index }) }
        ],
        onError: {
          target: 'failed',
          actions: assign({ error: ({ event }) => failure(event.error) })
        }
      }
    },
    sending: {
      invoke: {
        src: 'sendBlock',
        input: ({ context }) => ({ index: context.current! }),
        onDone: {
          target: 'reading',
          actions: assign({
            blocksDone: ({ context }) => context.blocksDone + 1,
            bytesSent: ({ context, event }) => context.bytesSent + event.output.bytes
          })
        },
        onError: {
          target: 'failed',
          actions: assign({ error: ({ event }) => failure(event.error) })
        }
      }
    },
    committing: {
      invoke: {
        src: 'commit',
        onDone: { target: 'done', actions: assign({ result: ({ event }) => event.output }) },
        onError: {
          target: 'failed',
          actions: assign({ error: ({ event }) => failure(event.error) })
        }
      }
    },
    done: { type: 'final' },
    failed: { type: 'final' }
  },
  output: ({ context }): BackupOutput =>
    context.result
      ? { ok: true, ...context.result }
      : { ok: false, ...(context.error ?? { code: 'ERR_STORAGE_INTERNAL', message: 'no outcome' }) }
});
