/**
 * circuit — one multi-hop circuit, built by the node that wants to hide behind it.
 *
 * Purpose: sequence the building, keep-alive and tear-down of a path of `hops` routers. Each hop
 * gets its own Noise NK session with the builder (the hop's static key is known from its
 * announcement); hop 1 is reached directly with a `create` cell, every further hop through an
 * `extend` command sent along the hops already built (Tor's EXTEND), so each router only ever
 * sees its predecessor and successor. With `register`, the last hop is then asked to act as the
 * builder's proxy router, which gives the circuit its public address. All cryptography and I/O is
 * in actors/proxy/circuit-client.ts, provided through `machine.provide({ actions })`.
 *
 * States
 * - `creating`: `sendCreate` opened hop 1; waits for `hop.ready`.
 * - `extending` (re-entered per hop): `sendExtend` asks the last built hop to extend.
 * - `registering`: `sendRegister` asks the last hop for a registration; `circuit.registered`.
 * - `ready`: usable; after `pingIntervalMs` of quiet it probes the far end.
 * - `probing`: `sendPing` went out; `circuit.pong` returns to `ready`.
 * - `closing`: `sendDestroy` went out; waits `closeTimeoutMs` for the first hop's acknowledgement.
 * - `closed` (final) · `failed` (final, with `{ code, reason, suspects }`).
 *
 * Events: `hop.ready`, `hop.refused { reason }`, `circuit.registered { address }`, `circuit.pong
 * { seq }`, `circuit.auth-failed { hop? }`, `circuit.destroyed { reason, depth }`, `link.down
 * { reason }`, `circuit.close`.
 *
 * Failure and retry: nothing is retried here. A build step or probe that takes longer than its
 * timeout, a refusal, an authentication failure, a destroy from a hop or the loss of the first
 * link ends the circuit in `failed`; the receiver machine then builds a new one, avoiding the
 * routers named in `suspects`.
 */
import { assign, setup } from 'xstate';
import type {
  CircuitContext,
  CircuitEvent,
  CircuitFailure,
  CircuitInput,
  CircuitOutput
} from './types.js';

export type {
  CircuitContext,
  CircuitEvent,
  CircuitFailure,
  CircuitInput,
  CircuitOutput
} from './types.js';

/** The `fail` action with its parameters computed from the context when it runs. */
const fail = (code: string, reason: string, suspects: (c: CircuitContext) => string[]) => ({
  type: 'fail' as const,
  params: ({ context }: { context: CircuitContext }): CircuitFailure => ({
    code,
    reason,
    suspects: suspects(context)
  })
});

/** The code of a destroy, from the reason the hop gave. */
function destroyCode(reason: string): string {
  if (reason.startsWith('authentication')) return 'ERR_PROXY_CIRCUIT_AUTH';
  if (reason.startsWith('router full') || reason.startsWith('router stopped')) {
    return 'ERR_PROXY_CIRCUIT_REFUSED';
  }
  return 'ERR_PROXY_CIRCUIT_DESTROYED';
}

