/**
 * The inspection stream: what the bridge sends to the local API's /ws/inspect and what the
 * inspector UI draws. This file is the contract between actors/inspection, server/ and
 * inspector-ui/; docs/inspection.md describes the same shapes for readers.
 *
 * Every live message carries `seq` (one counter per bridge, strictly increasing) and `at` (the
 * bridge's clock, ms), so a client can order, deduplicate and time-travel. Actors are named by
 * `sid` (XState's sessionId, unique within the process) together with `node`.
 */

/** A transition as drawn: event, targets (state node ids), guard, delay and action labels. */
export interface TransitionDef {
  /** Event type; `''` for `always`, the `xstate.after.*` type for delays. */
  event: string;
  targets: string[];
  guard?: string;
  actions?: string[];
  /** Delay as written: milliseconds or the name of a `delays` implementation. */
  delay?: number | string;
  /** The named delay resolved to milliseconds when it is a constant. */
  delayMs?: number;
  reenter?: boolean;
  description?: string;
}

/** An invoked actor as declared on a state node. */
export interface InvokeDef {
  id: string;
  src: string;
  systemId?: string;
}

/** One state node, walked from `machine.root` (the shape XState's own toJSON loses parts of). */
export interface StateDef {
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Initial child state ids (compound states only). */
  initial?: string[];
  /** History kind and its default targets (history states only). */
  history?: 'shallow' | 'deep';
  historyTargets?: string[];
  on: TransitionDef[];
  after: TransitionDef[];
  always: TransitionDef[];
  invoke: InvokeDef[];
  entry: string[];
  exit: string[];
  tags: string[];
  description?: string;
  /** Children in document order. */
  states: StateDef[];
}

/** A machine definition, sent once per connection before the first message that names it. */
export interface DefinitionMessage {
  kind: 'definition';
  /** Hash of the JSON of `root` + `machineId`: the key other messages use in `machine`. */
  hash: string;
  machineId: string;
  root: StateDef;
}

/** Restart bookkeeping a supervisor keeps for one child, read generically from its context. */
export interface ChildSupervision {
  restarts: number;
  lastExit?: string;
}

/** One live actor as the snapshot and /api/actors describe it. */
export interface ActorInfo {
  sid: string;
  parent?: string;
  id: string;
  systemId?: string;
  /** Definition hash, for machine actors. */
  machine?: string;
  machineId?: string;
  src?: string;
  status: 'active' | 'done' | 'error' | 'stopped';
  value?: unknown;
  /** Per-child restart bookkeeping, when this actor is a supervisor. */
  supervision?: Record<string, ChildSupervision>;
}

/** The actors of one hosted node, parents before children. */
export interface NodeSnapshot {
  node: string;
  root: string;
  actors: ActorInfo[];
}

interface Live {
  seq: number;
  at: number;
}

/** First message of a connection: the current tree of every attached node. */
export interface SnapshotMessage extends Live {
  kind: 'snapshot';
  nodes: NodeSnapshot[];
}

/** A node was attached while clients listen: its current tree. */
export interface NodeAttachedMessage extends Live, NodeSnapshot {
  kind: 'node.attached';
}

export interface NodeDetachedMessage extends Live {
  kind: 'node.detached';
  node: string;
}

export interface ActorStartedMessage extends Live {
  kind: 'actor.started';
  node: string;
  sid: string;
  parent?: string;
  id: string;
  systemId?: string;
  machine?: string;
  machineId?: string;
  src?: string;
}

export interface ActorStoppedMessage extends Live {
  kind: 'actor.stopped';
  node: string;
  sid: string;
  status: 'done' | 'error' | 'stopped';
  error?: string;
}

/** A machine actor's state value changed (sent only on change). */
export interface StateMessage extends Live {
  kind: 'state';
  node: string;
  sid: string;
  value: unknown;
  /** The event that caused the step. */
  event?: string;
  /** Transitions taken in this microstep: source state id → target state ids. */
  transitions?: { source: string; targets: string[]; event: string }[];
}

/** An event delivered to an actor. `from` is absent for events sent from outside the system. */
export interface EventMessage extends Live {
  kind: 'event';
  node: string;
  type: string;
  from?: string;
  to: string;
}

/** A supervisor's per-child restart bookkeeping changed. */
export interface SupervisionMessage extends Live {
  kind: 'supervision';
  node: string;
  sid: string;
  children: Record<string, ChildSupervision>;
}

/** An action executed (only when the bridge is created with `actions: true`). */
export interface ActionMessage extends Live {
  kind: 'action';
  node: string;
  sid: string;
  type: string;
}

/** The server dropped `count` batches for a slow client; a fresh snapshot follows. */
export interface DroppedMessage {
  kind: 'dropped';
  count: number;
}

/** Messages that describe something that happened (kept in per-actor history). */
export type HistoryEntry = StateMessage | EventMessage;

/** Everything a client can receive. */
export type InspectMessage =
  | DefinitionMessage
  | SnapshotMessage
  | NodeAttachedMessage
  | NodeDetachedMessage
  | ActorStartedMessage
  | ActorStoppedMessage
  | StateMessage
  | EventMessage
  | SupervisionMessage
  | ActionMessage
  | DroppedMessage;

/** A batch: the unit of delivery (one WebSocket frame, a JSON array). */
export type InspectBatch = InspectMessage[];
