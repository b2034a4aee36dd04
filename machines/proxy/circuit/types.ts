/**
 * Types of the circuit machine, kept apart so the machine file reads as a statechart.
 */

/** How to build one circuit. Durations are in ms of the actor's clock. */
export interface CircuitInput {
  /** Transport addresses of the routers, first hop first. */
  path: string[];
  /** Ask the last hop to act as our proxy router (gives the circuit a public address). */
  register?: boolean;
  /** Longest wait for one create, extend or register answer. Default 5 s. */
  buildTimeoutMs?: number;
  /** Quiet time before the far end is probed. Default 10 s (the original pinged every 10 s). */
  pingIntervalMs?: number;
  /** Longest wait for a pong. Default 3 s. */
  probeTimeoutMs?: number;
  /** Pongs missed in a row before the circuit is declared dead. Default 2. */
  maxMissed?: number;
  /** Longest wait for the first hop to acknowledge a tear-down. Default 1 s. */
  closeTimeoutMs?: number;
}

/** Why a circuit ended: a stable code, a plain reason and the routers it blames. */
export interface CircuitFailure {
  code: string;
  reason: string;
  suspects: string[];
}

/** Context: the path, how far it is built, the keep-alive counters and the outcome. */
export interface CircuitContext {
  path: string[];
  register: boolean;
  buildTimeoutMs: number;
  pingIntervalMs: number;
  probeTimeoutMs: number;
  maxMissed: number;
  closeTimeoutMs: number;
  /** Hops with an established session. */
  built: number;
  /** Sequence number of the latest ping. */
  seq: number;
  missed: number;
  /** The public proxy address, once registered. */
  address: string | null;
  failure: CircuitFailure | null;
}

/** Events the circuit client feeds the machine. */
export type CircuitEvent =
  | { type: 'hop.ready' }
  | { type: 'hop.refused'; reason: string }
  | { type: 'circuit.registered'; address: string }
  | { type: 'circuit.pong'; seq: number }
  | { type: 'circuit.auth-failed' }
  | { type: 'circuit.destroyed'; reason: string; depth: number }
  | { type: 'link.down'; reason: string }
  | { type: 'circuit.close' };

/** Final output: closed on request, or failed with its cause. */
export interface CircuitOutput {
  status: 'closed' | 'failed';
  code: string | null;
  reason: string;
  suspects: string[];
}
