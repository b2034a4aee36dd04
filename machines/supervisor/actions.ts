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
import { assign } from 'xstate';
import { classifyError, planExit } from './plan.js';
import { recordOf, specProblem, specTable } from './specs.js';
import type { ChildRecord, ChildSpec } from './types.js';
import { act, exitReason, exitedChild, isExit, report } from './action-kit.js';
import type { Ctx, Ev, Spawn } from './action-kit.js';

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
