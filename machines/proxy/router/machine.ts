/**
 * router — the proxy router service (the original's proxy_router): opt-in, announced in the DHT
 * proxy-routers layer, relaying circuits for others up to a capacity.
 *
 * Purpose: decide, one request at a time, whether this node carries another circuit hop, and
 * keep the counts the API shows. The relaying itself (Noise layers, cells, routed frames) is in
 * actors/proxy/router-node.ts, which provides `acceptRoute`/`refuseRoute` and `announce`.
 *
 * States
 * - `stopped`: refuses every route ("router stopped").
 * - `announcing`: `announce` puts the router in the proxy-routers layer (resolves at once
 *   without a DHT); routes are already served meanwhile.
 * - `serving.open` ⇄ `serving.full`: below or at `maxCircuits`.
 *
 * Events: `router.start`, `router.stop`, `route.open { key }`, `route.close { key }`, and
 * `router.announce` (announce again now: the node's DHT has just come up).
 *
 * Failure and retry: a refused route is answered with a plain reason and counted; a failed
 * announcement is recorded in `announceError` and retried after `reannounceMs`, while serving.
 */
import { assign, fromPromise, setup } from 'xstate';

/** Router settings. */
export interface RouterInput {
  /** Circuit hops carried at once (the original's routes-limit, default 20). */
  maxCircuits?: number;
  /** Delay before retrying a failed announcement. Default 60 s. */
  reannounceMs?: number;
}

/** Context: capacity, load and counters. */
export interface RouterContext {
  maxCircuits: number;
  reannounceMs: number;
  circuits: number;
  accepted: number;
  refused: number;
  announced: boolean;
  announceError: string | null;
}

/** Events from the router node. */
export type RouterEvent =
  | { type: 'router.start' }
  | { type: 'router.stop' }
  | { type: 'router.announce' }
  | { type: 'route.open'; key: string }
  | { type: 'route.close'; key: string };

const fullReason = (c: RouterContext) =>
  `router full: ${c.circuits} of ${c.maxCircuits} circuits in use`;

/** The proxy router machine. */
export const routerMachine = setup({
  types: {
    context: {} as RouterContext,
    events: {} as RouterEvent,
    input: {} as RouterInput
  },
  actors: { announce: fromPromise<boolean>(async () => false) },
  actions: {
    acceptRoute: (_, _params: { key: string }) => {},
    refuseRoute: (_, _params: { key: string; reason: string }) => {},
    withdraw: () => {},
    countRefused: assign({ refused: ({ context }) => context.refused + 1 })
  },
  guards: {
    hasRoom: ({ context }) => context.circuits < context.maxCircuits
  },
  delays: { reannounce: ({ context }) => context.reannounceMs }
}).createMachine({
  id: 'router',
  context: ({ input }) => ({
    maxCircuits: input.maxCircuits ?? 20,
    reannounceMs: input.reannounceMs ?? 60_000,
    circuits: 0,
    accepted: 0,
    refused: 0,
    announced: false,
    announceError: null
  }),
  initial: 'stopped',
  on: {
    'route.open': [
      {
        guard: 'hasRoom',
        actions: [
          assign(({ context }) => ({
            circuits: context.circuits + 1,
            accepted: context.accepted + 1
          })),
          { type: 'acceptRoute', params: ({ event }) => ({ key: event.key }) }
        ]
      },
      {
        actions: [
          'countRefused',
          {
            type: 'refuseRoute',
            params: ({ context, event }) => ({ key: event.key, reason: fullReason(context) })
          }
        ]
      }
    ],
    'route.close': {
      actions: assign({ circuits: ({ context }) => Math.max(0, context.circuits - 1) })
    },
    'router.stop': { target: '.stopped', actions: 'withdraw' }
  },
  states: {
    stopped: {
      entry: assign({ announced: false }),
      on: {
        'router.start': 'announcing',
        'route.open': {
          actions: [
            'countRefused',
            {
              type: 'refuseRoute',
              params: ({ event }) => ({ key: event.key, reason: 'router stopped' })
            }
          ]
        },
        'router.stop': {}
      }
    },
    announcing: {
      invoke: {
        src: 'announce',
        onDone: {
          target: 'serving',
          actions: assign({ announced: ({ event }) => event.output, announceError: null })
        },
        onError: {
          target: 'serving',
          actions: assign({ announceError: ({ event }) => String((event.error as Error)?.message) })
        }
      }
    },
    serving: {
      initial: 'open',
      after: {
        reannounce: { guard: ({ context }) => context.announceError !== null, target: 'announcing' }
      },
      on: { 'router.announce': 'announcing' },
      states: {
        open: {
          always: {
            guard: ({ context }) => context.circuits >= context.maxCircuits,
            target: 'full'
          }
        },
        full: { always: { guard: 'hasRoom', target: 'open' } }
      }
    }
  }
});
