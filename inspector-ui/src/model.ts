/**
 * The page's picture of every node's live actors, kept up to date from the inspection stream
 * (docs/inspection.md). Pure data, no DOM, so it is tested under node and reused by later views.
 */
import type {
  ActorInfo,
  ChildSupervision,
  InspectMessage,
  NodeSnapshot
} from '../../actors/inspection/types.js';

/** One live actor as the page shows it. */
export interface ActorView {
  sid: string;
  parent?: string;
  id: string;
  systemId?: string;
  machineId?: string;
  status: ActorInfo['status'];
  value?: unknown;
  supervision?: Record<string, ChildSupervision>;
}

/** One hosted node: its root actor and every live actor by sessionId. */
export interface NodeView {
  node: string;
  root: string;
  actors: Map<string, ActorView>;
}

/** Applies stream messages; `nodes` is the current picture, in the order nodes appeared. */
export class InspectorModel {
  readonly nodes = new Map<string, NodeView>();
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

  #load(snapshot: NodeSnapshot): void {
    const actors = new Map<string, ActorView>();
    for (const a of snapshot.actors) actors.set(a.sid, { ...a });
    this.nodes.set(snapshot.node, { node: snapshot.node, root: snapshot.root, actors });
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
        return;
      }
      case 'actor.stopped': {
        const actor = view.actors.get(m.sid);
        if (!actor) return;
        // The root stays visible with its final status; finished children leave the tree.
        if (m.sid === view.root) actor.status = m.status;
        else view.actors.delete(m.sid);
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
