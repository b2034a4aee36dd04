/**
 * Reads what the inspector shows about one live actor: ids, machine, status, state value and a
 * supervisor's per-child restart bookkeeping. It reads snapshots generically so that it depends
 * on no machine's internals (the supervisor in particular is written elsewhere).
 */
import type { AnyActorRef, AnyStateMachine } from 'xstate';
import { serializeMachine } from './serialize-machine.js';
import type { ActorInfo, ChildSupervision, DefinitionMessage, StateMessage } from './types.js';

/** What we read from an actor ref beyond the public AnyActorRef type. */
interface ActorLike {
  sessionId: string;
  id: string;
  systemId?: string;
  src?: unknown;
  logic?: unknown;
  _parent?: { sessionId: string };
  getSnapshot(): unknown;
}

interface SnapshotLike {
  status?: string;
  value?: unknown;
  context?: unknown;
  children?: Record<string, AnyActorRef | undefined>;
  error?: unknown;
}

/** Definitions computed once per machine object (machines are immutable once created). */
export class DefinitionCache {
  readonly #byMachine = new WeakMap<object, DefinitionMessage>();
  readonly #byHash = new Map<string, DefinitionMessage>();

  /** The definition of a machine actor's logic, or undefined for other actor kinds. */
  of(ref: AnyActorRef): DefinitionMessage | undefined {
    const logic = (ref as unknown as ActorLike).logic;
    if (!isMachine(logic)) return undefined;
    let def = this.#byMachine.get(logic);
    if (!def) {
      def = serializeMachine(logic);
      this.#byMachine.set(logic, def);
      this.#byHash.set(def.hash, def);
    }
    return def;
  }

  /** A definition seen before, by hash. */
  get(hash: string): DefinitionMessage | undefined {
    return this.#byHash.get(hash);
  }
}

function isMachine(logic: unknown): logic is AnyStateMachine {
  return (
    typeof logic === 'object' &&
    logic !== null &&
    'root' in logic &&
    'idMap' in logic &&
    typeof (logic as { getInitialSnapshot?: unknown }).getInitialSnapshot === 'function'
  );
}

/** The actor's snapshot, or an empty one when reading it throws (e.g. an actor in error). */
export function snapshotOf(ref: AnyActorRef): SnapshotLike {
  try {
    const snap = ref.getSnapshot() as unknown;
    return typeof snap === 'object' && snap !== null ? (snap as SnapshotLike) : {};
  } catch {
    return {};
  }
}

/**
 * Actors created with `createActor(logic, { parent })` outside a spawn or invoke (e.g. a proxy
 * receiver, which runs before its node's network service does): they join the parent's system,
 * so their events stream, but no snapshot lists them; `adoptActor` makes the tree show them.
 */
const adopted = new WeakMap<AnyActorRef, Set<AnyActorRef>>();

/** Shows `child` under `parent` in the tree while it is active. */
export function adoptActor(parent: AnyActorRef, child: AnyActorRef): void {
  let set = adopted.get(parent);
  if (!set) adopted.set(parent, (set = new Set()));
  set.add(child);
}

/**
 * Stops an actor created with `createActor(logic, { parent })`. XState refuses `stop()` on an
 * actor with a parent (it expects the parent to stop it, which a machine only does for what it
 * spawned or invoked), so this calls the internal `_stop` that `stop()` itself runs; pinned by
 * test/proxy-node.test.ts, whose nodes must close their transports through it.
 */
export function stopAdopted(actor: AnyActorRef): void {
  const a = actor as AnyActorRef & { _parent?: unknown; _stop?: () => void };
  if (a._parent === undefined) return void actor.stop?.();
  if (typeof a._stop !== 'function') throw new Error('XState no longer has Actor._stop');
  a._stop();
}

/** The live children of a machine actor (spawned, invoked and adopted), in insertion order. */
export function childrenOf(ref: AnyActorRef): AnyActorRef[] {
  const children = snapshotOf(ref).children;
  const own =
    !children || typeof children !== 'object'
      ? []
      : Object.values(children).filter((c): c is AnyActorRef => c !== undefined);
  const extra = adopted.get(ref);
  if (!extra) return own;
  for (const c of [...extra]) if (statusOf(snapshotOf(c)) !== 'active') extra.delete(c);
  return [...own, ...extra];
}

/** Normalises an XState status to the four the stream knows. */
export function statusOf(snap: SnapshotLike): ActorInfo['status'] {
  const s = snap.status;
  return s === 'done' || s === 'error' || s === 'stopped' ? s : 'active';
}

