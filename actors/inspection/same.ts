/**
 * Allocation-free equality for what the tracker compares on every snapshot: state values and a
 * supervisor's restart bookkeeping. The tracker used to compare JSON strings, which cost a
 * `JSON.stringify` per snapshot of every actor; XState builds a fresh `value` object for every
 * snapshot of a compound state (a plain string for an atomic root), so a reference check alone
 * would report changes that are not.
 */
import type { ChildSupervision } from './types.js';

/** Structural equality of two XState state values (strings, or objects of state values). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const key in x) {
    if (!(key in y) || !sameValue(x[key], y[key])) return false;
    n++;
  }
  for (const _ in y) if (--n < 0) return false;
  return n === 0;
}

/** Equality of two per-child restart records (as read by `readSupervision`). */
export function sameSupervision(
  a: Record<string, ChildSupervision> | undefined,
  b: Record<string, ChildSupervision> | undefined
): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  let n = 0;
  for (const id in a) {
    const x = a[id]!;
    const y = b[id];
    if (!y || x.restarts !== y.restarts || x.lastExit !== y.lastExit) return false;
    n++;
  }
  for (const _ in b) if (--n < 0) return false;
  return n === 0;
}
