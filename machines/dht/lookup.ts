/**
 * lookup — Kademlia's iterative node or value lookup (entangled's _iterativeFind).
 *
 * States
 * - `querying`: keeps up to `alpha` queries in flight (spawned `query` actors, each with its own
 *   timeout) to the closest contacts not yet asked, among the `k` closest that have not failed.
 *   Each answer adds the contacts it names (never ourselves), closest first.
 * - `converged` (final): the `k` closest live contacts have all answered, or — for a value
 *   lookup — verified records arrived, or `maxQueries` were spent.
 * - `failed` (final): no contact answered and no record arrived (no seeds, or all failed).
 *
 * Failure and retry: a query that fails or times out marks its contact failed and the next
 * closest is asked instead; the router below retries each request a bounded number of times.
 * Every lookup ends: each query ends by its timeout and at most `maxQueries` are started.
 * The output carries the hop count: the depth of the query that produced the result.
 */
import { and, assign, enqueueActions, setup } from 'xstate';
import { compareDistance, decodeId, distance } from './ids.js';
import type { DhtContact, DhtRecord } from './messages.js';
import { queryMachine, type QueryOutput } from './query.js';
import { mergeRecords, pickNext, type Candidate } from './lookup-state.js';

/** Input of a lookup. */
export interface LookupInput {
  /** Node id (find-node) or record key (find-value). */
  target: string;
  mode: 'node' | 'value';
  /** Our own id: never a candidate. */
  self: string;
  /** Where to start: the closest contacts of our routing table. */
  seeds: DhtContact[];
  k: number;
  alpha: number;
  queryTimeoutMs: number;
  maxQueries: number;
  /**
   * Value lookups only: keep going until the `k` closest have answered, merging every publisher's
   * records, instead of stopping at the first value. A layer key (suppliers, proxy routers) has
   * many publishers, and any one node may hold only some of them.
   */
  collect?: boolean;
}

/** What a lookup found. */
export interface LookupOutput {
  ok: boolean;
  /** Up to `k` contacts that answered, closest to the target first. */
  closest: DhtContact[];
  /** Verified records (value lookups), one per publisher, newest revision. */
  records: DhtRecord[];
  /** Depth of the query that produced the result (the target's answer, or the first value). */
  hops: number;
  queries: number;
  failures: number;
  /** Contacts whose query failed, so the caller can drop them from its table. */
  failed: string[];
}

interface LookupContext extends LookupInput {
  targetBytes: Uint8Array;
  candidates: Candidate[];
  inFlight: number;
  queries: number;
  records: DhtRecord[];
  hops: number;
}

export const lookupMachine = setup({
  types: {
    context: {} as LookupContext,
    input: {} as LookupInput,
    output: {} as LookupOutput
  },
  actors: { query: queryMachine },
  guards: {
    valueFound: ({ context }) =>
      context.mode === 'value' && !context.collect && context.records.length > 0,
    exhausted: ({ context }) =>
      context.inFlight === 0 &&
      (context.queries >= context.maxQueries || pickNext(context, 1).length === 0),
    anyAnswered: ({ context }) => context.candidates.some((c) => c.state === 'ok')
  },
  actions: {
    dispatch: enqueueActions(({ context, enqueue }) => {
      const room = Math.min(context.alpha - context.inFlight, context.maxQueries - context.queries);
      const next = pickNext(context, room);
      if (next.length === 0) return;
      const ids = new Set(next.map((c) => c.contact.id));
      enqueue.assign({
        candidates: context.candidates.map((c) =>
          ids.has(c.contact.id) ? { ...c, state: 'asking' as const } : c
        ),
        inFlight: context.inFlight + next.length,
        queries: context.queries + next.length
      });
      next.forEach((c, i) => {
        const request =
          context.mode === 'node'
            ? ({ op: 'find_node', target: context.target } as const)
            : ({ op: 'find_value', key: context.target } as const);
        enqueue.spawnChild('query', {
          id: `q${context.queries + i}`,
          input: {
            contact: c.contact,
            request,
            depth: c.depth,
            timeoutMs: context.queryTimeoutMs
          }
        });
      });
    }),
    absorb: assign(({ context, event }) => {
      const out = (event as unknown as { output: QueryOutput }).output;
      const known = new Set(context.candidates.map((c) => c.contact.id));
      let hops = context.hops;
      const fresh: Candidate[] = [];
      for (const contact of out.answer?.nodes ?? []) {
        if (contact.id === context.self || known.has(contact.id)) continue;
        known.add(contact.id);
        if (contact.id === context.target && hops < 0) hops = out.depth;
        const d = distance(decodeId(contact.id), context.targetBytes);
        fresh.push({ contact, distance: d, depth: out.depth + 1, state: 'new' });
      }
      const records = mergeRecords(context.records, out.answer?.records ?? []);
      if (records.length > 0 && context.records.length === 0) hops = out.depth;
      const candidates = [
        ...context.candidates.map((c) =>
          c.contact.id === out.contact.id
            ? { ...c, state: out.ok ? ('ok' as const) : ('failed' as const) }
            : c
        ),
        ...fresh
      ].sort((a, b) => compareDistance(a.distance, b.distance));
      return { candidates, records, hops, inFlight: context.inFlight - 1 };
    })
  }
}).createMachine({
  id: 'dht-lookup',
  context: ({ input }) => {
    const targetBytes = decodeId(input.target);
    const seen = new Set<string>([input.self]);
    const candidates: Candidate[] = [];
    for (const contact of input.seeds) {
      if (seen.has(contact.id)) continue;
      seen.add(contact.id);
      const d = distance(decodeId(contact.id), targetBytes);
      candidates.push({ contact, distance: d, depth: 1, state: 'new' });
    }
    candidates.sort((a, b) => compareDistance(a.distance, b.distance));
    // A target already among the seeds is found in zero hops; otherwise it is not found yet (−1).
    const hops = seen.has(input.target) && input.target !== input.self ? 0 : -1;
    return { ...input, targetBytes, candidates, inFlight: 0, queries: 0, records: [], hops };
  },
  initial: 'querying',
  states: {
    querying: {
      entry: 'dispatch',
      on: { 'xstate.done.actor.*': { actions: ['absorb', 'dispatch'] } },
      always: [
        { guard: 'valueFound', target: 'converged' },
        { guard: and(['exhausted', 'anyAnswered']), target: 'converged' },
        { guard: 'exhausted', target: 'failed' }
      ]
    },
    converged: { type: 'final' },
    failed: { type: 'final' }
  },
  output: ({ context }) => {
    const answered = context.candidates.filter((c) => c.state === 'ok');
    const deepest = answered.reduce((m, c) => Math.max(m, c.depth), 0);
    return {
      ok: answered.length > 0 || context.records.length > 0,
      closest: answered.slice(0, context.k).map((c) => c.contact),
      records: context.records,
      hops: context.hops >= 0 ? context.hops : deepest,
      queries: context.queries,
      failures: context.candidates.filter((c) => c.state === 'failed').length,
      failed: context.candidates.filter((c) => c.state === 'failed').map((c) => c.contact.id)
    };
  }
});
