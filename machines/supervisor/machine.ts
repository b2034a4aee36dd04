/**
 * supervisor — Erlang/OTP supervision over XState v5 actors. XState has no restart of its own: a
 * failing child sends `xstate.error.actor.<id>` to its parent, and an error nobody handles takes the
 * parent down with it. This machine is the parent that handles them, so it draws in the inspector
 * like any protocol: its state, and per child the status, restart count and last exit reason.
 *
 * Children: specs `{ id, logic, input?, restart?, shutdown?, systemId? }` are started in order at
 * start and stopped in reverse order. Restart types: `permanent` (always restarted), `transient`
 * (only after an abnormal exit), `temporary` (never; its spec is dropped). Exit reasons: `normal`
 * (the child reached a final state), `shutdown` (a final state with output `{ reason: 'shutdown' }`,
 * or stopped by us), `abnormal` (the child errored: a throwing action, a rejected promise, a
 * throwing callback). Strategies decide who restarts with a child that must: `one_for_one` (only
 * it), `one_for_all` (every live sibling), `rest_for_one` (the live siblings started after it).
 * Temporary siblings stopped that way are not restarted; finished (stopped) siblings stay stopped.
 *
 * States
 * - `active.running`: every child that should run is running.
 * - `active.restarting`: some child waits out its restart backoff.
 * - `stopping.next` / `stopping.waiting`: graceful stop, last child first: a child that accepts a
 *   shutdown event gets it and `shutdown` ms to finish, else (or on `brutal_kill`) it is stopped.
 *   The event is `shutdown`, or `<machine id>.shutdown` (`service.shutdown`, `supervisor.shutdown`),
 *   whichever `snapshot.can` accepts. A child's exit while stopping is recorded, never restarted.
 * - `stopped`: final, output `{ reason: 'shutdown' }` (a parent supervisor reads that as shutdown).
 * - `failed`: restart intensity exceeded; all children are stopped (reverse order), then the
 *   supervisor itself errors with ERR_SUPERVISOR_INTENSITY, which its parent sees as an abnormal
 *   exit (a parent supervisor restarts it; the root's error observer reports it).
 *
 * Events
 * - `supervisor.start_child { spec }`, `supervisor.terminate_child { id }`: dynamic children (one
 *   per peer, per job). Terminating stops the child at once and forgets its spec.
 * - `supervisor.shutdown` (or `shutdown`): graceful stop.
 * - internal: `supervisor.restart_due { seq }`, `supervisor.forget_restart { ids }`,
 *   `supervisor.intensity_exceeded`, `supervisor.escalate`.
 * - emitted (`actor.on`): `supervisor.report` (OTP report: supervisor, errorContext, reason,
 *   offender), `supervisor.child_started`, `supervisor.child_rejected`.
 *
 * Failure and retry: more than `intensity` restarts within `periodMs` escalates. The window needs
 * no clock reading: each restart schedules a `supervisor.forget_restart` `periodMs` later on
 * XState's clock (a SimulatedClock in tests). Restarts wait `initialMs · 2^(n-1)` capped at
 * `maxMs` (n = the offender's restarts in the window); 0 restarts at once, as OTP does.
 *
 * Cost: XState 5.33 copies a parent's children map on each spawn, so spawning is O(children) per
 * parent. We spawn a whole batch in one `assign` (one copy), but areas should still use
 * sub-supervisors of a few hundred children each (e.g. 50 × 200 for 10,000 peers).
 */
import { emit, enqueueActions, not, sendTo, setup } from 'xstate';
import type { SupervisorContext, SupervisorEmitted, SupervisorEvent } from './types.js';
import type { SupervisorInput, SupervisorOutput } from './types.js';
import { forgetRestart } from './plan.js';
import { SupervisorEscalation, SupervisorSpecError } from './errors.js';
import { recordOf, specProblem, specTable } from './specs.js';
import { handleExit, startChild, startChildren, terminateChild } from './actions.js';
import { abandonRestarts, killStopping, recordStoppedExit } from './stop-actions.js';
import { stopAllReverse, stopLastRunning } from './stop-actions.js';

