/**
 * fire-hire — keeps the N suppliers of the customer's ECC profile (the original's fire_hire). One
 * supplier-connector child per seat tells it who answers; audits, jobs and the operator tell it
 * who misbehaves. It fires a supplier that stays offline past the limit (`gone`), refuses service
 * or has a full disk (`refused`), or fails audits, and hires a replacement at that same position.
 *
 * States
 * - `idle`: decides. A queued fire that may happen now → `firing`; a vacant seat → `hiring`.
 * - `firing` (transient): closes the supplier's connector (it cancels the service), records the
 *   reason in `fired`, vacates the seat.
 * - `hiring`: `findSupplier` proposes a candidate not already used nor fired.
 * - `awaitingHire`: a connector for the candidate asks for service (retrying while it gets no
 *   answer): `hired` → `saving`; refused → excluded for good; no answer within `hireTimeoutMs` →
 *   skipped until the next backoff; then `hiring` again.
 * - `saving`: `savePosition` records the seat in the catalog, then `notifyHired` (rebuild starts).
 * - `backoff`: no candidate (or too many refusals in a row): wait `retryMs`, then `idle`.
 *
 * Events: `connector.state` (from children), `audit.failed { position, supplierId, reason }`,
 * `fire-hire.fire { position, reason }` (operator), `fire-hire.rebuilt { position }`.
 *
 * Safety: one replacement at a time, and a fire waits while the other seats lacking data (vacant,
 * offline, or hired but not rebuilt) already number m — never more than the code tolerates.
 */
import { assign, enqueueActions, fromPromise, setup } from 'xstate';
import {
  supplierConnectorMachine,
  type ConnectorStateEvent
} from '../supplier-connector/machine.js';
import {
  childId,
  enqueue,
  initialSeats,
  nextFire,
  pruneQueue,
  vacancy,
  withSeat,
  type FireRecord,
  type PendingFire,
  type Seat
} from './seats.js';

export type { FireRecord, PendingFire, Seat } from './seats.js';

/** The machine's input. */
export interface FireHireInput {
  readonly k: number;
  readonly m: number;
  /** Supplier at each position from the catalog (`undefined`: vacant). */
  readonly suppliers: readonly (string | undefined)[];
  readonly offlineLimitMs: number;
  readonly connectorRetryMs: number;
  /** How often a hired supplier is asked again (liveness without traffic). */
  readonly connectorCheckMs: number;
  readonly hireTimeoutMs: number;
  readonly retryMs: number;
  /** Refused candidates in a row before backing off. */
  readonly maxHireAttempts: number;
}

/** Events fire-hire accepts. */
export type FireHireEvent =
  | ConnectorStateEvent
  | { type: 'audit.failed'; position: number; supplierId: string; reason: string }
  | { type: 'fire-hire.fire'; position: number; reason: string; code?: string }
  | { type: 'fire-hire.rebuilt'; position: number };

interface FireHireContext extends FireHireInput {
  seats: Seat[];
  fired: FireRecord[];
  queue: PendingFire[];
  excluded: string[];
  /** Candidates that did not answer in time: not proposed again until the next backoff ends. */
  skipped: string[];
  hiring: { position: number; candidate: string | undefined; child: string | undefined };
  attempts: number;
  gen: number;
}

const missing = () => Promise.reject(new Error('not provided'));
const KEEP_FIRED = 100;

