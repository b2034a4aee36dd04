/**
 * The supervisor's vocabulary: child specs (what to run and how to restart it), the JSON-friendly
 * context the inspector draws, the OTP-shaped report and the events the machine accepts.
 */
import type { AnyActorLogic, DoneActorEvent, ErrorActorEvent, InputFrom } from 'xstate';

/** Which siblings are restarted with a child that must be restarted (OTP). */
export type Strategy = 'one_for_one' | 'one_for_all' | 'rest_for_one';

/** permanent: always restarted; transient: only after an abnormal exit; temporary: never. */
export type RestartType = 'permanent' | 'transient' | 'temporary';

/** Milliseconds to wait for a graceful exit, `brutal_kill` (stop at once) or `infinity`. */
export type Shutdown = number | 'brutal_kill' | 'infinity';

/** What a child runs. `logic` is any XState actor logic; it is kept out of the context. */
export interface ChildSpec<TLogic extends AnyActorLogic = AnyActorLogic> {
  id: string;
  logic: TLogic;
  input?: InputFrom<TLogic>;
  /** Default `permanent`. */
  restart?: RestartType;
  /** Default 5000 ms (OTP's default for workers); use `infinity` for sub-supervisors. */
  shutdown?: Shutdown;
  /** Registers the child in the actor system (`system.get(systemId)`). */
  systemId?: string;
}

/** Exponential restart backoff: `initialMs · 2^(n-1)` capped at `maxMs`, n = recent restarts. */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** How the supervisor is started (the actor's `input`). */
export interface SupervisorInput {
  /** Shown in reports; defaults to the actor id. */
  name?: string;
  strategy?: Strategy;
  /** More than `intensity` restarts within `periodMs` → stop all children and escalate. */
  intensity?: number;
  periodMs?: number;
  /** Default `{ initialMs: 0, maxMs: 0 }`: restart at once, as OTP does. */
  backoff?: Backoff;
  /** Started in this order, stopped in the reverse order. */
  children?: ChildSpec[];
}

export type ChildStatus = 'running' | 'restarting' | 'stopped';

/** Why a child ended. `killed`: it did not finish within its shutdown timeout. */
export interface ExitReason {
  kind: 'normal' | 'shutdown' | 'abnormal' | 'killed';
  message?: string;
  code?: string;
}

/** One child as the inspector shows it (no logic, no input: both stay in the spec table). */
export interface ChildRecord {
  id: string;
  systemId?: string;
  restart: RestartType;
  shutdown: Shutdown;
  status: ChildStatus;
  /** Restarts since the supervisor started. */
  restarts: number;
  /** Restarts inside the current intensity window (drives the backoff). */
  recent: number;
  /** Sequence number of the pending delayed restart, if any. */
  due: number | null;
  lastExit: ExitReason | null;
}

/** OTP's supervisor report: always the same four fields. */
export interface SupervisorReport {
  supervisor: string;
  errorContext: 'child_terminated' | 'start_error' | 'shutdown_error' | 'shutdown';
  reason: ExitReason | 'reached_max_restart_intensity';
  offender: { id: string; restart: RestartType; shutdown: Shutdown } | null;
}

export interface SupervisorContext {
  name: string;
  strategy: Strategy;
  intensity: number;
  periodMs: number;
  backoff: Backoff;
  children: ChildRecord[];
  /** Restarts inside the sliding window of `periodMs`. */
  recentRestarts: number;
  /** Counter for restart decisions: ids of delayed events and of pending restarts. */
  seq: number;
  /** The child being stopped gracefully during shutdown. */
  stopping: { id: string; timeoutMs: number } | null;
  lastReport: SupervisorReport | null;
}

export type SupervisorEvent =
  | { type: 'supervisor.start_child'; spec: ChildSpec }
  | { type: 'supervisor.terminate_child'; id: string }
  | { type: 'supervisor.shutdown' }
  | { type: 'shutdown' }
  | { type: 'supervisor.restart_due'; seq: number }
  | { type: 'supervisor.forget_restart'; ids: string[] }
  | { type: 'supervisor.intensity_exceeded' }
  | { type: 'supervisor.escalate' }
  | DoneActorEvent
  | ErrorActorEvent;

/** Emitted to `actor.on(...)` listeners: the promise API and loggers use these. */
export type SupervisorEmitted =
  | { type: 'supervisor.report'; report: SupervisorReport }
  | { type: 'supervisor.child_started'; id: string }
  | { type: 'supervisor.child_rejected'; id: string; reason: string };

/** Output when the supervisor stops gracefully, read by a parent as a `shutdown` exit. */
export interface SupervisorOutput {
  reason: 'shutdown';
}
