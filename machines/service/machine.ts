/**
 * service — one node service that runs only while every service it depends on is up.
 *
 * The behaviour of the original's `local_service` (ON, OFF, STARTING, DEPENDS_OFF, STOPPING,
 * CLOSED), with its global lookups replaced by events between service actors:
 *
 * States
 * - `waiting`: some dependency is not up; `context.reason` names it and why. Leaves as soon as all
 *   are up.
 * - `starting`: invokes `open` (acquire resources: open a database, load keys).
 * - `up`: invokes `run`, the long-lived part (often a supervisor of the service's actors).
 * - `closing`: invokes `close`, then goes where `context.after` says (waiting, failed or stopped).
 * - `failed`: `open` or `run` failed; retried after an exponential backoff.
 * - `stopped`: final, after `service.shutdown`; its output `{ reason: 'shutdown' }` tells the
 *   supervisor this was an orderly exit.
 *
 * Events
 * - `service.dependency { name, up, reason? }`: a dependency's status changed.
 * - `service.query { from }`: a dependent asks for our status; we answer with `service.dependency`.
 * - `service.shutdown`: close and stop.
 *
 * Every status change is sent to each dependent (systemId `service.<name>`), and every service asks
 * its dependencies for their status when it starts, so the order of spawning cannot lose news.
 *
 * Failure and retry: a failing `open` or `run` takes the service to `failed` with the error's
 * message as the reason; it retries after `initialBackoffMs`, doubling up to `maxBackoffMs`, and
 * resets the backoff once it has been up. A dependency going down closes the service and waits.
 */
import { assign, enqueueActions, fromCallback, fromPromise, setup } from 'xstate';
import type { ActorRefFrom, AnyActorLogic, SnapshotFrom } from 'xstate';