/** The fire-hire machine; provide `findSupplier`, `savePosition` and the connector's actors. */
export const fireHireMachine = setup({
  types: {
    input: {} as FireHireInput,
    context: {} as FireHireContext,
    events: {} as FireHireEvent
  },
  actors: {
    supplierConnector: supplierConnectorMachine,
    findSupplier: fromPromise<string, { exclude: readonly string[] }>(missing),
    savePosition: fromPromise<void, { position: number; supplierId: string }>(missing)
  },
  actions: {
    /** Entry: lets the effects layer find this actor (it sends job reports to the connectors). */
    announce: (_, _params: undefined) => undefined,
    /** Told after a hire is saved: the rebuild of that position should start. */
    notifyHired: (_, _params: { position: number; supplierId: string }) => undefined,
    /** Told after a fire, with its record. */
    notifyFired: (_, _params: FireRecord) => undefined,
    /** The candidate refused the seat: close its connector and never propose it again. */
    dropCandidate: enqueueActions(({ context, enqueue: q }) => {
      const { child, candidate } = context.hiring;
      if (child) q.sendTo(child, { type: 'connector.close' });
      q.assign({
        excluded: candidate ? [...context.excluded, candidate] : context.excluded,
        hiring: { position: -1, candidate: undefined, child: undefined },
        attempts: context.attempts + 1
      });
    }),
    /** The candidate did not answer in time: skip it until the next backoff ends. */
    skipCandidate: enqueueActions(({ context, enqueue: q }) => {
      const { child, candidate } = context.hiring;
      if (child) q.sendTo(child, { type: 'connector.close' });
      q.assign({
        skipped: candidate ? [...context.skipped, candidate] : context.skipped,
        hiring: { position: -1, candidate: undefined, child: undefined },
        attempts: context.attempts + 1
      });
    })
  },
  delays: {
    retry: ({ context }) => context.retryMs,
    hireTimeout: ({ context }) => context.hireTimeoutMs
  },
  guards: {
    canFire: ({ context }) => nextFire(context.seats, context.queue, context.m) !== undefined,
    hasVacancy: ({ context }) => vacancy(context.seats) !== undefined
  }
}).createMachine({
  id: 'fire-hire',
  context: ({ input }) => ({
    ...input,
    seats: initialSeats(input.k + input.m, input.suppliers),
    fired: [],
    queue: [],
    excluded: [],
    skipped: [],
    hiring: { position: -1, candidate: undefined, child: undefined },
    attempts: 0,
    gen: 1
  }),
  entry: [
    { type: 'announce' },
    enqueueActions(({ context, enqueue: q }) => {
      for (const seat of context.seats) {
        if (!seat.supplierId || !seat.child) continue;
        q.spawnChild('supplierConnector', {
          id: seat.child,
          input: {
            position: seat.position,
            supplierId: seat.supplierId,
            retryMs: context.connectorRetryMs,
            checkMs: context.connectorCheckMs,
            offlineLimitMs: context.offlineLimitMs
          }
        });
      }
    })
  ],
  on: {
    'connector.state': {
      actions: assign(({ context, event }) => {
        const seat = context.seats[event.position];
        if (!seat || seat.supplierId !== event.supplierId) return {};
        const seats = withSeat(context.seats, event.position, {
          status: event.status,
          code: event.code,
          reason: event.reason
        });
        const why =
          event.status === 'gone'
            ? { code: 'ERR_STORAGE_OFFLINE', reason: 'offline past the limit' }
            : event.status === 'refused'
              ? { code: event.code ?? 'ERR_STORAGE_REFUSED', reason: event.reason ?? 'refused' }
              : undefined;
        const queue = why
          ? enqueue(seats, context.queue, {
              position: event.position,
              supplierId: seat.supplierId,
              ...why
            })
          : context.queue;
        return { seats, queue };
      })
    },
    'audit.failed': {
      actions: assign({
        queue: ({ context, event }) =>
          enqueue(context.seats, context.queue, {
            position: event.position,
            supplierId: event.supplierId,
            code: 'ERR_STORAGE_AUDIT',
            reason: event.reason
          })
      })
    },
    'fire-hire.fire': {
      actions: assign({
        queue: ({ context, event }) => {
          const supplierId = context.seats[event.position]?.supplierId;
          if (!supplierId) return context.queue;
          const code = event.code ?? 'ERR_STORAGE_FIRED';
          return enqueue(context.seats, context.queue, { ...event, supplierId, code });
        }
      })
    },
    'fire-hire.rebuilt': {
      actions: assign({
        seats: ({ context, event }) => withSeat(context.seats, event.position, { rebuilt: true })
      })
    }
  },
  initial: 'idle',
  states: {
    idle: {
      always: [
        { guard: 'canFire', target: 'firing' },
        { guard: 'hasVacancy', target: 'hiring', actions: assign({ attempts: 0 }) }
      ]
      // The root's handlers update seats and the queue; eventless transitions are re-checked
      // after every event, so a fire that became possible is taken at once.
    },
    firing: {
      entry: enqueueActions(({ context, enqueue: q }) => {
        const fire = nextFire(context.seats, context.queue, context.m)!;
        const seat = context.seats[fire.position]!;
        const record: FireRecord = { ...fire, seq: (context.fired.at(-1)?.seq ?? 0) + 1 };
        if (seat.child) q.sendTo(seat.child, { type: 'connector.close' });
        q.assign({
          seats: withSeat(context.seats, fire.position, {
            supplierId: undefined,
            status: 'vacant',
            child: undefined,
            rebuilt: false,
            code: fire.code,
            reason: fire.reason
          }),
          fired: [...context.fired, record].slice(-KEEP_FIRED),
          excluded: [...context.excluded, fire.supplierId],
          queue: context.queue.filter((f) => f !== fire)
        });
        q({ type: 'notifyFired', params: record });
      }),
      always: 'hiring'
    },
    hiring: {
      invoke: {
        src: 'findSupplier',
        input: ({ context }) => ({
          exclude: [
            ...context.excluded,
            ...context.skipped,
            ...context.seats.flatMap((s) => (s.supplierId ? [s.supplierId] : []))
          ]
        }),
        onDone: {
          target: 'awaitingHire',
          actions: enqueueActions(({ context, event, enqueue: q }) => {
            const position = vacancy(context.seats)!;
            const child = childId(position, context.gen);
            q.assign({
              hiring: { position, candidate: event.output, child },
              gen: context.gen + 1
            });
            q.spawnChild('supplierConnector', {
              id: child,
              input: {
                position,
                supplierId: event.output,
                retryMs: context.connectorRetryMs,
                checkMs: context.connectorCheckMs,
                offlineLimitMs: context.offlineLimitMs
              }
            });
          })
        },
        onError: 'backoff'
      }
    },
    awaitingHire: {
      after: {
        hireTimeout: [
          {
            guard: ({ context }) => context.attempts + 1 >= context.maxHireAttempts,
            target: 'backoff',
            actions: 'skipCandidate'
          },
          { target: 'hiring', actions: 'skipCandidate' }
        ]
      },
      on: {
        // Offline while asking is not an answer yet: the connector retries until the timeout.
        'connector.state': [
          {
            guard: ({ context, event }) =>
              event.supplierId === context.hiring.candidate && event.status === 'hired',
            target: 'saving'
          },
          {
            guard: ({ context, event }) =>
              event.supplierId === context.hiring.candidate &&
              event.status === 'refused' &&
              context.attempts + 1 >= context.maxHireAttempts,
            target: 'backoff',
            actions: 'dropCandidate'
          },
          {
            guard: ({ context, event }) =>
              event.supplierId === context.hiring.candidate && event.status === 'refused',
            target: 'hiring',
            actions: 'dropCandidate'
          }
        ]
      }
    },
    saving: {
      invoke: {
        src: 'savePosition',
        input: ({ context }) => ({
          position: context.hiring.position,
          supplierId: context.hiring.candidate!
        }),
        onDone: {
          target: 'idle',
          actions: enqueueActions(({ context, enqueue: q }) => {
            const { position, candidate, child } = context.hiring;
            q.assign({
              seats: withSeat(context.seats, position, {
                supplierId: candidate,
                status: 'hired',
                child,
                rebuilt: false,
                code: undefined,
                reason: undefined
              }),
              hiring: { position: -1, candidate: undefined, child: undefined },
              attempts: 0
            });
            q.assign({ queue: ({ context: c }) => pruneQueue(c.seats, c.queue) });
            q({ type: 'notifyHired', params: { position, supplierId: candidate! } });
          })
        },
        onError: { target: 'backoff', actions: 'dropCandidate' }
      }
    },
    backoff: {
      after: { retry: { target: 'idle', actions: assign({ attempts: 0, skipped: [] }) } }
    }
  }
});
