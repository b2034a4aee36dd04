/**
 * Types of the receiver machine.
 */

/** How the receiver runs: path length and retry pacing (ms of the actor's clock). */
export interface ReceiverInput {
  /** Routers per circuit: 1 for NAT only, 3 in privacy mode. */
  hops: number;
  /** First delay before retrying after a failure; doubles per failure. Default 500 ms. */
  retryDelayMs?: number;
  /** Longest retry delay. Default 30 s. */
  maxRetryDelayMs?: number;
  /**
   * Build a spare circuit through other routers once the first is up, and switch to it at once
   * when the first fails (no build to wait for). Default false.
   */
  spare?: boolean;
}

/** Context: the current path and address, and the counters shown in the API and inspector. */
export interface ReceiverContext {
  hops: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  path: string[];
  /** Whether a spare circuit is built (input `spare`). */
  spare: boolean;
  /** The spare circuit's routers (disjoint from `path`); empty when none is built. */
  sparePath: string[];
  /** Failures handled by switching to the spare circuit, without a build. */
  switches: number;
  /** The published proxy address while `attached.listening`, else null. */
  address: string | null;
  /** Router address → failures it was blamed for; the router chooser avoids high counts. */
  suspects: Record<string, number>;
  /** Failure code → count (ERR_PROXY_CIRCUIT_AUTH, _TIMEOUT, _LOST, …). */
  failures: Record<string, number>;
  /** Circuits rebuilt after a failure, and circuits that came up. */
  rebuilds: number;
  circuits: number;
  /** Failures since the last circuit came up (drives the backoff). */
  attempt: number;
  /** The latest failure in plain words (kept after recovery, for the API); null if none yet. */
  lastReason: string | null;
}

/** Events: commands from the node, reports from the invoked circuit actor. */
export type ReceiverEvent =
  | { type: 'receiver.start' }
  | { type: 'receiver.stop' }
  | { type: 'circuit.ready'; address: string }
  | { type: 'circuit.failed'; code: string; reason: string; suspects: string[] }
  /** The circuit failed (code, reason, suspects as `circuit.failed`); the spare now serves. */
  | {
      type: 'circuit.switched';
      address: string;
      code: string;
      reason: string;
      suspects: string[];
    };