/** Input of one service actor. */
export interface ServiceInput {
  name: string;
  dependsOn: string[];
  /** Services that depend on this one: they are told about every status change. */
  dependents: string[];
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Input for the `run` actor (e.g. a supervisor's children); default `{ name }`. */
  runInput?: unknown;
}

interface DependencyStatus {
  up: boolean;
  reason?: string;
}

export interface ServiceContext {
  name: string;
  dependsOn: string[];
  dependents: string[];
  deps: Record<string, DependencyStatus>;
  /** Why the service is not up, in words an operator reads. */
  reason: string | undefined;
  /** Consecutive failures, for the backoff. */
  failures: number;
  /** Where `closing` goes next. */
  after: 'waiting' | 'failed' | 'stopped';
  /** True exactly while in `up`; what dependents are told. */
  isUp: boolean;
  initialBackoffMs: number;
  maxBackoffMs: number;
  runInput: unknown;
}

export type ServiceEvent =
  | { type: 'service.dependency'; name: string; up: boolean; reason?: string }
  | { type: 'service.query'; from: string }
  | { type: 'service.shutdown' };

/** The systemId under which a service is registered in its node's actor system. */
export const serviceSystemId = (name: string): string => `service.${name}`;

function firstDown(context: ServiceContext): string | undefined {
  for (const dep of context.dependsOn) {
    const status = context.deps[dep];
    if (!status?.up)
      return `dependency ${dep} is down${status?.reason ? `: ${status.reason}` : ''}`;
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const serviceMachine = setup({
  types: {
    context: {} as ServiceContext,
    events: {} as ServiceEvent,
    input: {} as ServiceInput,
    output: {} as { reason: 'shutdown' }
  },
  actors: {
    /** Acquires the service's resources. Provided by the node assembly. */
    open: fromPromise<void, { name: string }>(async () => undefined),
    /** The long-lived part of the service. Provided by the node assembly. */
    run: fromCallback<ServiceEvent, { name: string }>(() => undefined) as AnyActorLogic,
    /** Releases the resources `open` acquired. Provided by the node assembly. */
    close: fromPromise<void, { name: string }>(async () => undefined)
  },
  guards: {
    allDependenciesUp: ({ context }) => firstDown(context) === undefined,
    dependencyWentDown: ({ event }) => event.type === 'service.dependency' && !event.up,
    closingForStop: ({ context }) => context.after === 'stopped',
    closingForFailure: ({ context }) => context.after === 'failed'
  },
  delays: {
    backoff: ({ context }) =>
      Math.min(
        context.maxBackoffMs,
        context.initialBackoffMs * 2 ** Math.max(0, context.failures - 1)
      )
  },
  actions: {
    recordDependency: assign(({ context, event }) => {
      if (event.type !== 'service.dependency' || !context.dependsOn.includes(event.name)) return {};
      const deps = { ...context.deps, [event.name]: { up: event.up, reason: event.reason } };
      const next = { ...context, deps };
      return { deps, reason: firstDown(next) };
    }),
    askDependencies: enqueueActions(({ context, enqueue, system }) => {
      for (const dep of context.dependsOn) {
        const ref = system.get(serviceSystemId(dep));
        const query: ServiceEvent = { type: 'service.query', from: context.name };
        if (ref) enqueue.sendTo(ref, query);
      }
    }),
    /** Tells every dependent (and whoever asked) whether we are up, and why not. */
    announce: enqueueActions(({ context, enqueue, system, event }) => {
      const up = context.isUp;
      const targets = new Set(context.dependents);
      if (event.type === 'service.query') targets.add(event.from);
      for (const name of targets) {
        const ref = system.get(serviceSystemId(name));
        const status: ServiceEvent = {
          type: 'service.dependency',
          name: context.name,
          up,
          reason: up ? undefined : (context.reason ?? 'not started')
        };
        if (ref) enqueue.sendTo(ref, status);
      }
    })
  }
}).createMachine({
  id: 'service',
  context: ({ input }) => {
    const context: ServiceContext = {
      name: input.name,
      dependsOn: input.dependsOn,
      dependents: input.dependents,
      deps: {},
      reason: undefined,
      failures: 0,
      after: 'waiting',
      isUp: false,
      initialBackoffMs: input.initialBackoffMs ?? 1_000,
      maxBackoffMs: input.maxBackoffMs ?? 60_000,
      runInput: input.runInput
    };
    return { ...context, reason: firstDown(context) };
  },
  entry: 'askDependencies',
  initial: 'waiting',
  on: {
    'service.query': { actions: 'announce' },
    'service.shutdown': { target: '.closing', actions: assign({ after: 'stopped' }) }
  },
  states: {
    waiting: {
      entry: 'announce',
      always: { guard: 'allDependenciesUp', target: 'starting' },
      on: { 'service.dependency': { actions: 'recordDependency' } }
    },
    starting: {
      entry: assign({ reason: 'starting' }),
      invoke: {
        src: 'open',
        input: ({ context }) => ({ name: context.name }),
        onDone: 'up',
        onError: {
          target: 'failed',
          actions: assign(({ context, event }) => ({
            reason: `start failed: ${errorMessage(event.error)}`,
            failures: context.failures + 1
          }))
        }
      },
      on: {
        'service.dependency': [
          {
            guard: 'dependencyWentDown',
            target: 'closing',
            actions: ['recordDependency', assign({ after: 'waiting' })]
          },
          { actions: 'recordDependency' }
        ]
      }
    },
    up: {
      entry: [assign({ reason: undefined, failures: 0, isUp: true }), 'announce'],
      exit: assign({ reason: 'stopping', isUp: false }),
      invoke: {
        id: 'run',
        src: 'run',
        input: ({ context }: { context: ServiceContext }) =>
          context.runInput ?? { name: context.name },
        onDone: { target: 'closing', actions: assign({ after: 'stopped' }) },
        onError: {
          target: 'closing',
          actions: assign(({ context, event }) => ({
            after: 'failed' as const,
            failures: context.failures + 1,
            reason: `failed: ${errorMessage(event.error)}`
          }))
        }
      },
      on: {
        'service.dependency': [
          {
            guard: 'dependencyWentDown',
            target: 'closing',
            actions: ['recordDependency', assign({ after: 'waiting' })]
          },
          { actions: 'recordDependency' }
        ]
      }
    },
    closing: {
      entry: 'announce',
      invoke: {
        src: 'close',
        input: ({ context }) => ({ name: context.name }),
        onDone: [
          { guard: 'closingForStop', target: 'stopped' },
          { guard: 'closingForFailure', target: 'failed' },
          { target: 'waiting', actions: assign(({ context }) => ({ reason: firstDown(context) })) }
        ],
        onError: [{ guard: 'closingForStop', target: 'stopped' }, { target: 'failed' }]
      },
      on: { 'service.dependency': { actions: 'recordDependency' } }
    },
    failed: {
      entry: 'announce',
      after: { backoff: 'waiting' },
      on: { 'service.dependency': { actions: 'recordDependency' } }
    },
    stopped: {
      type: 'final',
      entry: [assign({ reason: 'stopped' }), 'announce']
    }
  },
  output: () => ({ reason: 'shutdown' as const })
});

export type ServiceActor = ActorRefFrom<typeof serviceMachine>;
export type ServiceSnapshot = SnapshotFrom<typeof serviceMachine>;

/** The operator's view of a service snapshot: up, starting, down (with a reason) or stopped. */
export function serviceStatus(snapshot: ServiceSnapshot): {
  status: 'starting' | 'up' | 'down' | 'stopped';
  reason?: string;
} {
  if (snapshot.matches('up')) return { status: 'up' };
  if (snapshot.matches('starting')) return { status: 'starting' };
  if (snapshot.matches('stopped')) return { status: 'stopped' };
  return { status: 'down', reason: snapshot.context.reason ?? 'not started' };
}
