/**
 * list-files — asks the supplier at every position what it holds for us (the original's
 * list_files_orator), page by page through `cmd.list-files`. Rebuild and the live redundancy
 * figures read the holdings the `listPosition` actor records.
 *
 * States
 * - `listing`: `listPosition` lists one position (all pages); positions go in order, one at a
 *   time, so a slow supplier delays but never overloads the others.
 * - `done` (final): output `{ listed, unreachable }` — positions that answered and those that did
 *   not (offline, no service, refused). An unreachable position holds nothing as far as rebuild
 *   is concerned.
 *
 * Failure and retry: a position that fails is recorded and the next one is tried; the router
 * retries transport errors underneath.
 */
import { assign, fromPromise, setup } from 'xstate';

/** The machine's input: which positions to list. */
export interface ListFilesInput {
  readonly positions: readonly number[];
}

/** The outcome. */
export interface ListFilesOutput {
  readonly listed: readonly number[];
  readonly unreachable: readonly number[];
}

interface ListFilesContext extends ListFilesInput {
  next: number;
  listed: number[];
  unreachable: number[];
}

const missing = () => Promise.reject(new Error('not provided'));

/** The list-files machine; provide `listPosition` (resolves with the shard count). */
export const listFilesMachine = setup({
  types: {
    input: {} as ListFilesInput,
    context: {} as ListFilesContext,
    output: {} as ListFilesOutput
  },
  actors: { listPosition: fromPromise<number, { position: number }>(missing) }
}).createMachine({
  id: 'list-files',
  context: ({ input }) => ({ ...input, next: 0, listed: [], unreachable: [] }),
  initial: 'listing',
  states: {
    listing: {
      always: { guard: ({ context }) => context.next >= context.positions.length, target: 'done' },
      invoke: {
        src: 'listPosition',
        input: ({ context }) => ({ position: context.positions[context.next]! }),
        onDone: {
          target: 'listing',
          reenter: true,
          actions: assign({
            listed: ({ context }) => [...context.listed, context.positions[context.next]!],
            next: ({ context }) => context.next + 1
          })
        },
        onError: {
          target: 'listing',
          reenter: true,
          actions: assign({
            unreachable: ({ context }) => [
              ...context.unreachable,
              context.positions[context.next]!
            ],
            next: ({ context }) => context.next + 1
          })
        }
      }
    },
    done: { type: 'final' }
  },
  output: ({ context }) => ({ listed: context.listed, unreachable: context.unreachable })
});
