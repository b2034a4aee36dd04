/**
 * The supervisor's actions: they apply the decisions of plan.ts with XState's own effects (spawn,
 * stopChild, sendTo, delayed raise), so everything stays on the actor's clock and mailbox.
 *
 * XState facts they rely on (5.33): a child that errored or finished stays in `snapshot.children`
 * until stopped, so every exit is followed by `stopChild(id)`; inside one `enqueueActions`, a
 * `stopChild` unregisters the child (and its systemId) before the next action resolves, so the same
 * id can be spawned again in the same step; `spawn` inside one `assign` copies the children map
 * once per batch, where `spawnChild` copies it once per child.
 */
import { assign, enqueueActions } from 'xstate';
import type { AnyActorLogic, AnyActorRef } from 'xstate';
import { classifyDone, classifyError, planExit } from './plan.js';
import { recordOf, shutdownMs, specProblem, specTable } from './specs.js';
import type { ChildRecord, ChildSpec, ExitReason, SupervisorContext } from './types.js';
import type { SupervisorEmitted, SupervisorEvent, SupervisorReport } from './types.js';

type Ctx = SupervisorContext;
type Ev = SupervisorEvent;
type Exit = Extract<Ev, { actorId: string }>;

/** enqueueActions typed for this machine (never: no named actions, guards or delays inside). */
const act = (
  fn: Parameters<
    typeof enqueueActions<Ctx, Ev, undefined, Ev, never, never, never, never, SupervisorEmitted>
  >[0]
) => enqueueActions<Ctx, Ev, undefined, Ev, never, never, never, never, SupervisorEmitted>(fn);

type Spawn = (
  logic: AnyActorLogic,
  options: { id: string; input?: unknown; systemId?: string }
) => AnyActorRef;

function isExit(event: Ev): event is Exit {
  return 'actorId' in event;
}

function exitReason(event: Exit): ExitReason {
  return event.type.startsWith('xstate.error.')
    ? classifyError((event as { error: unknown }).error)
    : classifyDone((event as { output: unknown }).output);
}

/** The live child behind an exit event, or null when the event is stale. */
function exitedChild(self: AnyActorRef, id: string): AnyActorRef | null {
  const ref = (self.getSnapshot() as { children: Record<string, AnyActorRef | undefined> })
    .children[id];
  // After a restart reused the id, an exit queued by the old incarnation finds an active child.
  if (!ref || ref.getSnapshot().status === 'active') return null;
  return ref;
}

function report(
  ctx: Ctx,
  child: ChildRecord,
  errorContext: SupervisorReport['errorContext'],
  reason: ExitReason
): SupervisorReport {
  return {
    supervisor: ctx.name,
    errorContext,
    reason,
    offender: { id: child.id, restart: child.restart, shutdown: child.shutdown }
  };
}

/** Spawn the children `idsOf` names, in spec order, in one assign (one copy of the children map). */
export function startChildren(idsOf: (ctx: Ctx) => string[]) {
  return assign<Ctx, Ev, undefined, Ev, never>(({ context, spawn, self }) => {
    const table = specTable(self);
    const ids = new Set(idsOf(context));
    let lastReport = context.lastReport;
    const children = context.children.map((c): ChildRecord => {
      const spec = table.get(c.id);
      if (!ids.has(c.id) || !spec) return c;
      try {
        (spawn as unknown as Spawn)(spec.logic, {
          id: c.id,
          input: spec.input,
          systemId: spec.systemId
        });
        return { ...c, status: 'running', due: null };
      } catch (err) {
        // e.g. a systemId already taken: the child cannot start; it is not retried in a loop.
        const reason = classifyError(err);
        lastReport = report(context, c, 'start_error', reason);
        return { ...c, status: 'stopped', due: null, lastExit: reason };
      }
    });
    return { children, lastReport };
  });
}

/** A child exited while the supervisor runs: restart, escalate or forget, as planned. */
export const handleExit = act(({ context, event, enqueue, self }) => {
  if (!isExit(event) || !exitedChild(self, event.actorId)) return;
  const plan = planExit(context, event.actorId, exitReason(event));
  enqueue.stopChild(event.actorId);
  for (const id of plan.stop) enqueue.stopChild(id);
  const table = specTable(self);
  for (const c of context.children)
    if (!plan.children.some((p) => p.id === c.id)) table.delete(c.id);
  enqueue.assign({
    children: plan.children,
    recentRestarts: plan.recentRestarts,
    seq: plan.seq,
    lastReport: plan.report ?? context.lastReport
  });
  if (plan.report) enqueue.emit({ type: 'supervisor.report', report: plan.report });
  if (plan.escalate) return enqueue.raise({ type: 'supervisor.intensity_exceeded' });
  if (plan.startNow.length > 0) enqueue(startChildren(() => plan.startNow));
  const { restartDue, forget, seq } = { ...plan };
  if (restartDue) {
    enqueue.raise(
      { type: 'supervisor.restart_due', seq },
      { delay: restartDue.delayMs, id: `restart.${seq}` }
    );
  }
  if (forget) {
    enqueue.raise(
      { type: 'supervisor.forget_restart', ids: forget.ids },
      { delay: forget.delayMs, id: `forget.${seq}` }
    );
  }
});

