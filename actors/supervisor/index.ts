/** The supervisor as the rest of BitDust uses it. */
export { childSpec, supervisorLogic, supervisorSpec } from './child-spec.js';
export type { ChildOptions } from './child-spec.js';
export { indexScheduler } from './indexed-scheduler.js';
export { startChild, startSupervisor, stopSupervisor, terminateChild } from './start-supervisor.js';
export type { StartSupervisorOptions, SupervisorActor } from './start-supervisor.js';
export type * from '../../machines/supervisor/types.js';
