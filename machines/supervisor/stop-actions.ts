/**
 * The supervisor's stopping actions: graceful stop one child at a time (last started first), the
 * shutdown timeout, escalation's stop-everything, and exits that arrive meanwhile.
 */
import { assign } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { shutdownMs } from './specs.js';
import type { ExitReason } from './types.js';
import { act, exitReason, exitedChild, isExit, markStopped, report } from './action-kit.js';
import type { Ctx, Ev } from './action-kit.js';

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
