/**
 * The supervisor's own errors. machines/ may not import actors/errors.ts, so these carry the same
 * shape (a stable `code`, message `CODE: what`); actors/supervisor swaps the escalation for a
 * BitDustError through `provide()`.
 */

/** Thrown (by default) when the restart intensity is exceeded. */
export class SupervisorEscalation extends Error {
  readonly code = 'ERR_SUPERVISOR_INTENSITY';
  constructor(message: string) {
    super(`ERR_SUPERVISOR_INTENSITY: ${message}`);
    this.name = 'SupervisorEscalation';
  }
}

/** A static child spec is invalid (bad id, restart type, shutdown, or a duplicate id). */
export class SupervisorSpecError extends Error {
  readonly code = 'ERR_SUPERVISOR_BAD_SPEC';
  constructor(problem: string) {
    super(`ERR_SUPERVISOR_BAD_SPEC: ${problem}`);
    this.name = 'SupervisorSpecError';
  }
}
