/**
 * Which state nodes a state value makes active: the root, and for each level the child the value
 * names (every region of a parallel state). Used to highlight the current — or, while scrubbing
 * history, a past — state of the selected machine.
 */
import type { StateDef } from '../../../actors/inspection/types.js';

/** Ids of the active state nodes for `value` (the root included). */
export function activeStateIds(root: StateDef, value: unknown): Set<string> {
  const active = new Set<string>([root.id]);
  const visit = (def: StateDef, v: unknown, depth: number) => {
    if (depth > 64 || v === undefined || v === null) return;
    if (typeof v === 'string') {
      const child = def.states.find((s) => s.key === v);
      if (child) active.add(child.id);
      return;
    }
    if (typeof v !== 'object') return;
    for (const [key, inner] of Object.entries(v as Record<string, unknown>)) {
      const child = def.states.find((s) => s.key === key);
      if (!child) continue;
      active.add(child.id);
      visit(child, inner, depth + 1);
    }
  };
  visit(root, value, 0);
  return active;
}
