/**
 * receiver — keeps a node reachable through proxy routers without revealing its address (the
 * original's proxy_receiver, with circuits instead of one trusted hop).
 *
 * Purpose: find routers, build a circuit through `hops` of them (1 for NAT only, 3 in privacy
 * mode), publish the last hop's proxy address as the node's only contact, and when the circuit
 * dies build another one through other routers.
 *
 * States
 * - `offline`: not started, or stopped.
 * - `finding`: `findRouters` picks a path, avoiding routers suspected by earlier failures.
 * - `attached.building`: the invoked `circuit` actor (the circuit machine with real effects)
 *   builds and registers; `circuit.ready` → `attached.listening` and `publishContacts`.
 * - `attached.listening`: relayed; the circuit keeps itself alive. With `spare`, the circuit actor
 *   also builds a spare through `sparePath` (the next `hops` routers found, disjoint from `path`,
 *   when there are that many) and, when the active circuit fails while the spare is up, switches
 *   to it and reports `circuit.switched`: the new address is published at once, without a build
 *   or a backoff. The spare is not replaced; the next failure rebuilds as usual.
 * - `backoff`: waits `retryDelayMs · 2^attempt` (capped) before finding again.
 *
 * Events: `receiver.start`, `receiver.stop`, `circuit.ready { address }`, `circuit.failed { code,
 * reason, suspects }`, `circuit.switched { address, code, reason, suspects }`.
 *
 * Failure and retry: every failure (no routers, refusal, timeout, authentication failure, router
 * lost) is counted by code, its suspects are remembered, the contacts are withdrawn and the
 * receiver retries after a backoff that resets once a circuit is up. It never gives up on its own.
 */
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import type { ReceiverContext, ReceiverEvent, ReceiverInput } from './types.js';

export type { ReceiverContext, ReceiverEvent, ReceiverInput } from './types.js';

/** The receiver machine; `findRouters`, `circuit` and the contact actions are provided. */
export const receiverMachine = setup({
  types: {
    context: {} as ReceiverContext,
    events: {} as ReceiverEvent,
    input: {} as ReceiverInput
  },
  actors: {
    findRouters: fromPromise<string[], { hops: number; suspects: Record<string, number> }>(
      async () => []
    ),
    circuit: fromCallback<ReceiverEvent, { path: string[]; spare: string[] }>(() => {})
  },
  actions: {
    publishContacts: (_, _params: { address: string; path: string[] }) => {},
    withdrawContacts: () => {}
  },
  delays: {
    retry: ({ context }) =>
      Math.min(context.maxRetryDelayMs, context.retryDelayMs * 2 ** Math.min(context.attempt, 16))
  }
}).createMachine({
  id: 'receiver',
  context: ({ input }) => ({
    hops: input.hops,
    retryDelayMs: input.retryDelayMs ?? 500,
    maxRetryDelayMs: input.maxRetryDelayMs ?? 30_000,
    path: [],
    spare: input.spare ?? false,
    sparePath: [],
    switches: 0,
    address: null,
    suspects: {},
    failures: {},
    rebuilds: 0,
    circuits: 0,
    attempt: 0,
    lastReason: null
  }),
  initial: 'offline',
  on: {
    'receiver.stop': { target: '.offline', actions: 'withdrawContacts' }
  },
  states: {
    offline: {
      entry: assign({ address: null }),
      on: { 'receiver.start': 'finding' }
    },
    finding: {
      invoke: {
        src: 'findRouters',
        input: ({ context }) => ({ hops: context.hops, suspects: context.suspects }),
        onDone: [
          {
            guard: ({ context, event }) => event.output.length >= context.hops,
            target: 'attached',
            actions: assign(({ context, event }) => ({
              path: event.output.slice(0, context.hops),
              // Only a disjoint spare survives the loss of a router of the path.
              sparePath:
                context.spare && event.output.length >= 2 * context.hops
                  ? event.output.slice(context.hops, 2 * context.hops)
                  : []
            }))
          },
          {
            target: 'backoff',
            actions: assign(({ context, event }) => ({
              lastReason: `not enough proxy routers: ${event.output.length} of ${context.hops}`,
              failures: bump(context.failures, 'ERR_PROXY_NO_ROUTERS')
            }))
          }
        ],
        onError: {
          target: 'backoff',
          actions: assign(({ context, event }) => ({
            lastReason: `router lookup failed: ${String((event.error as Error)?.message)}`,
            failures: bump(context.failures, 'ERR_PROXY_NO_ROUTERS')
          }))
        }
      }
    },
    attached: {
      invoke: {
        src: 'circuit',
        input: ({ context }) => ({ path: context.path, spare: context.sparePath })
      },
      initial: 'building',
      on: {
        'circuit.failed': {
          target: 'backoff',
          actions: [
            'withdrawContacts',
            assign(({ context, event }) => ({ ...blame(context, event), address: null }))
          ]
        }
      },
      states: {
        building: {
          on: {
            'circuit.ready': {
              target: 'listening',
              actions: [
                assign(({ context, event }) => ({
                  address: event.address,
                  attempt: 0,
                  circuits: context.circuits + 1
                })),
                {
                  type: 'publishContacts',
                  params: ({ context, event }) => ({ address: event.address, path: context.path })
                }
              ]
            }
          }
        },
        listening: {
          on: {
            'circuit.switched': {
              actions: [
                assign(({ context, event }) => ({
                  ...blame(context, event),
                  rebuilds: context.rebuilds, // nothing was built: counted as a switch
                  address: event.address,
                  path: context.sparePath,
                  sparePath: [],
                  switches: context.switches + 1,
                  circuits: context.circuits + 1
                })),
                {
                  type: 'publishContacts',
                  params: ({ context }) => ({
                    address: context.address as string,
                    path: context.path
                  })
                }
              ]
            }
          }
        }
      }
    },
    backoff: {
      after: {
        retry: {
          target: 'finding',
          actions: assign({ attempt: ({ context }) => context.attempt + 1 })
        }
      }
    }
  }
});

/** What a failure of the active circuit changes: suspects, counts, the reason shown. */
function blame(
  context: ReceiverContext,
  event: { code: string; reason: string; suspects: string[] }
): Pick<ReceiverContext, 'suspects' | 'rebuilds' | 'lastReason' | 'failures'> {
  const suspects = { ...context.suspects };
  for (const s of event.suspects) suspects[s] = (suspects[s] ?? 0) + 1;
  return {
    suspects,
    rebuilds: context.rebuilds + 1,
    lastReason: event.reason,
    failures: bump(context.failures, event.code)
  };
}

function bump(counts: Record<string, number>, code: string): Record<string, number> {
  return { ...counts, [code]: (counts[code] ?? 0) + 1 };
}