function exitLabel(exit: unknown): string | undefined {
  if (exit === undefined || exit === null) return undefined;
  if (typeof exit === 'string') return exit;
  if (exit instanceof Error) return exit.message;
  if (typeof exit === 'object') {
    const e = exit as { reason?: unknown; type?: unknown; message?: unknown };
    for (const v of [e.reason, e.message, e.type]) if (typeof v === 'string') return v;
  }
  return String(exit);
}

function entryOf(value: unknown): ChildSupervision | undefined {
  if (typeof value === 'number') return { restarts: value };
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as { restarts?: unknown; restartCount?: unknown; lastExit?: unknown };
  const restarts = typeof v.restarts === 'number' ? v.restarts : v.restartCount;
  if (typeof restarts !== 'number') return undefined;
  const out: ChildSupervision = { restarts };
  const lastExit = exitLabel(v.lastExit);
  if (lastExit !== undefined) out.lastExit = lastExit;
  return out;
}

/**
 * Per-child restart bookkeeping, if the context carries it. Accepted shapes (see
 * docs/inspection.md): `children` or `restarts` as a record or Map keyed by child id whose values
 * are a number or `{ restarts, lastExit? }`, or an array of `{ id, restarts, lastExit? }`.
 */
export function readSupervision(context: unknown): Record<string, ChildSupervision> | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  const ctx = context as Record<string, unknown>;
  // Most contexts have none of the fields: answer without allocating (this runs per snapshot).
  if (!isObject(ctx.children) && !isObject(ctx.restarts) && !isObject(ctx.childSpecs)) {
    return undefined;
  }
  for (const key of ['children', 'restarts', 'childSpecs']) {
    const field = ctx[key];
    const out: Record<string, ChildSupervision> = {};
    let found = false;
    const add = (id: unknown, value: unknown) => {
      const entry = entryOf(value);
      if (typeof id !== 'string' || !entry) return;
      out[id] = entry;
      found = true;
    };
    if (field instanceof Map) for (const [id, v] of field) add(id, v);
    else if (Array.isArray(field)) for (const v of field) add((v as { id?: unknown })?.id, v);
    else if (typeof field === 'object' && field !== null) {
      for (const [id, v] of Object.entries(field)) add(id, v);
    }
    if (found) return out;
  }
  return undefined;
}

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null;

/** Describes one live actor for a snapshot or the /api/actors tree. */
export function describeActor(ref: AnyActorRef, defs: DefinitionCache): ActorInfo {
  const actor = ref as unknown as ActorLike;
  const snap = snapshotOf(ref);
  const info: ActorInfo = { sid: actor.sessionId, id: actor.id, status: statusOf(snap) };
  if (actor._parent) info.parent = actor._parent.sessionId;
  if (actor.systemId) info.systemId = actor.systemId;
  if (typeof actor.src === 'string') info.src = actor.src;
  const def = defs.of(ref);
  if (def) {
    info.machine = def.hash;
    info.machineId = def.machineId;
    info.value = snap.value;
    const supervision = readSupervision(snap.context);
    if (supervision) info.supervision = supervision;
  }
  return info;
}

/** What we read from XState's TransitionDefinition objects. */
interface TransitionLike {
  source: { id: string };
  target?: { id: string }[];
  eventType: string;
}

type Transitions = NonNullable<StateMessage['transitions']>;

/** Described transitions, per XState TransitionDefinition (those live as long as their machine). */
const described = new WeakMap<object, Transitions[number]>();
/** The one-element lists, for the common microstep that takes a single transition. */
const single = new WeakMap<object, Transitions>();

/**
 * A microstep's transitions as `{ source, targets, event }`. The descriptions are built once per
 * transition of a machine and frozen, so a state change allocates nothing for them: they used to
 * be fresh objects per message that lived until the flush, and were most of what the young
 * generation had to copy.
 */
export function describeTransitions(list: readonly unknown[]): Transitions {
  const ts = list as readonly TransitionLike[];
  if (ts.length === 1) {
    const t = ts[0]!;
    let one = single.get(t);
    if (!one) single.set(t, (one = Object.freeze([describeTransition(t)]) as Transitions));
    return one;
  }
  return ts.map(describeTransition);
}

function describeTransition(t: TransitionLike): Transitions[number] {
  let d = described.get(t);
  if (!d) {
    const targets = Object.freeze((t.target ?? []).map((n) => n.id)) as string[];
    d = Object.freeze({ source: t.source.id, targets, event: t.eventType });
    described.set(t, d);
  }
  return d;
}
