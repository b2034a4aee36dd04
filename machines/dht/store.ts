/**
 * store — publish one signed record on the `k` nodes closest to its key (Kademlia STORE after a
 * node lookup; entangled's iterativeStore).
 *
 * States
 * - `locating`: invokes a `lookup` (node mode) for the record's key.
 * - `storing`: spawns one `query` (op `store`) per contact the lookup returned, all in parallel,
 *   each with its own timeout, and counts acknowledgements.
 * - `stored` (final): every query ended and at least `minReplicas` nodes acknowledged. `failed` (final): fewer did, or
 *   the lookup found nobody.
 *
 * Failure and retry: a store is not retried here — the publisher's republish timer stores the
 * record again later (see the `maintenance` machine), which also reaches nodes that joined since.
 */
import { and, assign, enqueueActions, setup } from 'xstate';
import { lookupMachine, type LookupInput } from './lookup.js';
import type { DhtContact, DhtRecord } from './messages.js';
import { queryMachine, type QueryOutput } from './query.js';

/** Input of a store: the lookup's parameters (target = the record's key) plus the record. */
export interface StoreInput extends Omit<LookupInput, 'mode'> {
  record: DhtRecord;
  minReplicas: number;
}

/** What a store achieved. */
export interface StoreOutput {
  ok: boolean;
  /** Nodes that acknowledged the record. */
  replicas: DhtContact[];
  /** Nodes that refused it or did not answer. */
  failures: number;
  /** Hops of the locating lookup. */
  hops: number;
}

interface StoreContext extends StoreInput {
  targets: DhtContact[];
  outstanding: number;
  replicas: DhtContact[];
  failures: number;
  hops: number;
}

export const storeMachine = setup({
  types: {
    context: {} as StoreContext,
    input: {} as StoreInput,
    output: {} as StoreOutput
  },
  actors: { lookup: lookupMachine, query: queryMachine },
  guards: {
    allAnswered: ({ context }) => context.outstanding === 0,
    enoughReplicas: ({ context }) => context.replicas.length >= context.minReplicas
  }
}).createMachine({
  id: 'dht-store',
  context: ({ input }) => ({
    ...input,
    targets: [],
    outstanding: 0,
    replicas: [],
    failures: 0,
    hops: 0
  }),
  initial: 'locating',
  states: {
    locating: {
      invoke: {
        id: 'lookup',
        src: 'lookup',
        input: ({ context }) => ({
          target: context.target,
          mode: 'node' as const,
          self: context.self,
          seeds: context.seeds,
          k: context.k,
          alpha: context.alpha,
          queryTimeoutMs: context.queryTimeoutMs,
          maxQueries: context.maxQueries
        }),
        onDone: [
          {
            guard: ({ event }) => event.output.closest.length > 0,
            target: 'storing',
            actions: assign(({ event }) => ({
              targets: event.output.closest,
              outstanding: event.output.closest.length,
              hops: event.output.hops
            }))
          },
          { target: 'failed' }
        ]
      }
    },
    storing: {
      entry: enqueueActions(({ context, enqueue }) => {
        context.targets.forEach((contact, i) =>
          enqueue.spawnChild('query', {
            id: `s${i}`,
            input: {
              contact,
              request: { op: 'store', record: context.record },
              depth: context.hops + 1,
              timeoutMs: context.queryTimeoutMs
            }
          })
        );
      }),
      on: {
        'xstate.done.actor.*': {
          actions: assign(({ context, event }) => {
            const out = (event as unknown as { output: QueryOutput }).output;
            return {
              outstanding: context.outstanding - 1,
              replicas: out.ok ? [...context.replicas, out.contact] : context.replicas,
              failures: out.ok ? context.failures : context.failures + 1
            };
          })
        }
      },
      always: [
        { guard: and(['allAnswered', 'enoughReplicas']), target: 'stored' },
        { guard: 'allAnswered', target: 'failed' }
      ]
    },
    stored: { type: 'final' },
    failed: { type: 'final' }
  },
  output: ({ context }) => ({
    ok: context.replicas.length >= context.minReplicas && context.replicas.length > 0,
    replicas: context.replicas,
    failures: context.failures,
    hops: context.hops
  })
});
