/**
 * Turns an XState machine into the JSON the inspector draws. XState 5.33's own
 * `machine.root.definition` (and `toJSON()`) drops `always` transitions, hides delays among the
 * `on` map as `xstate.after.*` events, loses history default targets and serialises inline
 * actions and guards as `null`, so we walk the live StateNode objects instead.
 */
import { createHash } from 'node:crypto';
import type { AnyStateMachine } from 'xstate';
import type { DefinitionMessage, InvokeDef, StateDef, TransitionDef } from './types.js';

/** The parts of XState's StateNode and TransitionDefinition we read (typed loosely on purpose). */
interface NodeLike {
  id: string;
  key: string;
  type: StateDef['type'];
  config: { target?: unknown; history?: unknown };
  history: false | 'shallow' | 'deep';
  parent?: NodeLike;
  states: Record<string, NodeLike>;
  order: number;
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
  after: (TransitionLike & { delay: unknown })[];
  invoke: { id: string; src: unknown; systemId?: string }[];
  initial?: { target: NodeLike[] };
  entry: unknown[];
  exit: unknown[];
  tags: string[];
  description?: string;
}

interface TransitionLike {
  eventType: string;
  target?: NodeLike[] | undefined;
  guard?: unknown;
  actions: unknown[];
  reenter?: boolean;
  description?: string;
  delay?: unknown;
}

/** A readable label for a guard: its name, `and(a, b)`, `not(a)`, `stateIn(...)` or `inline`. */
export function guardLabel(guard: unknown): string | undefined {
  if (guard === undefined || guard === null) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const fn = guard as { name: string; guards?: unknown[]; stateValue?: unknown };
    if (Array.isArray(fn.guards)) return `${fn.name}(${fn.guards.map(guardLabel).join(', ')})`;
    if (fn.stateValue !== undefined) return `stateIn(${JSON.stringify(fn.stateValue)})`;
    return fn.name && fn.name !== 'guard' ? fn.name : 'inline';
  }
  if (typeof guard === 'object' && 'type' in guard) return String(guard.type);
  return 'inline';
}

/** A readable label for an action: its type (`xstate.assign`, `sendPing`) or `inline`. */
export function actionLabel(action: unknown): string {
  if (typeof action === 'string') return action;
  if (action && (typeof action === 'object' || typeof action === 'function')) {
    const typed = action as { type?: unknown; name?: string };
    if (typeof typed.type === 'string') return typed.type;
    if (typeof action === 'function' && typed.name) return typed.name;
  }
  return 'inline';
}

function transitionDef(t: TransitionLike, delays: Record<string, unknown>): TransitionDef {
  const def: TransitionDef = { event: t.eventType, targets: (t.target ?? []).map((n) => n.id) };
  const guard = guardLabel(t.guard);
  if (guard) def.guard = guard;
  if (t.actions.length > 0) def.actions = t.actions.map(actionLabel);
  if (t.reenter) def.reenter = true;
  if (t.description) def.description = t.description;
  if (typeof t.delay === 'number' || typeof t.delay === 'string') {
    def.delay = t.delay;
    const ms = typeof t.delay === 'number' ? t.delay : delays[t.delay];
    if (typeof ms === 'number') def.delayMs = ms;
  } else if (t.delay !== undefined) {
    def.delay = 'inline';
  }
  return def;
}

/** History default targets are written relative to the history node's parent. */
function historyTargets(node: NodeLike): string[] {
  const raw = node.config.target;
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((t) => {
    const target = String(t);
    if (target.startsWith('#')) return target.slice(1);
    let at: NodeLike | undefined = node.parent;
    for (const part of target.split('.')) at = at?.states[part];
    return at?.id ?? target;
  });
}

function srcLabel(src: unknown): string {
  if (typeof src === 'string') return src;
  const id = (src as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : 'inline';
}

function stateDef(node: NodeLike, delays: Record<string, unknown>): StateDef {
  const delayed = new Set(node.after.map((t) => t.eventType));
  const on: TransitionDef[] = [];
  for (const [eventType, list] of node.transitions) {
    if (delayed.has(eventType)) continue;
    for (const t of list) on.push(transitionDef(t, delays));
  }
  const def: StateDef = {
    id: node.id,
    key: node.key,
    type: node.type,
    on,
    after: node.after.map((t) => transitionDef(t, delays)),
    always: (node.always ?? []).map((t) => transitionDef(t, delays)),
    invoke: node.invoke.map((inv) => {
      const out: InvokeDef = { id: inv.id, src: srcLabel(inv.src) };
      if (inv.systemId) out.systemId = inv.systemId;
      return out;
    }),
    entry: node.entry.map(actionLabel),
    exit: node.exit.map(actionLabel),
    tags: [...node.tags],
    states: Object.values(node.states)
      .sort((a, b) => a.order - b.order)
      .map((child) => stateDef(child, delays))
  };
  if (node.type === 'compound' && node.initial) def.initial = node.initial.target.map((n) => n.id);
  if (node.type === 'history') {
    def.history = node.history === 'deep' ? 'deep' : 'shallow';
    def.historyTargets = historyTargets(node);
  }
  if (node.description) def.description = node.description;
  return def;
}

/** Serialises a machine's statechart, with a stable hash of its JSON as the key. */
export function serializeMachine(machine: AnyStateMachine): DefinitionMessage {
  const delays = (machine.implementations?.delays ?? {}) as Record<string, unknown>;
  const root = stateDef(machine.root as unknown as NodeLike, delays);
  const hash = createHash('sha256')
    .update(JSON.stringify([machine.id, root]))
    .digest('hex')
    .slice(0, 16);
  return { kind: 'definition', hash, machineId: machine.id, root };
}
