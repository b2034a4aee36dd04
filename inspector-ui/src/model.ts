/**
 * The page's picture of every node's live actors, kept up to date from the inspection stream
 * (docs/inspection.md). Pure data, no DOM, so it is tested under node and reused by later views.
 */
import type {
  ActorInfo,
  ChildSupervision,
  DefinitionMessage,
  InspectMessage,
  NodeSnapshot,
  SnapshotMessage
} from '../../actors/inspection/types.js';

/** One live actor as the page shows it. */
export interface ActorView {
  sid: string;
  parent?: string;
  id: string;
  systemId?: string;
  /** Definition hash, for machine actors. */
  machine?: string;
  machineId?: string;
  src?: string;
  status: ActorInfo['status'];
  value?: unknown;
  supervision?: Record<string, ChildSupervision>;
}

/** One hosted node: its root actor and every live actor by sessionId. */
export interface NodeView {
  node: string;
  root: string;
  actors: Map<string, ActorView>;
  /** Stopped children still shown (dimmed), oldest first; bounded by RETIRED_PER_NODE. */
  retired: string[];
}

/** Finished actors kept visible per node, so a class can still select a completed handshake. */
export const RETIRED_PER_NODE = 50;
/** Names remembered for sids that left the tree, so old log lines still read well. */
const MAX_LABELS = 20_000;

/** Applies stream messages; `nodes` is the current picture, in the order nodes appeared. */
export class InspectorModel {
  readonly nodes = new Map<string, NodeView>();
  /** Machine definitions by hash (each sent once per connection). */
  readonly definitions = new Map<string, DefinitionMessage>();
  /** A readable name for every sid seen: `peer.1`, `handshake-lab`. */
  readonly labels = new Map<string, string>();
  /** Messages applied since the page opened, and batches the server dropped for us. */
  applied = 0;
  dropped = 0;

  apply(batch: InspectMessage[]): void {
    for (const m of batch) this.#applyOne(m);
  }

  /** Children of an actor in the order they started. */
  children(view: NodeView, sid: string): ActorView[] {
    return [...view.actors.values()].filter((a) => a.parent === sid);
  }

  /** Restart count of an actor, from its parent's supervision bookkeeping. */
  restarts(view: NodeView, actor: ActorView): ChildSupervision | undefined {
    const parent = actor.parent ? view.actors.get(actor.parent) : undefined;
    return parent?.supervision?.[actor.id];
  }

  /** Forgets everything (before replaying a saved trace). */
  reset(): void {
    this.nodes.clear();
    this.definitions.clear();
    this.labels.clear();
    this.applied = 0;
    this.dropped = 0;
  }

  /** The actor `sid` of `node`, live or retired. */
  actor(node: string, sid: string): ActorView | undefined {
    return this.nodes.get(node)?.actors.get(sid);
  }

  /** The current picture as a snapshot message (saved traces start from it). */
  toSnapshot(): SnapshotMessage {
    const nodes = [...this.nodes.values()].map((v) => ({
      node: v.node,
      root: v.root,
      actors: [...v.actors.values()].map((a) => ({ ...a }))
    }));
    return { kind: 'snapshot', seq: 0, at: 0, nodes };
  }

  #label(actor: ActorView): void {
    if (this.labels.size >= MAX_LABELS) this.labels.clear();
    this.labels.set(actor.sid, actorName(actor));
  }

  #load(snapshot: NodeSnapshot): void {
    const actors = new Map<string, ActorView>();
    for (const a of snapshot.actors) {
      actors.set(a.sid, { ...a });
      this.#label(a);
    }
    this.nodes.set(snapshot.node, {
      node: snapshot.node,
      root: snapshot.root,
      actors,
      retired: []
    });
  }

  #applyOne(m: InspectMessage): void {
    this.applied++;
    switch (m.kind) {
      case 'snapshot':
        this.nodes.clear();
        for (const n of m.nodes) this.#load(n);
        return;
      case 'node.attached':
        this.#load(m);
        return;
      case 'node.detached':
        this.nodes.delete(m.node);
        return;
      case 'dropped':
        this.dropped += m.count;
        return;
      case 'definition':
        this.definitions.set(m.hash, m);
        return;
      case 'event':
      case 'action':
        return;
    }
    const view = this.nodes.get(m.node);
    if (!view) return;
    switch (m.kind) {
      case 'actor.started': {
        const { kind: _k, seq: _s, at: _a, node: _n, ...actor } = m;
        view.actors.set(m.sid, { ...actor, status: 'active' });
        this.#label(actor as ActorView);
        return;
      }
      case 'actor.stopped': {
        const actor = view.actors.get(m.sid);
        if (!actor) return;
        // Finished actors stay visible with their final status, the oldest leaving first.
        actor.status = m.status;
        if (m.sid === view.root) return;
        view.retired.push(m.sid);
        while (view.retired.length > RETIRED_PER_NODE) view.actors.delete(view.retired.shift()!);
        return;
      }
      case 'state': {
        const actor = view.actors.get(m.sid);
        if (actor) actor.value = m.value;
        return;
      }
      case 'supervision': {
        const actor = view.actors.get(m.sid);
        if (actor) actor.supervision = m.children;
        return;
      }
    }
  }
}

/** How an actor is named in the tree and the log: a root without an id by its system id. */
export function actorName(actor: Pick<ActorView, 'id' | 'sid' | 'systemId' | 'machineId'>): string {
  return actor.id === actor.sid ? (actor.systemId ?? actor.machineId ?? actor.id) : actor.id;
}

/** A state value as one line: `running.online`, `paused.{a, b}`. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') return String(value);
  const entries = Object.entries(value as Record<string, unknown>);
  const part = ([k, v]: [string, unknown]) => {
    const inner = formatValue(v);
    return inner ? `${k}.${inner}` : k;
  };
  if (entries.length === 0) return '';
  if (entries.length === 1) return part(entries[0]!);
  return `{${entries.map(part).join(', ')}}`;
}
