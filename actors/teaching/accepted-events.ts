/**
 * Which events a machine actor accepts right now, read from its definition: the `on` keys of every
 * active state node (ancestors included, as XState resolves them), each checked with
 * `snapshot.can(event)` so that guards are respected. Internal events (`xstate.*`: delays, done and
 * error events of invoked actors) and wildcards are left out: a teacher injects protocol events.
 */
import type { AnyActorRef, AnyMachineSnapshot, EventObject } from 'xstate';

/** One event type the current state handles. */
export interface AcceptedEvent {
  type: string;
  /**
   * `snapshot.can({ type })`: true when a transition would be taken for an event with no payload,
   * false when every guard refuses, `null` when a guard needs a payload to decide (it threw).
   */
  enabled: boolean | null;
  /** Guard labels of the transitions for this event, in priority order ('' for none). */
  guards: string[];
  /** Target state ids of those transitions (self-transitions and action-only ones give none). */
  targets: string[];
}

interface StateNodeLike {
  id: string;
  on?: Record<string, TransitionLike[]>;
}

interface TransitionLike {
  guard?: unknown;
  target?: { id: string }[];
}

/** The machine snapshot of `ref`, or undefined when it is not a machine actor. */
export function machineSnapshot(ref: AnyActorRef): AnyMachineSnapshot | undefined {
  const snapshot = ref.getSnapshot() as Partial<AnyMachineSnapshot> | undefined;
  if (!snapshot || typeof snapshot !== 'object' || !('machine' in snapshot)) return undefined;
  if (typeof snapshot.can !== 'function') return undefined;
  return snapshot as AnyMachineSnapshot;
}

function guardLabel(guard: unknown): string {
  if (guard === undefined) return '';
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'inline';
  const g = guard as { type?: unknown };
  return typeof g.type === 'string' ? g.type : 'inline';
}

/** Whether `event` would be taken now; null when a guard threw (it needs the payload). */
export function canTake(snapshot: AnyMachineSnapshot, event: EventObject): boolean | null {
  try {
    return snapshot.can(event);
  } catch {
    return null;
  }
}

/** The events the actor's current state handles, sorted by type. */
export function acceptedEvents(ref: AnyActorRef): AcceptedEvent[] {
  const snapshot = machineSnapshot(ref);
  if (!snapshot || snapshot.status !== 'active') return [];
  // `_nodes` is XState's list of active state nodes, ancestors included.
  const nodes = ((snapshot as unknown as { _nodes?: StateNodeLike[] })._nodes ?? []).slice(0, 500);
  const byType = new Map<string, AcceptedEvent>();
  for (const node of nodes) {
    for (const [type, transitions] of Object.entries(node.on ?? {})) {
      if (type.startsWith('xstate.') || type.includes('*')) continue;
      let entry = byType.get(type);
      if (!entry) {
        entry = { type, enabled: canTake(snapshot, { type }), guards: [], targets: [] };
        byType.set(type, entry);
      }
      for (const t of transitions) {
        entry.guards.push(guardLabel(t.guard));
        for (const target of t.target ?? []) {
          if (!entry.targets.includes(target.id)) entry.targets.push(target.id);
        }
      }
    }
  }
  return [...byType.values()].sort((a, b) => a.type.localeCompare(b.type));
}
