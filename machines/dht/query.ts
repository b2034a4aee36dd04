/**
 * query — one DHT RPC to one contact, on behalf of a lookup or a store (entangled's per-RPC
 * deferred with its rpc_timeout).
 *
 * States: `asking` invokes the provided `ask` actor (it sends the request through the router and
 * checks the reply: records verified, contacts well-formed); `answered` and `failed` are final.
 * A query that outlives `timeoutMs` fails even if the router is still retrying: a lookup must not
 * wait on one slow node while others could answer, so the per-query deadline lives here.
 * The output reports the contact, the query's depth (hop number) and the answer or the reason.
 */
import { assign, fromPromise, setup } from 'xstate';
import type { DhtContact, DhtRecord } from './messages.js';

/** What to ask a contact. */
export type DhtQueryRequest =
  | { op: 'ping' }
  | { op: 'find_node'; target: string }
  | { op: 'find_value'; key: string }
  | { op: 'store'; record: DhtRecord };

/** A checked answer: contacts (find-node, find-value), verified records (find-value). */
export interface DhtAnswer {
  nodes: DhtContact[];
  records: DhtRecord[];
}

/** Input of a query (and of the `ask` actor, minus the timeout). */
export interface QueryInput {
  contact: DhtContact;
  request: DhtQueryRequest;
  /** 1 for a query to a seed, n + 1 for a contact learned from a depth-n answer. */
  depth: number;
  timeoutMs: number;
}

/** What a query ends with. */
export interface QueryOutput {
  contact: DhtContact;
  depth: number;
  ok: boolean;
  answer: DhtAnswer | undefined;
  reason: string | undefined;
}

export const queryMachine = setup({
  types: {
    context: {} as QueryOutput & { request: DhtQueryRequest; timeoutMs: number },
    input: {} as QueryInput,
    output: {} as QueryOutput
  },
  actors: {
    /** Sends the request and checks the reply; provided by actors/dht. */
    ask: fromPromise<DhtAnswer, Omit<QueryInput, 'timeoutMs'>>(async () => {
      throw new Error('ask is provided by actors/dht');
    })
  },
  delays: { timeout: ({ context }) => context.timeoutMs }
}).createMachine({
  id: 'dht-query',
  context: ({ input }) => ({
    ...input,
    ok: false,
    answer: undefined,
    reason: undefined
  }),
  initial: 'asking',
  states: {
    asking: {
      invoke: {
        src: 'ask',
        input: ({ context }) => ({
          contact: context.contact,
          request: context.request,
          depth: context.depth
        }),
        onDone: {
          target: 'answered',
          actions: assign({ ok: true, answer: ({ event }) => event.output })
        },
        onError: {
          target: 'failed',
          actions: assign({
            reason: ({ event }) =>
              String((event.error as { code?: string })?.code ?? (event.error as Error)?.message)
          })
        }
      },
      after: { timeout: { target: 'failed', actions: assign({ reason: 'ERR_DHT_QUERY_TIMEOUT' }) } }
    },
    answered: { type: 'final' },
    failed: { type: 'final' }
  },
  output: ({ context }) => ({
    contact: context.contact,
    depth: context.depth,
    ok: context.ok,
    answer: context.answer,
    reason: context.reason
  })
});