/** `supervisor.start_child`: add (or replace a stopped) child and start it. */
export const startChild = act(({ context, event, enqueue, self }) => {
  if (event.type !== 'supervisor.start_child') return;
  const spec: ChildSpec = event.spec;
  const existing = context.children.find((c) => c.id === spec?.id);
  const problem =
    specProblem(spec) ?? (existing && existing.status !== 'stopped' ? 'already_started' : null);
  if (problem) {
    enqueue.emit({ type: 'supervisor.child_rejected', id: String(spec?.id), reason: problem });
    return;
  }
  specTable(self).set(spec.id, spec);
  const record = { ...recordOf(spec), restarts: existing?.restarts ?? 0 };
  const children = existing
    ? context.children.map((c) => (c.id === spec.id ? record : c))
    : [...context.children, record];
  enqueue.assign({ children });
  enqueue(startChildren(() => [spec.id]));
  enqueue.emit(({ context: now }) =>
    now.children.find((c) => c.id === spec.id)?.status === 'running'
      ? { type: 'supervisor.child_started', id: spec.id }
      : { type: 'supervisor.child_rejected', id: spec.id, reason: 'start_error' }
  );
});

/** `supervisor.terminate_child`: stop it now and forget its spec (OTP terminate + delete). */
export const terminateChild = act(({ context, event, enqueue, self }) => {
  if (event.type !== 'supervisor.terminate_child') return;
  const child = context.children.find((c) => c.id === event.id);
  if (!child) return;
  if (child.status === 'running') enqueue.stopChild(child.id);
  specTable(self).delete(child.id);
  enqueue.assign({ children: context.children.filter((c) => c.id !== child.id) });
});

/** An exit while stopping or failing: record it, never restart. */
export const recordStoppedExit = act(({ context, event, enqueue, self }) => {
  if (!isExit(event) || !exitedChild(self, event.actorId)) return;
  const reason = exitReason(event);
  const child = context.children.find((c) => c.id === event.actorId);
  enqueue.stopChild(event.actorId);
  enqueue.assign({
    children: context.children.map((c) =>
      c.id === event.actorId ? { ...c, status: 'stopped' as const, lastExit: reason } : c
    ),
    stopping: context.stopping?.id === event.actorId ? null : context.stopping,
    lastReport:
      child && reason.kind === 'abnormal'
        ? report(context, child, 'child_terminated', reason)
        : context.lastReport
  });
});

/** Children waiting out a backoff will not be started any more. */
export const abandonRestarts = assign<Ctx, Ev, undefined, Ev, never>(({ context }) => ({
  children: context.children.map((c) =>
    c.status === 'restarting' ? { ...c, status: 'stopped' as const, due: null } : c
  )
}));

/** The shutdown event a child accepts: `shutdown`, or `<machine id>.shutdown` (service.shutdown). */
function shutdownEventOf(ref: AnyActorRef): string | null {
  const snapshot = ref.getSnapshot() as { can?: (e: { type: string }) => boolean } | undefined;
  if (typeof snapshot?.can !== 'function') return null;
  const machineId = (ref as unknown as { logic?: { id?: unknown } }).logic?.id;
  const candidates = [
    'shutdown',
    ...(typeof machineId === 'string' ? [`${machineId}.shutdown`] : [])
  ];
  return candidates.find((type) => snapshot.can!({ type })) ?? null;
}

/** Graceful stop, one child: the last running one gets its shutdown event, or is stopped. */
export const stopLastRunning = act(({ context, enqueue, self }) => {
  const child = context.children.findLast((c) => c.status === 'running');
  if (!child) return;
  const ref = (self.getSnapshot() as { children: Record<string, AnyActorRef | undefined> })
    .children[child.id];
  const ms = shutdownMs(child.shutdown);
  const type = ms !== null && ref ? shutdownEventOf(ref) : null;
  if (ref && ms !== null && type) {
    enqueue.sendTo(ref, { type });
    enqueue.assign({ stopping: { id: child.id, timeoutMs: ms } });
    return;
  }
  enqueue.stopChild(child.id);
  enqueue.assign({
    children: markStopped(context.children, [child.id], { kind: 'shutdown' }),
    stopping: null
  });
});

/** The child did not finish within its shutdown timeout: stop it (OTP's `killed`). */
export const killStopping = act(({ context, enqueue }) => {
  const child = context.children.find((c) => c.id === context.stopping?.id);
  if (!child) return;
  const reason: ExitReason = { kind: 'killed' };
  const r = report(context, child, 'shutdown_error', reason);
  enqueue.stopChild(child.id);
  enqueue.assign({
    children: markStopped(context.children, [child.id], reason),
    stopping: null,
    lastReport: r
  });
  enqueue.emit({ type: 'supervisor.report', report: r });
});

/** Escalation: stop every running child, last started first. */
export const stopAllReverse = act(({ context, enqueue }) => {
  const running = context.children.filter((c) => c.status === 'running').map((c) => c.id);
  for (const id of [...running].reverse()) enqueue.stopChild(id);
  const stopped = context.children.map((c) => c.id);
  enqueue.assign({
    children: markStopped(context.children, stopped, { kind: 'shutdown' }, running)
  });
});

function markStopped(
  children: ChildRecord[],
  ids: string[],
  reason: ExitReason,
  withReason = ids
): ChildRecord[] {
  return children.map((c) =>
    ids.includes(c.id)
      ? {
          ...c,
          status: 'stopped',
          due: null,
          lastExit: withReason.includes(c.id) ? reason : c.lastExit
        }
      : c
  );
}
