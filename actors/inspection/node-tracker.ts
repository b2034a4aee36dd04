/**
 * Follows one hosted node's XState system and turns its inspection events into stream messages.
 * It subscribes to `system.inspect` only between `start()` and `stop()`: XState skips building
 * inspection events entirely while a system has no observer, which is what makes an unwatched
 * node pay nothing.
 */
import type { AnyActorRef, InspectionEvent, Subscription } from 'xstate';
import { findActor, walkActors } from './actor-tree.js';
import type { DefinitionCache } from './describe-actor.js';
import { describeActor, readSupervision, snapshotOf, statusOf } from './describe-actor.js';
import type { ActorStartedMessage, InspectMessage, NodeSnapshot, StateMessage } from './types.js';

/** A message before the bridge stamps it with `seq` and `at`. */
export type Unstamped = InspectMessage extends infer M
  ? M extends { seq: number; at: number }
    ? Omit<M, 'seq' | 'at'>
    : never
  : never;

interface Known {
  ref: AnyActorRef;
  machine: boolean;
  /** JSON of the last state value sent, to send only changes. */
  value?: string;
  supervision?: string;
}

interface TransitionLike {
  source: { id: string };
  target?: { id: string }[];
  eventType: string;
}

/** Translates inspection events of one node; `emit` receives messages in causal order. */
export class NodeTracker {
  readonly #known = new Map<string, Known>();
  /** actor.started messages whose systemId XState assigns just after announcing the actor. */
  #unresolved: [ActorStartedMessage, AnyActorRef][] = [];
  #subscription: Subscription | undefined;

  constructor(
    readonly node: string,
    readonly root: AnyActorRef,
    private readonly defs: DefinitionCache,
    private readonly emit: (message: Unstamped) => void,
    private readonly options: { actions: boolean; onError: (err: unknown) => void }
  ) {}

  get tracking(): boolean {
    return this.#subscription !== undefined;
  }

