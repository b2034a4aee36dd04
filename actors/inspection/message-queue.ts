/**
 * The bridge's queue of messages waiting for the next flush.
 *
 * Why not an array of message objects: at hundreds of thousands of events per second, an object
 * per event that lives until the next flush was most of the bridge's cost. V8 sees the objects of
 * that allocation site survive, allocates them straight in the old generation, and then needs
 * major GCs to reclaim them (bench/actors.ts; a CPU profile put ~9 % of all time on that one
 * object literal). Events and state changes, nearly all of the traffic, are therefore kept as a
 * few references in flat arrays that are reused from flush to flush, and become objects only when
 * drained at the flush, where they die young once delivered (bar the few kept in history). Other
 * messages are rare and stay objects: an `actor.started` may still be completed before the flush.
 */
import { eventMessage, stateMessage } from './plain-messages.js';
import type { InspectMessage, StateMessage } from './types.js';

/** A message before the bridge stamps it with `seq` and `at`. */
export type Unstamped = InspectMessage extends infer M
  ? M extends { seq: number; at: number }
    ? Omit<M, 'seq' | 'at'>
    : never
  : never;

/** Where a tracker's messages go: the bridge stamps them with `seq` and `at` and queues them. */
export interface Sink {
  /** Any message; it stays the same object until delivery (so it may still be completed). */
  message(message: Unstamped): void;
  /** An event; `key` is the target's history key (`node/sid`) when the tracker has it. */
  event(node: string, type: string, from: string | undefined, to: string, key?: string): void;
  /** A state change; `key` is the actor's history key. */
  state(
    node: string,
    sid: string,
    value: unknown,
    event: string,
    transitions: Transitions,
    key?: string
  ): void;
}

/** Transitions of a state message, as the tracker builds them. */
export type Transitions = StateMessage['transitions'];

const OBJECT = 0;
const EVENT = 1;
const STATE = 2;
/** Slots per entry: tag, seq, node, four message fields, the history key. */
const STRIDE = 8;

/** Pending messages in order; each entry is stamped with its `seq` and `at` when queued. */
export class MessageQueue {
  #slots: unknown[] = new Array<unknown>(256 * STRIDE).fill(undefined);
  #at = new Float64Array(256);
  #length = 0;

  /** Entries waiting. */
  get length(): number {
    return this.#length;
  }

  /** Queues a message object that already carries its `seq` and `at`. */
  object(message: InspectMessage): void {
    this.#put(OBJECT, 0, 0, undefined, message, undefined, undefined, undefined, undefined);
  }

  /** Queues an event; `key` is the target's history key (`node/to`) when the caller has it. */
  event(
    seq: number,
    at: number,
    node: string,
    type: string,
    from: string | undefined,
    to: string,
    key: string | undefined
  ): void {
    this.#put(EVENT, seq, at, node, type, from, to, undefined, key);
  }

  /** Queues a state change; `key` is the actor's history key when the caller has it. */
  state(
    seq: number,
    at: number,
    node: string,
    sid: string,
    value: unknown,
    event: string,
    transitions: Transitions,
    key: string | undefined
  ): void {
    this.#put(STATE, seq, at, node, sid, value, event, transitions, key);
  }

  /**
   * Builds the queued messages in order into `out`, hands each event and state change to
   * `record` with its history key, and empties the queue (keeping its capacity).
   */
  drain(out: InspectMessage[], record: (key: string, entry: InspectMessage) => void): void {
    const s = this.#slots;
    for (let i = 0, p = 0; i < this.#length; i++, p += STRIDE) {
      const tag = s[p] as number;
      let m: InspectMessage;
      if (tag === OBJECT) m = s[p + 3] as InspectMessage;
      else if (tag === EVENT) m = eventAt(s, p, this.#at[i]!);
      else m = stateAt(s, p, this.#at[i]!);
      out.push(m);
      if (tag !== OBJECT) record((s[p + 7] as string | undefined) ?? keyOf(m), m);
      // Drop the references now, so a reused slot keeps nothing alive.
      for (let j = p; j < p + STRIDE; j++) s[j] = undefined;
    }
    this.#length = 0;
  }

  /** Forgets everything queued. */
  clear(): void {
    this.#slots.fill(undefined, 0, this.#length * STRIDE);
    this.#length = 0;
  }

  #put(
    tag: number,
    seq: number,
    at: number,
    node: unknown,
    a: unknown,
    b: unknown,
    c: unknown,
    d: unknown,
    key: string | undefined
  ): void {
    const i = this.#length++;
    if (i === this.#at.length) this.#grow();
    const s = this.#slots;
    const p = i * STRIDE;
    s[p] = tag;
    s[p + 1] = seq;
    s[p + 2] = node;
    s[p + 3] = a;
    s[p + 4] = b;
    s[p + 5] = c;
    s[p + 6] = d;
    s[p + 7] = key;
    this.#at[i] = at;
  }

  #grow(): void {
    const at = new Float64Array(this.#at.length * 2);
    at.set(this.#at);
    this.#at = at;
    this.#slots = this.#slots.concat(new Array<unknown>(this.#slots.length).fill(undefined));
  }
}

function eventAt(s: unknown[], p: number, at: number): InspectMessage {
  const seq = s[p + 1] as number;
  const node = s[p + 2] as string;
  const type = s[p + 3] as string;
  const from = s[p + 4] as string | undefined;
  const to = s[p + 5] as string;
  return eventMessage(node, type, from, to, seq, at);
}

function stateAt(s: unknown[], p: number, at: number): InspectMessage {
  const seq = s[p + 1] as number;
  const node = s[p + 2] as string;
  const sid = s[p + 3] as string;
  const value = s[p + 4];
  const event = s[p + 5] as string;
  const transitions = s[p + 6] as Transitions;
  return stateMessage(node, sid, value, event, transitions, seq, at);
}

function keyOf(m: InspectMessage): string {
  const h = m as { node: string; to?: string; sid?: string };
  return `${h.node}/${m.kind === 'event' ? h.to : h.sid}`;
}
