/**
 * The one place time enters the system. Machines never read the clock: XState's own clock drives
 * their `after` delays, and actors that need "now" receive a {@link Clock}.
 */
import { SimulatedClock } from 'xstate';

/** XState's clock plus `now()`, so timestamps and delays share one time source. */
export interface Clock {
  now(): number;
  setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** Wall-clock time for production nodes. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>)
};

/** A clock that only moves when told to: tests and simulations advance it with `increment`. */
export class TestClock extends SimulatedClock implements Clock {
  constructor(start = 0) {
    super();
    this.set(start);
  }
}

/** True when the clock is simulated (a teaching-mode devnet can step it). */
export function isSimulated(clock: Clock): clock is TestClock {
  return clock instanceof SimulatedClock;
}
