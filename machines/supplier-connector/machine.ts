/**
 * supplier-connector — the customer's link to the supplier at one position (the original's
 * supplier_connector): asks for storage service, tracks whether the supplier answers, and tells
 * its parent (fire-hire) every change as `connector.state`.
 *
 * States
 * - `requesting`: `requestService` sends `cmd.request-service` (quota and position).
 * - `hired`: the supplier accepted; jobs and audits report `connector.unreachable` when it stops
 *   answering and `connector.refused` when it refuses (quota, disk full, rejected). Every
 *   `checkMs` it goes through `hired.checking` (the request again, reported only if the answer
 *   changes).
 * - `offline`: it did not answer; asks again every `retryMs`. After `offlineLimitMs` in a row it
 *   goes to `gone`, which fire-hire takes as the reason to fire it.
 * - `gone`: offline past the limit; still retried, and back to `hired` if it answers.
 * - `refused`: the supplier refused service (ERR_STORAGE_REFUSED / _QUOTA / _NO_SERVICE).
 * - `releasing` → `closed` (final): on `connector.close`, `cancelService` (errors ignored, the
 *   supplier may be dead) and stop.
 *
 * Events: `connector.unreachable`, `connector.reachable`, `connector.refused { code, reason }`,
 * `connector.close`.
 *
 * Failure and retry: transport failures mean offline and are retried on the clock; refusals are
 * final for this supplier at this position — fire-hire replaces it.
 */
import { assign, fromPromise, sendParent, setup } from 'xstate';

/** The connector's input. */
export interface ConnectorInput {
  readonly position: number;
  readonly supplierId: string;
  /** Delay between service requests while offline (ms). */
  readonly retryMs: number;
  /** Offline this long in a row: `gone` (ms). */
  readonly offlineLimitMs: number;
  /** While hired, ask again this often, so a silent supplier is noticed without traffic (ms). */
  readonly checkMs: number;
}

/** What the parent hears. */
export type ConnectorStatus = 'requesting' | 'hired' | 'offline' | 'gone' | 'refused' | 'closed';

/** Sent to the parent on every change. */
export interface ConnectorStateEvent {
  readonly type: 'connector.state';
  readonly position: number;
  readonly supplierId: string;
  readonly status: ConnectorStatus;
  readonly code?: string;
  readonly reason?: string;
}

/** Events the connector accepts. */
export type ConnectorEvent =
  | { type: 'connector.unreachable' }
  | { type: 'connector.reachable' }
  | { type: 'connector.refused'; code: string; reason: string }
  | { type: 'connector.close' };

interface ConnectorContext extends ConnectorInput {
  code: string | undefined;
  reason: string | undefined;
  attempts: number;
}

/** Codes that mean "this supplier will not serve us", as opposed to "did not answer". */
export const REFUSAL_CODES: readonly string[] = [
  'ERR_STORAGE_REFUSED',
  'ERR_STORAGE_QUOTA',
  'ERR_STORAGE_NO_SERVICE',
  'ERR_ROUTER_NO_SERVICE'
];

const codeOf = (e: unknown): string => (e as { code?: string })?.code ?? 'ERR_STORAGE_INTERNAL';
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const missing = () => Promise.reject(new Error('not provided'));

