/**
 * Follows one hosted node's XState system and turns its inspection events into stream messages.
 * It watches the system (see intercept.ts) only between `start()` and `stop()`: outside that
 * window XState's inspection hook is its own again, with no observer, so an unwatched node pays
 * nothing.
 *
 * This runs inside XState's event loop for every event of every actor, so the common path (an
 * event, a microstep or snapshot that changes no state) allocates nothing but the event message:
 * state values are compared structurally without JSON, supervision is read only when a context
 * object changed, and history keys are computed once per actor.
 */
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { findActor, walkActors } from './actor-tree.js';
import type { DefinitionCache } from './describe-actor.js';
import { describeActor, describeTransitions, readSupervision } from './describe-actor.js';
import { snapshotOf, statusOf } from './describe-actor.js';
import { watchInspection, type Watch } from './intercept.js';
import type { Sink, Transitions, Unstamped } from './message-queue.js';
import { sameSupervision, sameValue } from './same.js';
import type { ActorStartedMessage, ChildSupervision, NodeSnapshot } from './types.js';

interface Known {
  ref: AnyActorRef;
  machine: boolean;
  /** `node/sid`: the actor's history key, built once. */
  key: string;
  /** The last state value sent (XState's own object, never mutated), to send only changes. */
  value?: unknown;
  /** The context object supervision was last read from: unchanged context, unchanged counts. */
  context?: unknown;
  supervision?: Record<string, ChildSupervision>;
}

/** Translates inspection events of one node; `sink` receives messages in causal order. */
export class NodeTracker {
  readonly #known = new Map<string, Known>();
  /** actor.started messages whose systemId XState assigns just after announcing the actor. */
  #unresolved: [ActorStartedMessage, AnyActorRef][] = [];
  #subscription: Watch | undefined;
  /** The last actor looked up: the event, microsteps and snapshot of one step name the same one. */
  #last: Known | undefined;
  /** `system.inspect` as it was at attach: if someone replaces it later, we go through theirs. */
  readonly #inspectAtAttach: unknown;

  constructor(
    readonly node: string,
    readonly root: AnyActorRef,
    private readonly defs: DefinitionCache,
    private readonly sink: Sink,
    private readonly options: { actions: boolean; onError: (err: unknown) => void }
  ) {
    this.#inspectAtAttach = root.system.inspect;
  }

  /** How events reach this tracker while it tracks: `intercept`, `observer`, or undefined. */
  get route(): Watch['route'] | undefined {
    return this.#subscription?.route;
  }

  get tracking(): boolean {
    return this.#subscription !== undefined;
  }

  /** Learns the current tree, then follows the system's inspection events. */
  start(): void {
    if (this.#subscription) return;
    this.#walk(true);
    const system = this.root.system;
    // A wrapped `system.inspect` (a test probe, a devtools adapter) expects to see our traffic.
    const wrapped = system.inspect !== this.#inspectAtAttach;
    const handler = (ev: InspectionEvent) => {
      // Never let a bug here throw into XState's event loop: that would fail the actor.
      try {
        this.#handle(ev);
      } catch (err) {
        this.options.onError(err);
      }
    };
    this.#subscription = watchInspection(system, handler, wrapped);
  }

  stop(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
    this.#known.clear();
    this.#last = undefined;
    this.#unresolved = [];
  }

  /** The node's live actors now (parents first); also refreshes what the tracker knows. */
  snapshot(): NodeSnapshot {
    return this.#walk(this.tracking);
  }

  #walk(remember: boolean): NodeSnapshot {
    const actors: NodeSnapshot['actors'] = [];
    if (remember) this.#last = undefined; // its record is about to be replaced
    walkActors(this.root, (ref) => {
      const info = describeActor(ref, this.defs);
      actors.push(info);
      // Refs are held only while tracking, so that an idle bridge keeps no dead actor alive.
      if (!remember) return;
      const machine = info.machine !== undefined;
      this.#known.set(ref.sessionId, {
        ref,
        machine,
        key: `${this.node}/${ref.sessionId}`,
        value: info.value,
        context: machine ? snapshotOf(ref).context : undefined,
        supervision: info.supervision
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
    const known: Known = {
      ref,
      machine: info.machine !== undefined,
      key: `${this.node}/${ref.sessionId}`
    };
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
    this.sink.message(msg);
    // The bridge stamps and queues this same object, so it can still be completed before delivery.
    if (!info.systemId) this.#unresolved.push([msg as ActorStartedMessage, ref]);
    return known;
  }

  /** Known record for an actor met in any event; actors already finished are not announced. */
  #ensure(ref: AnyActorRef): Known | undefined {
    if (this.#last?.ref === ref) return this.#last;
    const known = this.#known.get(ref.sessionId);
    if (known) return (this.#last = known);
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
        const known = this.#ensure(ref);
        const from = (ev.sourceRef as AnyActorRef | undefined)?.sessionId;
        // Kept compact until the flush (see message-queue.ts): no object per event here.
        this.sink.event(this.node, ev.event.type, from, ref.sessionId, known?.key);
        return;
      }
      case '@xstate.microstep': {
        const known = this.#ensure(ref);
        if (!known?.machine) return;
        const value = (ev.snapshot as { value?: unknown }).value;
        // Most microsteps keep the state (an assign): decide before building the transitions.
        if (sameValue(value, known.value)) return;
        this.#state(known, value, ev.event.type, describeTransitions(ev._transitions));
        return;
      }
      case '@xstate.snapshot':
        this.#snapshot(ref, ev.snapshot, ev.event.type);
        return;
      case '@xstate.action':
        if (this.options.actions && this.#known.has(ref.sessionId)) {
          this.sink.message({
            kind: 'action',
            node: this.node,
            sid: ref.sessionId,
            type: ev.action.type
          });
        }
        return;
    }
  }

  #state(known: Known, value: unknown, event: string, transitions?: Transitions) {
    if (sameValue(value, known.value)) return;
    known.value = value;
    this.sink.state(this.node, known.ref.sessionId, value, event, transitions, known.key);
  }

  /** Re-reads restart bookkeeping from a new context object; emits it when it changed. */
  #supervision(known: Known, context: unknown): void {
    known.context = context;
    const supervision = readSupervision(context);
    if (supervision && !sameSupervision(supervision, known.supervision)) {
      this.sink.message({
        kind: 'supervision',
        node: this.node,
        sid: known.ref.sessionId,
        children: supervision
      });
    }
    known.supervision = supervision;
  }

  #snapshot(ref: AnyActorRef, snapshot: unknown, event: string): void {
    const snap = snapshot as {
      value?: unknown;
      context?: unknown;
      status?: string;
      error?: unknown;
    };
    const known = this.#ensure(ref);
    if (!known) return;
    if (known.machine) {
      this.#state(known, snap.value, event);
      if (snap.context !== known.context) this.#supervision(known, snap.context);
    }
    const status = statusOf(snap);
    if (status === 'active') return;
    this.#known.delete(ref.sessionId);
    if (this.#last === known) this.#last = undefined;
    const msg: Unstamped = { kind: 'actor.stopped', node: this.node, sid: ref.sessionId, status };
    if (status === 'error') msg.error = errorText(snap.error);
    this.sink.message(msg);
  }
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : (JSON.stringify(err) ?? 'unknown error');
}
