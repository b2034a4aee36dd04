/**
 * Receives an XState system's inspection events, by the cheapest route the system allows.
 *
 * Why not just `system.inspect`: once any observer is registered, XState 5.33 copies every
 * inspection event (`{ ...event, rootId }`) and walks its observer set for every relayed event,
 * microstep, snapshot and action. On a cheap machine that alone halves the events per second
 * (bench/actors.ts), before the bridge does any work of its own.
 *
 * How: every call site in XState goes through the property `system._sendInspectionEvent`, so
 * replacing that property on the system object sees each event as XState built it: no copy, no
 * observer set, and a `type` switch in the handler can drop what it does not want before
 * allocating anything. The original is still called, so `system.inspect` observers registered by
 * anyone else keep working (it returns at once when there are none). This is an XState internal:
 * it is feature-detected here, pinned by intercept.test.ts, and when it is missing (or
 * `system.inspect` was wrapped by someone who expects to see our traffic) we fall back to
 * `system.inspect`.
 */
import type { ActorSystem, InspectionEvent, Subscription } from 'xstate';

/** How a watch receives events: by interception, or through the public observer API. */
export type WatchRoute = 'intercept' | 'observer';

/** The parts of an XState system a watch uses; `_sendInspectionEvent` is internal to XState. */
type SystemLike = Pick<ActorSystem<any>, 'inspect'> & {
  _sendInspectionEvent?: (event: InspectionEvent) => void;
};

/** An active watch: its route, and how to end it. */
export interface Watch extends Subscription {
  readonly route: WatchRoute;
}

/** True when `system` has the internal this module intercepts (XState 5.x as of 5.33). */
export function canIntercept(system: unknown): boolean {
  const s = system as SystemLike | null;
  if (typeof s !== 'object' || s === null || typeof s._sendInspectionEvent !== 'function') {
    return false;
  }
  // The property must be assignable, or the replacement would silently not take effect.
  const desc = Object.getOwnPropertyDescriptor(s, '_sendInspectionEvent');
  return desc !== undefined && (desc.writable === true || desc.set !== undefined);
}

/**
 * Calls `handler` with every inspection event of `system` until unsubscribed. The handler gets
 * XState's own event objects (without `rootId`): it must not keep or mutate them.
 * `preferObserver` forces the public `system.inspect` route.
 */
export function watchInspection(
  system: ActorSystem<any>,
  handler: (event: InspectionEvent) => void,
  preferObserver = false
): Watch {
  const s = system as SystemLike;
  if (preferObserver || !canIntercept(s)) {
    const sub = s.inspect(handler);
    return { route: 'observer', unsubscribe: () => sub.unsubscribe() };
  }
  const original = s._sendInspectionEvent!;
  let active = true;
  const wrapper = (event: InspectionEvent) => {
    if (active) handler(event);
    original(event);
  };
  s._sendInspectionEvent = wrapper;
  return {
    route: 'intercept',
    unsubscribe() {
      if (!active) return;
      active = false;
      // Restore only if nobody wrapped on top of us; otherwise this wrapper stays in their chain
      // as a plain pass-through (its `active` flag is off).
      if (s._sendInspectionEvent === wrapper) s._sendInspectionEvent = original;
    }
  };
}
