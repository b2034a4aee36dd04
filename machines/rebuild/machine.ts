/**
 * rebuild — puts back every shard that is missing at a position (the original's
 * backup_rebuilder): a supplier lost and replaced, a shard found corrupt, or a newly hired
 * supplier that holds nothing yet.
 *
 * States
 * - `scanning`: `scan` lists what each position holds (the list-files machine) and compares it
 *   with the catalog; its output is the number of blocks with missing shards.
 * - `rebuilding`: `rebuildBlock` takes the blocks in order (the effect may work a few ahead):
 *   fetch k good shards from positions that hold them, reconstruct the stripe, check every rebuilt shard against the catalog's
 *   hash and send it to its position. A block with fewer than k shards alive is recorded as lost
 *   (it cannot be rebuilt; restores of it will name it) and the next one is tried.
 * - `done` (final; output: blocks rebuilt, shards sent, lost blocks) / `failed` (final, on
 *   `rebuild.cancel` or a scan error).
 *
 * Failure and retry: a block whose shards could not be sent stays missing and is counted in
 * `unsent`; the next rebuild run picks it up again.
 */
import { assign, fromPromise, setup } from 'xstate';

/** The job's input. */
export interface RebuildInput {
  /** Positions to rebuild; all when empty. */
  readonly positions: readonly number[];
}

/** What one block's rebuild did. */
export interface BlockRebuilt {
  readonly sent: number;
  readonly unsent: number;
  /** Set when fewer than k shards are alive: names the block. */
  readonly lost?: string;
}

/** The outcome. */
export type RebuildOutput =
  | { ok: true; blocks: number; sent: number; unsent: number; lost: readonly string[] }
  | { ok: false; code: string; message: string };

interface RebuildContext extends RebuildInput {
  count: number;
  next: number;
  sent: number;
  unsent: number;
  lost: string[];
  error: { code: string; message: string } | undefined;
}

const missing = () => Promise.reject(new Error('not provided'));
const failure = (e: unknown) => ({
  code: (e as { code?: string })?.code ?? 'ERR_STORAGE_INTERNAL',
  message: e instanceof Error ? e.message : String(e)
});

/** The rebuild machine; provide `scan` and `rebuildBlock`. */
export const rebuildMachine = setup({
  types: {
    input: {} as RebuildInput,
    context: {} as RebuildContext,
    events: {} as { type: 'rebuild.cancel' },
    output: {} as RebuildOutput
  },
  actors: {
    scan: fromPromise<{ count: number }, { positions: readonly number[] }>(missing),
    rebuildBlock: fromPromise<BlockRebuilt, { index: number }>(missing)
  }
}).createMachine({
  id: 'rebuild',
  context: ({ input }) => ({
    ...input,
    count: 0,
    next: 0,
    sent: 0,
    unsent: 0,
    lost: [],
    error: undefined
  }),
  on: {
    'rebuild.cancel': {
      target: '.failed',
      actions: assign({ error: { code: 'ERR_STORAGE_CANCELLED', message: 'rebuild cancelled' } })
    }
  },
  initial: 'scanning',
  states: {
    scanning: {
      invoke: {
        src: 'scan',
        input: ({ context }) => ({ positions: context.positions }),
        onDone: {
          target: 'rebuilding',
          actions: assign({ count: ({ event }) => event.output.count })
        },
        onError: {
          target: 'failed',
          actions: assign({ error: ({ event }) => failure(event.error) })
        }
      }
    },
    rebuilding: {
      always: { guard: ({ context }) => context.next >= context.count, target: 'done' },
      invoke: {
        src: 'rebuildBlock',
        input: ({ context }) => ({ index: context.next }),
        onDone: {
          target: 'rebuilding',
          reenter: true,
          actions: assign(({ context, event }) => ({
            next: context.next + 1,
            sent: context.sent + event.output.sent,
            unsent: context.unsent + event.output.unsent,
            lost: event.output.lost ? [...context.lost, event.output.lost] : context.lost
          }))
        },
        onError: {
          target: 'failed',
          actions: assign({ error: ({ event }) => failure(event.error) })
        }
      }
    },
    done: { type: 'final' },
    failed: { type: 'final' }
  },
  output: ({ context }): RebuildOutput =>
    context.error
      ? { ok: false, ...context.error }
      : {
          ok: true,
          blocks: context.count,
          sent: context.sent,
          unsent: context.unsent,
          lost: context.lost
        }
});
