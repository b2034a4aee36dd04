/**
 * Teaching mode's one object: the devnet's {@link TeachingClock}, the actor roots a teacher may
 * reach (devnet peers, the operator's node of a devnet host, demo labs), event injection with
 * guards respected, the narration of a running demo, and a bounded trace of frames between nodes
 * for the inspector's sequence view. The local API exposes it (server/routes/teaching.ts).
 */
import type { AnyActorRef, EventObject } from 'xstate';
import { BitDustError } from '../errors.js';
import { findActor } from '../inspection/actor-tree.js';
import type { MemoryNetwork } from '../transports/memory-types.js';
import { acceptedEvents, canTake, machineSnapshot, type AcceptedEvent } from './accepted-events.js';
import type { TeachingClock, TeachingClockState } from './teaching-clock.js';

/** A line of narration a demo shows in the inspector. */
export interface NarrationLine {
  seq: number;
  /** Wall-clock ms, for the reader. */
  at: number;
  text: string;
}

/** A frame delivered or dropped between two nodes (the memory network's trace). */
export interface NetworkEntry {
  seq: number;
  /** Virtual time (the teaching clock). */
  at: number;
  event: 'deliver' | 'drop';
  from: string;
  to: string;
  bytes: number;
  reason?: string;
}

/** What the UI polls: everything newer than `since`, and the cursor for the next poll. */
export interface TeachingFeed {
  clock: TeachingClockState;
  narration: NarrationLine[];
  network: NetworkEntry[];
  next: number;
}

/** The outcome of an injected event. */
export interface InjectResult {
  type: string;
  /** `snapshot.can(event)` before sending (null: a guard threw on this payload). */
  enabled: boolean | null;
  /** Whether the actor's snapshot changed: a transition (or an action-only one) was taken. */
  taken: boolean;
  before: unknown;
  after: unknown;
  status: string;
}

/** Injection refused: unknown actor, not running, or an event the current state does not handle. */
export class TeachingError extends BitDustError {
  constructor(
    code: 'ERR_TEACHING_NOT_FOUND' | 'ERR_TEACHING_NOT_ACTIVE' | 'ERR_TEACHING_NOT_ACCEPTED',
    message: string
  ) {
    super(code, message);
    this.name = 'TeachingError';
  }
}

/** Network trace is recorded only while the inspector polls: nobody watching, no cost. */
const WATCH_MS = 10_000;

/** Teaching mode of a devnet host. */
export class TeachingController {
  readonly #roots = new Map<string, AnyActorRef>();
  readonly #narration: NarrationLine[] = [];
  readonly #network: NetworkEntry[] = [];
  #seq = 0;
  #lastPoll = -Infinity;
  #untrace: (() => void) | undefined;

  constructor(
    readonly clock: TeachingClock,
    private readonly options: { network?: MemoryNetwork; keep?: number } = {}
  ) {}

  /** Makes the actors under `root` reachable for injection as node `nodeId`. */
  register(nodeId: string, root: AnyActorRef): void {
    this.#roots.set(nodeId, root);
  }

  unregister(nodeId: string): void {
    this.#roots.delete(nodeId);
  }

  /** The actor `sid` of node `node`, when it is live and teachable. */
  find(node: string, sid: string): AnyActorRef | undefined {
    const root = this.#roots.get(node);
    return root ? findActor(root, sid) : undefined;
  }

  /** The actor's state value and the events its current state accepts. */
  events(node: string, sid: string): { value: unknown; status: string; events: AcceptedEvent[] } {
    const ref = this.#mustFind(node, sid);
    const snapshot = machineSnapshot(ref);
    return {
      value: snapshot?.value,
      status: snapshot?.status ?? 'active',
      events: acceptedEvents(ref)
    };
  }

  /** Sends `event` to the actor if its current state handles that type, and reports the result. */
  inject(node: string, sid: string, event: EventObject): InjectResult {
    const ref = this.#mustFind(node, sid);
    const before = machineSnapshot(ref);
    if (!before || before.status !== 'active') {
      throw new TeachingError('ERR_TEACHING_NOT_ACTIVE', `actor ${sid} is not a running machine`);
    }
    if (!acceptedEvents(ref).some((e) => e.type === event.type)) {
      throw new TeachingError(
        'ERR_TEACHING_NOT_ACCEPTED',
        `${event.type} is not handled in state ${JSON.stringify(before.value)}`
      );
    }
    const enabled = canTake(before, event);
    ref.send(event);
    const after = machineSnapshot(ref) ?? before;
    return {
      type: event.type,
      enabled,
      taken: after !== before,
      before: before.value,
      after: after.value,
      status: after.status
    };
  }

  /** Adds a narration line (kept bounded). */
  narrate(text: string): void {
    this.#push(this.#narration, { seq: ++this.#seq, at: Date.now(), text });
  }

  /** Everything newer than `since`; starts recording the network trace while polled. */
  feed(since: number): TeachingFeed {
    this.#lastPoll = performance.now();
    this.#watchNetwork();
    return {
      clock: this.clock.state(),
      narration: this.#narration.filter((l) => l.seq > since),
      network: this.#network.filter((e) => e.seq > since),
      next: this.#seq
    };
  }

  /** Stops recording and lets go of the network. */
  close(): void {
    this.#untrace?.();
    this.#untrace = undefined;
  }

  #mustFind(node: string, sid: string): AnyActorRef {
    const ref = this.find(node, sid);
    if (!ref) throw new TeachingError('ERR_TEACHING_NOT_FOUND', `no actor ${sid} on node ${node}`);
    return ref;
  }

  #watchNetwork(): void {
    const network = this.options.network;
    if (!network || this.#untrace) return;
    this.#untrace = network.onTrace((t) => {
      if (performance.now() - this.#lastPoll > WATCH_MS) {
        this.close();
        return;
      }
      if (t.event === 'send') return;
      const entry: NetworkEntry = { seq: ++this.#seq, ...t, event: t.event };
      this.#push(this.#network, entry);
    });
  }

  #push<T>(ring: T[], item: T): void {
    ring.push(item);
    const keep = this.options.keep ?? 500;
    if (ring.length > keep) ring.splice(0, ring.length - keep);
  }
}
