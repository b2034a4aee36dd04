/** The supervisor machine and its vocabulary; actors/supervisor adds the promise API. */
export { supervisorMachine, escalationMessage } from './machine.js';
export { SupervisorEscalation, SupervisorSpecError } from './errors.js';
export { backoffDelay, classifyDone, classifyError, planExit, shouldRestart } from './plan.js';
export { DEFAULT_SHUTDOWN_MS, INFINITY_MS, specTable } from './specs.js';
export type * from './types.js';