  /** Learns the current tree, then follows the system's inspection events. */
  start(): void {
    if (this.#subscription) return;
    this.#walk(true);
    this.#subscription = this.root.system.inspect((ev: InspectionEvent) => {
      // Never let a bug here throw into XState's event loop: that would fail the actor.
      try {
        this.#handle(ev);
      } catch (err) {
        this.options.onError(err);
      }
    });
  }

  stop(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
    this.#known.clear();
    this.#unresolved = [];
  }

  /** The node's live actors now (parents first); also refreshes what the tracker knows. */
  snapshot(): NodeSnapshot {
    return this.#walk(this.tracking);
  }

  #walk(remember: boolean): NodeSnapshot {
    const actors: NodeSnapshot['actors'] = [];
    walkActors(this.root, (ref) => {
      const info = describeActor(ref, this.defs);
      actors.push(info);
      // Refs are held only while tracking, so that an idle bridge keeps no dead actor alive.
      if (!remember) return;
      this.#known.set(ref.sessionId, {
        ref,
        machine: info.machine !== undefined,
        value: info.machine !== undefined ? valueKey(info.value) : undefined,
        supervision: info.supervision ? JSON.stringify(info.supervision) : undefined
      });
    });
    return { node: this.node, root: this.root.sessionId, actors };
  }

  /** Fills in fields XState sets after announcing an actor; called just before a flush. */
  resolvePending(): void {
    for (const [msg, ref] of this.#unresolved) {
      const systemId = (ref as { systemId?: string }).systemId;
      if (systemId) msg.systemId = systemId;
    }
    this.#unresolved = [];
  }

  /** The live actor with this sessionId, if the tree still holds it. */
  find(sid: string): AnyActorRef | undefined {
    return this.#known.get(sid)?.ref ?? findActor(this.root, sid);
  }

  #announce(ref: AnyActorRef): Known {
    const info = describeActor(ref, this.defs);
    const known: Known = { ref, machine: info.machine !== undefined };
    this.#known.set(ref.sessionId, known);
    const msg: Omit<ActorStartedMessage, 'seq' | 'at'> = {
      kind: 'actor.started',
      node: this.node,
      sid: info.sid,
      id: info.id
    };
    if (info.parent) msg.parent = info.parent;
    if (info.machine) msg.machine = info.machine;
    if (info.machineId) msg.machineId = info.machineId;
    if (info.src) msg.src = info.src;
    if (info.systemId) msg.systemId = info.systemId;
    this.emit(msg);
    // emit() stamps the same object, so it can still be completed before delivery.
    if (!info.systemId) this.#unresolved.push([msg as ActorStartedMessage, ref]);
    return known;
  }

  /** Known record for an actor met in any event; actors already finished are not announced. */
  #ensure(ref: AnyActorRef): Known | undefined {
    const known = this.#known.get(ref.sessionId);
    if (known) return known;
    if (statusOf(snapshotOf(ref)) !== 'active') return undefined;
    return this.#announce(ref);
  }

  #handle(ev: InspectionEvent): void {
    const ref = ev.actorRef as AnyActorRef;
    switch (ev.type) {
      case '@xstate.actor':
        if (!this.#known.has(ref.sessionId)) this.#announce(ref);
        return;
      case '@xstate.event': {
        this.#ensure(ref);
        const from = (ev.sourceRef as AnyActorRef | undefined)?.sessionId;
        const msg: Unstamped = {
          kind: 'event',
          node: this.node,
          type: ev.event.type,
          to: ref.sessionId
        };
        if (from !== undefined) msg.from = from;
        this.emit(msg);
        return;
      }
      case '@xstate.microstep': {
        const known = this.#ensure(ref);
        if (!known?.machine) return;
        const transitions = (ev._transitions as unknown as TransitionLike[]).map((t) => ({
          source: t.source.id,
          targets: (t.target ?? []).map((n) => n.id),
          event: t.eventType
        }));
        this.#state(known, (ev.snapshot as { value?: unknown }).value, ev.event.type, transitions);
        return;
      }
      case '@xstate.snapshot':
        this.#snapshot(ref, ev.snapshot, ev.event.type);
        return;
      case '@xstate.action':
        if (this.options.actions && this.#known.has(ref.sessionId)) {
          this.emit({ kind: 'action', node: this.node, sid: ref.sessionId, type: ev.action.type });
        }
        return;
    }
  }

  #state(known: Known, value: unknown, event: string, transitions?: StateMessage['transitions']) {
    const json = valueKey(value);
    if (json === known.value) return;
    known.value = json;
    const msg: Unstamped = {
      kind: 'state',
      node: this.node,
      sid: known.ref.sessionId,
      value,
      event
    };
    if (transitions && transitions.length > 0) msg.transitions = transitions;
    this.emit(msg);
  }

  #snapshot(ref: AnyActorRef, snapshot: unknown, event: string): void {
    const snap = snapshot as {
      value?: unknown;
      context?: unknown;
      status?: string;
      error?: unknown;
    };
    const known = this.#known.get(ref.sessionId) ?? this.#ensure(ref);
    if (!known) return;
    if (known.machine) {
      this.#state(known, snap.value, event);
      const supervision = readSupervision(snap.context);
      const json = supervision ? JSON.stringify(supervision) : undefined;
      if (supervision && json !== known.supervision) {
        this.emit({
          kind: 'supervision',
          node: this.node,
          sid: ref.sessionId,
          children: supervision
        });
      }
      known.supervision = json;
    }
    const status = statusOf(snap);
    if (status === 'active') return;
    this.#known.delete(ref.sessionId);
    const msg: Unstamped = { kind: 'actor.stopped', node: this.node, sid: ref.sessionId, status };
    if (status === 'error') msg.error = errorText(snap.error);
    this.emit(msg);
  }
}

/** A comparable key for a state value; most values are plain strings, which skip JSON. */
function valueKey(value: unknown): string {
  return typeof value === 'string' ? `"${value}` : JSON.stringify(value);
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : (JSON.stringify(err) ?? 'unknown error');
}
