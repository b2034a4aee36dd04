/**
 * The supervisor's decisions as pure functions of its context: how an exit is classified, which
 * children restart with it, whether the restart intensity is exceeded and how long to back off.
 * The machine only applies the plan (stop, spawn, schedule), so every rule here is testable alone.
 */
import type {
  Backoff,
  ChildRecord,
  ExitReason,
  RestartType,
  SupervisorContext,
  SupervisorReport
} from './types.js';

/** What the machine must do after a child exited. */
export interface ExitPlan {
  children: ChildRecord[];
  recentRestarts: number;
  seq: number;
  /** Live siblings to stop, in reverse start order. */
  stop: string[];
  /** Children to spawn now (no backoff), in start order. */
  startNow: string[];
  /** A delayed `supervisor.restart_due { seq }` to schedule. */
  restartDue: { seq: number; delayMs: number } | null;
  /** A delayed `supervisor.forget_restart { ids }`: the sliding intensity window. */
  forget: { ids: string[]; delayMs: number } | null;
  escalate: boolean;
  report: SupervisorReport | null;
}

/** `xstate.done.actor.*` is normal unless its output says `{ reason: 'shutdown' }`. */
export function classifyDone(output: unknown): ExitReason {
  const reason = (output as { reason?: unknown } | null | undefined)?.reason;
  return { kind: reason === 'shutdown' ? 'shutdown' : 'normal' };
}

/** `xstate.error.actor.*` is abnormal; keep only JSON-friendly facts about the error. */
export function classifyError(error: unknown): ExitReason {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string'
      ? { kind: 'abnormal', message: error.message, code }
      : { kind: 'abnormal', message: error.message };
  }
  return { kind: 'abnormal', message: String(error) };
}

/** OTP: permanent always, transient only after an abnormal exit, temporary never. */
export function shouldRestart(restart: RestartType, reason: ExitReason): boolean {
  if (restart === 'permanent') return true;
  if (restart === 'transient') return reason.kind === 'abnormal' || reason.kind === 'killed';
  return false;
}

/** `initialMs · 2^(n-1)` capped at `maxMs`; n is the child's restarts inside the window. */
export function backoffDelay(backoff: Backoff, n: number): number {
  if (backoff.initialMs <= 0 || n <= 0) return 0;
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(n - 1, 30));
}

/** Indexes of the children restarted together with the one at `at`, by strategy. */
function affected(ctx: SupervisorContext, at: number): number[] {
  const all = ctx.children.map((_, i) => i);
  if (ctx.strategy === 'one_for_one') return [at];
  const from = ctx.strategy === 'one_for_all' ? 0 : at;
  // Siblings that had already finished (stopped) stay stopped: only live or pending ones restart.
  return all.filter((i) => i === at || (i >= from && ctx.children[i]!.status !== 'stopped'));
}

function offenderOf(child: ChildRecord): SupervisorReport['offender'] {
  return { id: child.id, restart: child.restart, shutdown: child.shutdown };
}

/** Decide what happens after child `id` exited with `reason` while the supervisor runs. */
export function planExit(ctx: SupervisorContext, id: string, reason: ExitReason): ExitPlan {
  const at = ctx.children.findIndex((c) => c.id === id);
  const none: ExitPlan = {
    children: ctx.children,
    recentRestarts: ctx.recentRestarts,
    seq: ctx.seq,
    stop: [],
    startNow: [],
    restartDue: null,
    forget: null,
    escalate: false,
    report: null
  };
  if (at < 0) return none;
  const child = ctx.children[at]!;
  const report: SupervisorReport | null =
    reason.kind === 'abnormal'
      ? {
          supervisor: ctx.name,
          errorContext: 'child_terminated',
          reason,
          offender: offenderOf(child)
        }
      : null;
  if (!shouldRestart(child.restart, reason)) {
    // OTP deletes a temporary child's spec when it ends; others stay listed as stopped.
    const children =
      child.restart === 'temporary'
        ? ctx.children.filter((c) => c.id !== id)
        : ctx.children.map((c, i) =>
            i === at ? { ...c, status: 'stopped' as const, lastExit: reason } : c
          );
    return { ...none, children, report };
  }
  if (ctx.recentRestarts + 1 > ctx.intensity) {
    const children = ctx.children.map((c, i) =>
      i === at ? { ...c, status: 'stopped' as const, lastExit: reason } : c
    );
    const escalation: SupervisorReport = {
      supervisor: ctx.name,
      errorContext: 'shutdown',
      reason: 'reached_max_restart_intensity',
      offender: offenderOf(child)
    };
    return { ...none, children, escalate: true, report: escalation };
  }
  const seq = ctx.seq + 1;
  const group = new Set(affected(ctx, at));
  const stop: string[] = [];
  const restart: string[] = [];
  const children: ChildRecord[] = [];
  ctx.children.forEach((c, i) => {
    if (!group.has(i)) return void children.push(c);
    if (i !== at && c.status === 'running') stop.push(c.id);
    // A temporary sibling stopped because of another child is not restarted (OTP): drop it.
    if (i !== at && c.restart === 'temporary') return;
    restart.push(c.id);
    const lastExit = i === at ? reason : ({ kind: 'shutdown' } as const);
    children.push({
      ...c,
      status: 'restarting',
      restarts: c.restarts + 1,
      recent: c.recent + 1,
      lastExit
    });
  });
  stop.reverse();
  const delayMs = backoffDelay(ctx.backoff, child.recent + 1);
  const pending = children.map((c) => (restart.includes(c.id) ? { ...c, due: seq } : c));
  return {
    children: delayMs > 0 ? pending : pending.map((c) => (c.due === seq ? { ...c, due: null } : c)),
    recentRestarts: ctx.recentRestarts + 1,
    seq,
    stop,
    startNow: delayMs > 0 ? [] : restart,
    restartDue: delayMs > 0 ? { seq, delayMs } : null,
    forget: { ids: restart, delayMs: ctx.periodMs },
    escalate: false,
    report
  };
}

/** Forget one restart of the window, and of each child restarted by that decision. */
export function forgetRestart(ctx: SupervisorContext, ids: string[]): Partial<SupervisorContext> {
  const children = ctx.children.map((c) =>
    ids.includes(c.id) && c.recent > 0 ? { ...c, recent: c.recent - 1 } : c
  );
  return { recentRestarts: Math.max(0, ctx.recentRestarts - 1), children };
}
