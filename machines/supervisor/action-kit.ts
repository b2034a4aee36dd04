/**
 * Shared pieces of the supervisor's actions: the typed `enqueueActions`, exit-event helpers and
 * the report builder.
 */
import { enqueueActions } from 'xstate';
import type { AnyActorLogic, AnyActorRef } from 'xstate';
import { classifyDone, classifyError } from './plan.js';
import type { ChildRecord, ExitReason, SupervisorContext } from './types.js';
import type { SupervisorEmitted, SupervisorEvent, SupervisorReport } from './types.js';

export type Ctx = SupervisorContext;
export type Ev = SupervisorEvent;
export type Exit = Extract<Ev, { actorId: string }>;

/** enqueueActions typed for this machine (never: no named actions, guards or delays inside). */
export const act = (
  fn: Parameters<
    typeof enqueueActions<Ctx, Ev, undefined, Ev, never, never, never, never, SupervisorEmitted>
  >[0]
) => enqueueActions<Ctx, Ev, undefined, Ev, never, never, never, never, SupervisorEmitted>(fn);

export type Spawn = (
  logic: AnyActorLogic,
  options: { id: string; input?: unknown; systemId?: string }
) => AnyActorRef;

export function isExit(event: Ev): event is Exit {
  return 'actorId' in event;
}

export function exitReason(event: Exit): ExitReason {
  return event.type.startsWith('xstate.error.')
    ? classifyError((event as { error: unknown }).error)
    : classifyDone((event as { output: unknown }).output);
}

/** The live child behind an exit event, or null when the event is stale. */
export function exitedChild(self: AnyActorRef, id: string): AnyActorRef | null {
  const ref = (self.getSnapshot() as { children: Record<string, AnyActorRef | undefined> })
    .children[id];
  // After a restart reused the id, an exit queued by the old incarnation finds an active child.
  if (!ref || ref.getSnapshot().status === 'active') return null;
  return ref;
}

export function report(
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

/** Mark `ids` stopped; those in `withReason` also get `reason` as their last exit. */
export function markStopped(
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
