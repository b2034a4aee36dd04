/**
 * Makes stopping an actor O(its own timers) instead of O(every timer in the system).
 *
 * Why: XState 5.33's `scheduler.cancelAll(actor)`, called whenever any actor stops or finishes,
 * scans every scheduled event of the whole system. With 10,000 per-peer actors each holding an
 * `after` timer, each stop scans 10,000 entries: a graceful stop of all peers took ~15 s
 * (quadratic), and every peer, handshake or job ending in steady state paid the same scan.
 *
 * How: the system's scheduler object (public as `system.scheduler`) is patched in place, so XState's
 * own calls go through it: `schedule` records each event id under its source actor, `cancel` forgets
 * it, `cancelAll` cancels only that actor's ids. Ids of events that already fired are pruned lazily.
 * Events scheduled without an id get a counter id instead of XState's `Math.random()` one.
 */
import type { ActorSystem, AnyActorRef } from 'xstate';

type AnyActorSystem = ActorSystem<any>;

const PATCHED = Symbol('bitdust.indexedScheduler');
const PRUNE_AT = 32;

type Scheduler = AnyActorSystem['scheduler'] & { [PATCHED]?: true };

/** Patch `system.scheduler` once; later calls do nothing. */
export function indexScheduler(system: AnyActorSystem): void {
  const scheduler = system.scheduler as Scheduler;
  if (scheduler[PATCHED]) return;
  const schedule = scheduler.schedule.bind(scheduler);
  const cancel = scheduler.cancel.bind(scheduler);
  // The pending events, keyed `${sessionId}.${id}` by XState; read only to prune fired ids.
  const pending = (system as unknown as { _snapshot?: { _scheduledEvents?: object } })._snapshot;
  const bySource = new WeakMap<AnyActorRef, Set<string>>();
  let counter = 0;

  const prune = (source: AnyActorRef, ids: Set<string>) => {
    const live = pending?._scheduledEvents;
    if (!live) return;
    for (const id of ids) if (!(`${source.sessionId}.${id}` in live)) ids.delete(id);
  };

  scheduler.schedule = (source, target, event, delay, id) => {
    const key = id ?? `bd.${++counter}`;
    schedule(source, target, event, delay, key);
    let ids = bySource.get(source);
    if (!ids) bySource.set(source, (ids = new Set()));
    if (ids.size >= PRUNE_AT) prune(source, ids);
    ids.add(key);
  };
  scheduler.cancel = (source, id) => {
    cancel(source, id);
    bySource.get(source)?.delete(id);
  };
  scheduler.cancelAll = (source) => {
    const ids = bySource.get(source);
    if (!ids) return;
    bySource.delete(source);
    for (const id of ids) cancel(source, id);
  };
  scheduler[PATCHED] = true;
}