/** The words of an escalation, shared with the BitDustError version in actors/supervisor. */
export function escalationMessage(ctx: SupervisorContext): string {
  const who = ctx.lastReport?.offender?.id ?? 'a child';
  return `${ctx.name}: more than ${ctx.intensity} restarts in ${ctx.periodMs} ms (last: ${who})`;
}

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput,
    output: {} as SupervisorOutput,
    emitted: {} as SupervisorEmitted
  },
  actions: {
    startInitial: startChildren((ctx) => ctx.children.map((c) => c.id)),
    handleExit,
    recordStoppedExit,
    startChild,
    terminateChild,
    stopAllReverse,
    abandonRestarts,
    stopLastRunning,
    killStopping,
    restartDue: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'supervisor.restart_due') return;
      const ids = context.children.filter((c) => c.due === event.seq).map((c) => c.id);
      if (ids.length > 0) enqueue(startChildren(() => ids));
    }),
    forgetRestart: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'supervisor.forget_restart')
        enqueue.assign(forgetRestart(context, event.ids));
    }),
    rejectStart: emit(({ event }) => ({
      type: 'supervisor.child_rejected' as const,
      id: event.type === 'supervisor.start_child' ? String(event.spec?.id) : '',
      reason: 'shutting_down'
    })),
    escalate: ({ context }) => {
      throw new SupervisorEscalation(escalationMessage(context));
    }
  },
  guards: {
    anyRestarting: ({ context }) => context.children.some((c) => c.status === 'restarting'),
    noneRunning: ({ context }) => !context.children.some((c) => c.status === 'running'),
    stoppingDone: ({ context }) => context.stopping === null
  },
  delays: {
    shutdownTimeout: ({ context }) => context.stopping?.timeoutMs ?? 0
  }
}).createMachine({
  id: 'supervisor',
  context: ({ input, self }) => {
    const table = specTable(self);
    const children = (input.children ?? []).map((spec) => {
      const problem = specProblem(spec);
      // A bad static spec is a programmer error: the supervisor fails to start, as in OTP.
      if (problem) throw new SupervisorSpecError(problem);
      if (table.has(spec.id)) throw new SupervisorSpecError(`duplicate_child_name: ${spec.id}`);
      table.set(spec.id, spec);
      return recordOf(spec);
    });
    return {
      name: input.name ?? self.id,
      strategy: input.strategy ?? 'one_for_one',
      intensity: input.intensity ?? 3,
      periodMs: input.periodMs ?? 5000,
      backoff: input.backoff ?? { initialMs: 0, maxMs: 0 },
      children,
      recentRestarts: 0,
      seq: 0,
      stopping: null,
      lastReport: null
    };
  },
  // The machine's output (what a parent's done event carries); `stopped` is the only final state.
  output: { reason: 'shutdown' },
  on: {
    'supervisor.forget_restart': { actions: 'forgetRestart' }
  },
  initial: 'active',
  states: {
    active: {
      entry: 'startInitial',
      initial: 'running',
      states: {
        running: { always: { guard: 'anyRestarting', target: 'restarting' } },
        restarting: { always: { guard: not('anyRestarting'), target: 'running' } }
      },
      on: {
        'xstate.done.actor.*': { actions: 'handleExit' },
        'xstate.error.actor.*': { actions: 'handleExit' },
        'supervisor.restart_due': { actions: 'restartDue' },
        'supervisor.start_child': { actions: 'startChild' },
        'supervisor.terminate_child': { actions: 'terminateChild' },
        'supervisor.intensity_exceeded': { target: 'failed' },
        'supervisor.shutdown': { target: 'stopping' },
        shutdown: { target: 'stopping' }
      }
    },
    stopping: {
      entry: 'abandonRestarts',
      initial: 'next',
      states: {
        next: {
          always: [
            { guard: 'noneRunning', target: '#supervisor.stopped' },
            { target: 'waiting', actions: 'stopLastRunning' }
          ]
        },
        waiting: {
          always: { guard: 'stoppingDone', target: 'next' },
          after: { shutdownTimeout: { target: 'next', actions: 'killStopping' } }
        }
      },
      on: {
        'xstate.done.actor.*': { actions: 'recordStoppedExit' },
        'xstate.error.actor.*': { actions: 'recordStoppedExit' },
        'supervisor.start_child': { actions: 'rejectStart' }
      }
    },
    stopped: { type: 'final' },
    failed: {
      // Two steps: the stops run only once this transition completes; an action that threw here
      // would drop them and leave the children running. The escalate event comes through our own
      // mailbox, after the stops.
      entry: ['stopAllReverse', sendTo(({ self }) => self, { type: 'supervisor.escalate' })],
      on: {
        'supervisor.escalate': { actions: 'escalate' },
        'supervisor.start_child': { actions: 'rejectStart' },
        'xstate.done.actor.*': {},
        'xstate.error.actor.*': {}
      }
    }
  }
});