/** The circuit machine; effects are placeholders provided by the circuit client. */
export const circuitMachine = setup({
  types: {
    context: {} as CircuitContext,
    events: {} as CircuitEvent,
    input: {} as CircuitInput,
    output: {} as CircuitOutput
  },
  actions: {
    sendCreate: () => {},
    sendExtend: (_, _params: { hop: number }) => {},
    sendRegister: () => {},
    sendPing: (_, _params: { seq: number }) => {},
    sendDestroy: () => {},
    release: () => {},
    fail: assign((_, failure: CircuitFailure) => ({ failure }))
  },
  delays: {
    build: ({ context }) => context.buildTimeoutMs,
    ping: ({ context }) => context.pingIntervalMs,
    probe: ({ context }) => context.probeTimeoutMs,
    close: ({ context }) => context.closeTimeoutMs
  },
  guards: {
    pathComplete: ({ context }) => context.built + 1 >= context.path.length,
    wantsRegistration: ({ context }) => context.register,
    currentPong: ({ context, event }) => event.type === 'circuit.pong' && event.seq === context.seq,
    tooManyMissed: ({ context }) => context.missed + 1 >= context.maxMissed
  }
}).createMachine({
  id: 'circuit',
  context: ({ input }) => ({
    path: input.path,
    register: input.register ?? true,
    buildTimeoutMs: input.buildTimeoutMs ?? 5_000,
    pingIntervalMs: input.pingIntervalMs ?? 10_000,
    probeTimeoutMs: input.probeTimeoutMs ?? 3_000,
    maxMissed: input.maxMissed ?? 2,
    closeTimeoutMs: input.closeTimeoutMs ?? 1_000,
    built: 0,
    seq: 0,
    missed: 0,
    address: null,
    failure: null
  }),
  initial: 'creating',
  on: {
    'circuit.auth-failed': {
      target: '.failed',
      actions: fail('ERR_PROXY_CIRCUIT_AUTH', 'a layer failed authentication', (c) => c.path)
    },
    'circuit.destroyed': {
      target: '.failed',
      actions: assign(({ context, event }) => {
        // depth = hops the destroy travelled back: it came from hop depth+1 (1-based).
        const from = Math.min(event.depth, context.path.length - 1);
        const lost = event.reason.startsWith('next hop');
        const blamed = context.path[lost ? from + 1 : from] ?? context.path[from];
        return {
          failure: {
            code: destroyCode(event.reason),
            reason: `hop ${from + 1} closed the circuit: ${event.reason}`,
            suspects: blamed ? [blamed] : []
          }
        };
      })
    },
    'link.down': {
      target: '.failed',
      actions: assign(({ context, event }) => ({
        failure: {
          code: 'ERR_PROXY_CIRCUIT_LOST',
          reason: `router lost (${event.reason})`,
          suspects: context.path.slice(0, 1)
        }
      }))
    },
    'circuit.close': '.closing'
  },
  states: {
    creating: {
      entry: 'sendCreate',
      on: { 'hop.ready': [{ guard: 'pathComplete', target: 'built' }, { target: 'extending' }] },
      after: {
        build: {
          target: 'failed',
          actions: fail('ERR_PROXY_CIRCUIT_TIMEOUT', 'hop 1 did not answer', (c) =>
            c.path.slice(0, 1)
          )
        }
      },
      exit: assign({ built: ({ context }) => context.built + 1 })
    },
    extending: {
      entry: { type: 'sendExtend', params: ({ context }) => ({ hop: context.built }) },
      on: {
        'hop.ready': [
          { guard: 'pathComplete', target: 'built' },
          { target: 'extending', reenter: true }
        ],
        'hop.refused': {
          target: 'failed',
          actions: assign(({ context, event }) => ({
            failure: {
              code: 'ERR_PROXY_CIRCUIT_REFUSED',
              reason: `hop ${context.built + 1} refused: ${event.reason}`,
              suspects: [context.path[context.built] as string]
            }
          }))
        }
      },
      after: {
        build: {
          target: 'failed',
          actions: fail('ERR_PROXY_CIRCUIT_TIMEOUT', 'extending timed out', (c) =>
            c.path.slice(c.built - 1, c.built + 1)
          )
        }
      },
      exit: assign({ built: ({ context }) => context.built + 1 })
    },
    built: {
      always: [{ guard: 'wantsRegistration', target: 'registering' }, { target: 'ready' }]
    },
    registering: {
      entry: 'sendRegister',
      on: {
        'circuit.registered': {
          target: 'ready',
          actions: assign({ address: ({ event }) => event.address })
        },
        'hop.refused': {
          target: 'failed',
          actions: assign(({ context, event }) => ({
            failure: {
              code: 'ERR_PROXY_CIRCUIT_REFUSED',
              reason: `exit refused registration: ${event.reason}`,
              suspects: context.path.slice(-1)
            }
          }))
        }
      },
      after: {
        build: {
          target: 'failed',
          actions: fail('ERR_PROXY_CIRCUIT_TIMEOUT', 'registration timed out', (c) =>
            c.path.slice(-1)
          )
        }
      }
    },
    ready: {
      after: { ping: 'probing' }
    },
    probing: {
      entry: [
        assign({ seq: ({ context }) => context.seq + 1 }),
        { type: 'sendPing', params: ({ context }) => ({ seq: context.seq }) }
      ],
      on: {
        'circuit.pong': { guard: 'currentPong', target: 'ready', actions: assign({ missed: 0 }) }
      },
      after: {
        probe: [
          {
            guard: 'tooManyMissed',
            target: 'failed',
            actions: fail('ERR_PROXY_CIRCUIT_KEEPALIVE', 'keepalive unanswered', (c) => c.path)
          },
          {
            target: 'probing',
            reenter: true,
            actions: assign({ missed: ({ context }) => context.missed + 1 })
          }
        ]
      }
    },
    closing: {
      entry: 'sendDestroy',
      on: { 'circuit.destroyed': 'closed', 'link.down': 'closed', 'circuit.close': {} },
      after: { close: 'closed' }
    },
    closed: { type: 'final', entry: 'release' },
    failed: {
      type: 'final',
      entry: ['sendDestroy', 'release'],
      on: {}
    }
  },
  output: ({ context }) =>
    context.failure
      ? { status: 'failed', ...context.failure }
      : { status: 'closed', code: null, reason: 'closed', suspects: [] }
});