/** The connector machine; provide `requestService` and `cancelService`. */
export const supplierConnectorMachine = setup({
  types: {
    input: {} as ConnectorInput,
    context: {} as ConnectorContext,
    events: {} as ConnectorEvent
  },
  actors: {
    requestService: fromPromise<void, { supplierId: string; position: number }>(missing),
    cancelService: fromPromise<void, { supplierId: string }>(missing)
  },
  actions: {
    /** Tells fire-hire (the parent) this connector's new status. */
    report: sendParent(({ context }, params: { status: ConnectorStatus }): ConnectorStateEvent => ({
      type: 'connector.state',
      position: context.position,
      supplierId: context.supplierId,
      status: params.status,
      ...(context.code !== undefined ? { code: context.code } : {}),
      ...(context.reason !== undefined ? { reason: context.reason } : {})
    })),
    /** Keeps the refusal's code and reason for the report and the inspector. */
    recordRefusal: assign(({ event }) => {
      const error = (event as { error?: unknown }).error;
      return { code: codeOf(error), reason: messageOf(error) };
    })
  },
  guards: {
    /** The request failed because the supplier will not serve us (not because it was silent). */
    isRefusal: ({ event }) => REFUSAL_CODES.includes(codeOf((event as { error?: unknown }).error))
  },
  delays: {
    retry: ({ context }) => context.retryMs,
    check: ({ context }) => context.checkMs,
    offlineLimit: ({ context }) => context.offlineLimitMs
  }
}).createMachine({
  id: 'supplier-connector',
  context: ({ input }) => ({ ...input, code: undefined, reason: undefined, attempts: 0 }),
  initial: 'requesting',
  on: { 'connector.close': '.releasing' },
  states: {
    requesting: {
      entry: [
        assign({ attempts: ({ context }) => context.attempts + 1 }),
        { type: 'report', params: { status: 'requesting' } }
      ],
      invoke: {
        src: 'requestService',
        input: ({ context }) => ({ supplierId: context.supplierId, position: context.position }),
        onDone: 'hired',
        onError: [
          { guard: 'isRefusal', target: 'refused', actions: 'recordRefusal' },
          {
            target: 'unavailable',
            actions: assign({
              code: ({ event }) => codeOf(event.error),
              reason: ({ event }) => messageOf(event.error)
            })
          }
        ]
      }
    },
    // Reported on entry only: a quiet check inside (`hired.checking`) returns to `hired.idle`
    // without leaving `hired`, so nothing is reported unless the answer changes.
    hired: {
      entry: [
        assign({ code: undefined, reason: undefined }),
        { type: 'report', params: { status: 'hired' } }
      ],
      initial: 'idle',
      on: {
        'connector.unreachable': 'unavailable',
        'connector.refused': {
          target: 'refused',
          actions: assign({ code: ({ event }) => event.code, reason: ({ event }) => event.reason })
        }
      },
      states: {
        idle: { after: { check: 'checking' } },
        checking: {
          invoke: {
            src: 'requestService',
            input: ({ context }) => ({
              supplierId: context.supplierId,
              position: context.position
            }),
            onDone: 'idle',
            onError: [
              {
                guard: 'isRefusal',
                target: '#supplier-connector.refused',
                actions: 'recordRefusal'
              },
              { target: '#supplier-connector.unavailable' }
            ]
          }
        }
      }
    },
    // Offline and gone are one spell: the limit timer runs across retries, so it is a parent
    // state, and `requesting` is re-entered only through `retry` inside it.
    unavailable: {
      initial: 'offline',
      after: { offlineLimit: '.gone' },
      on: { 'connector.reachable': 'requesting' },
      states: {
        offline: {
          entry: { type: 'report', params: { status: 'offline' } },
          after: { retry: 'probing' }
        },
        gone: {
          entry: { type: 'report', params: { status: 'gone' } },
          after: { retry: 'probing' }
        },
        probing: {
          invoke: {
            src: 'requestService',
            input: ({ context }) => ({
              supplierId: context.supplierId,
              position: context.position
            }),
            onDone: '#supplier-connector.hired',
            onError: [
              {
                guard: 'isRefusal',
                target: '#supplier-connector.refused',
                actions: 'recordRefusal'
              },
              { target: 'waiting' }
            ]
          }
        },
        waiting: { after: { retry: 'probing' } }
      }
    },
    refused: { entry: { type: 'report', params: { status: 'refused' } } },
    releasing: {
      invoke: {
        src: 'cancelService',
        input: ({ context }) => ({ supplierId: context.supplierId }),
        onDone: 'closed',
        onError: 'closed'
      }
    },
    closed: { type: 'final', entry: { type: 'report', params: { status: 'closed' } } }
  }
});
