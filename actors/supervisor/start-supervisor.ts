/**
 * The promise-based face of the supervisor: start a root supervisor with an error observer (so no
 * error thrown in any actor below it ever reaches the process), stop it gracefully in reverse
 * order, and add or remove dynamic children.
 */
import { createActor } from 'xstate';
import type { Actor, AnyActorRef, InspectionEvent, Observer } from 'xstate';
import { realClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { BitDustError } from '../errors.js';
import { supervisorLogic } from './child-spec.js';
import { indexScheduler } from './indexed-scheduler.js';
import type { ChildSpec, SupervisorInput } from '../../machines/supervisor/types.js';

export type SupervisorActor = Actor<typeof supervisorLogic>;

export interface StartSupervisorOptions extends SupervisorInput {
  /** Actor id (default `root`); also the report name unless `name` is given. */
  id?: string;
  systemId?: string;
  /** XState's clock: a TestClock in tests and simulations. Default: wall clock. */
  clock?: Clock;
  /** Passed to createActor: the inspection bridge subscribes here (or via system.inspect). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /**
   * Called when the root supervisor fails (an escalation from below). Without this observer XState
   * would rethrow the error in a new macrotask and the process would die. Default: stderr.
   */
  onError?: (err: unknown) => void;
}

function logToStderr(err: unknown): void {
  console.error('bitdust: root supervisor failed:', err);
}

/**
 * Create and start a root supervisor.
 *
 * @example
 *   const root = startSupervisor({ id: 'node', strategy: 'one_for_one', children: [spec] });
 *   await stopSupervisor(root);
 */
export function startSupervisor(options: StartSupervisorOptions = {}): SupervisorActor {
  const { id = 'root', systemId, clock = realClock, inspect, onError, ...input } = options;
  const actor = createActor(supervisorLogic, {
    id,
    clock,
    input: { name: id, ...input },
    ...(systemId !== undefined ? { systemId } : {}),
    ...(inspect !== undefined ? { inspect } : {})
  });
  indexScheduler(actor.system);
  // Subscribed before start, so even a supervisor failing at start is caught. Anyone else who
  // subscribes to the root must pass an error callback too: XState rethrows when one is missing.
  actor.subscribe({ error: onError ?? logToStderr });
  return actor.start();
}

/**
 * Graceful stop: children in reverse start order, each within its shutdown timeout. Resolves when
 * the supervisor has stopped; after `timeoutMs` (on the actor's clock) a root is stopped at once.
 */
export function stopSupervisor(ref: AnyActorRef, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve) => {
    if (ref.getSnapshot().status !== 'active') return resolve();
    const clock = (ref as Partial<Actor<typeof supervisorLogic>>).clock ?? realClock;
    const finish = () => {
      clock.clearTimeout(timer);
      sub.unsubscribe();
      resolve();
    };
    const sub = ref.subscribe({ complete: finish, error: finish });
    const timer = clock.setTimeout(() => {
      if (!(ref as { _parent?: unknown })._parent) (ref as SupervisorActor).stop();
      finish();
    }, timeoutMs);
    ref.send({ type: 'supervisor.shutdown' });
  });
}

/** Start a dynamic child; resolves with its actor ref, rejects with ERR_SUPERVISOR_START_CHILD. */
export function startChild(ref: SupervisorActor, spec: ChildSpec): Promise<AnyActorRef> {
  return new Promise((resolve, reject) => {
    const subs = [
      ref.on('supervisor.child_started', (e) => {
        if (e.id !== spec.id) return;
        subs.forEach((s) => s.unsubscribe());
        resolve((ref.getSnapshot().children as Record<string, AnyActorRef>)[spec.id]!);
      }),
      ref.on('supervisor.child_rejected', (e) => {
        if (e.id !== String(spec.id)) return;
        subs.forEach((s) => s.unsubscribe());
        reject(new BitDustError('ERR_SUPERVISOR_START_CHILD', `${e.id}: ${e.reason}`));
      })
    ];
    ref.send({ type: 'supervisor.start_child', spec });
    if (ref.getSnapshot().status !== 'active') {
      subs.forEach((s) => s.unsubscribe());
      reject(new BitDustError('ERR_SUPERVISOR_NOT_RUNNING', `${ref.id} is not running`));
    }
  });
}

/** Stop a dynamic child at once and forget its spec. */
export function terminateChild(ref: AnyActorRef, id: string): void {
  ref.send({ type: 'supervisor.terminate_child', id });
}
