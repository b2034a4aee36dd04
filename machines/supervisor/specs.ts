/**
 * Child specs: validation (OTP throws a tagged reason naming exactly what was wrong; we return it)
 * and the per-supervisor spec table.
 *
 * Why a side table: a spec's `logic` is a whole machine (with parent links: not JSON) and its
 * `input` may hold anything, while the context must stay JSON-friendly for the inspector and
 * cheap to copy on every assign. So the context keeps only the child records, and the specs live
 * in a WeakMap keyed by the supervisor actor (`self`), filled by the context factory and by
 * `supervisor.start_child`. It dies with the actor. The cost: a supervisor snapshot cannot be
 * persisted and restored — supervisors are rebuilt from their specs, never rehydrated.
 */
import type { AnyActorRef } from 'xstate';
import type { ChildRecord, ChildSpec, RestartType, Shutdown } from './types.js';

const tables = new WeakMap<object, Map<string, ChildSpec>>();

/** The spec table of one supervisor actor (created on first use). */
export function specTable(self: AnyActorRef): Map<string, ChildSpec> {
  let table = tables.get(self);
  if (!table) {
    table = new Map();
    tables.set(self, table);
  }
  return table;
}

const restartTypes: readonly RestartType[] = ['permanent', 'transient', 'temporary'];

/** Milliseconds for `infinity`: the largest delay a JS timer accepts. */
export const INFINITY_MS = 2 ** 31 - 1;

/** OTP's default shutdown for workers. */
export const DEFAULT_SHUTDOWN_MS = 5000;

function validShutdown(s: unknown): s is Shutdown {
  return s === 'brutal_kill' || s === 'infinity' || (typeof s === 'number' && s >= 0);
}

/** Why a spec is invalid (`invalid_child_id`, `invalid_restart_type: x`, ...), or null. */
export function specProblem(spec: ChildSpec): string | null {
  if (typeof spec !== 'object' || spec === null) return 'invalid_child_spec';
  if (typeof spec.id !== 'string' || spec.id === '') return 'invalid_child_id';
  if (typeof spec.logic !== 'object' || spec.logic === null) return `invalid_logic: ${spec.id}`;
  if (spec.restart !== undefined && !restartTypes.includes(spec.restart)) {
    return `invalid_restart_type: ${String(spec.restart)}`;
  }
  if (spec.shutdown !== undefined && !validShutdown(spec.shutdown)) {
    return `invalid_shutdown: ${String(spec.shutdown)}`;
  }
  return null;
}

/** The JSON-friendly record the context keeps for a spec. */
export function recordOf(spec: ChildSpec): ChildRecord {
  const record: ChildRecord = {
    id: spec.id,
    restart: spec.restart ?? 'permanent',
    shutdown: spec.shutdown ?? DEFAULT_SHUTDOWN_MS,
    // Not running until spawned: the machine spawns it in the same step.
    status: 'stopped',
    restarts: 0,
    recent: 0,
    due: null,
    lastExit: null
  };
  if (spec.systemId !== undefined) record.systemId = spec.systemId;
  return record;
}

/** Milliseconds to wait for a graceful exit; null means stop at once. */
export function shutdownMs(shutdown: Shutdown): number | null {
  if (shutdown === 'brutal_kill') return null;
  return shutdown === 'infinity' ? INFINITY_MS : shutdown;
}
