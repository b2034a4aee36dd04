/**
 * A clock a teacher can hold: it runs in real time, scaled (slower or faster), or paused and
 * stepped. It implements the {@link Clock} every actor of a devnet receives, so XState's `after`
 * delays, the memory network's delivery delays and the peers' keep-alives all stop together when
 * it is paused, and move exactly as far as a step says.
 *
 * Virtual time is `base + (real elapsed) × scale` while running, frozen while paused. Timers live
 * in a binary heap ordered by (due, creation order); one host timer is armed for the earliest.
 */
import type { Clock } from '../clock.js';
import { TimerHeap, type Timer } from './timer-heap.js';

/** What the clock is doing, as the teaching API reports it. */
export interface TeachingClockState {
  mode: 'running' | 'paused';
  /** Virtual ms per real ms while running (1 = real time). */
  scale: number;
  /** Virtual now, ms since the epoch. */
  now: number;
  /** Timers waiting to fire. */
  pending: number;
  /** Due time of the earliest pending timer, if any. */
  next?: number;
}

/** Options of {@link TeachingClock}. */
export interface TeachingClockOptions {
  /** Virtual time at start (default: Date.now()). */
  start?: number;
  scale?: number;
  paused?: boolean;
  /** Where an exception thrown by a timer callback goes (default: console.error). */
  onError?: (err: unknown) => void;
  /** The host's clock; tests pass a TestClock so that nothing depends on real time. */
  host?: Clock & { now(): number };
}

/** Timers fired in one go before yielding to the event loop, so a runaway chain cannot hang. */
const MAX_FIRES_PER_TURN = 10_000;
/** Scales allowed: from 1/1000 of real time to 100 × real time. */
export const MIN_SCALE = 0.001;
export const MAX_SCALE = 100;

/** A pausable, scalable, steppable {@link Clock}. */
export class TeachingClock implements Clock {
  readonly #host: Clock;
  readonly #onError: (err: unknown) => void;
  readonly #heap = new TimerHeap();
  #base: number;
  #realBase: number;
  #scale: number;
  #paused: boolean;
  #armed: unknown = undefined;
  #nextId = 0;

  constructor(options: TeachingClockOptions = {}) {
    this.#host = options.host ?? {
      now: () => performance.now(),
      setTimeout: (fn, ms) => setTimeout(fn, ms),
      clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>)
    };
    this.#onError = options.onError ?? ((err) => console.error('teaching clock timer:', err));
    this.#base = options.start ?? Date.now();
    this.#realBase = this.#host.now();
    this.#scale = checkScale(options.scale ?? 1);
    this.#paused = options.paused ?? false;
  }

  now(): number {
    if (this.#paused) return this.#base;
    return this.#base + (this.#host.now() - this.#realBase) * this.#scale;
  }

  setTimeout(fn: (...args: unknown[]) => void, ms: number): unknown {
    const id = ++this.#nextId;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.#heap.push({ id, due: this.now() + delay, fn });
    this.#arm();
    return id;
  }

  clearTimeout(id: unknown): void {
    if (typeof id === 'number' && this.#heap.cancel(id)) this.#arm();
  }

  /** Freezes virtual time; pending timers wait. */
  pause(): void {
    if (this.#paused) return;
    this.#base = this.now();
    this.#paused = true;
    this.#arm();
  }

  /** Runs again from the current virtual time, optionally at a new scale. */
  resume(scale?: number): void {
    this.#rebase();
    if (scale !== undefined) this.#scale = checkScale(scale);
    this.#paused = false;
    this.#arm();
  }

  /** Changes the speed without pausing (virtual time stays continuous). */
  setScale(scale: number): void {
    this.#rebase();
    this.#scale = checkScale(scale);
    this.#arm();
  }

  /**
   * Pauses, then moves virtual time forward by `ms`, firing every timer that falls due on the way
   * in order (timers those callbacks set within the step fire too). Returns how many fired.
   */
  step(ms: number): number {
    this.pause();
    const target = this.#base + Math.max(0, ms);
    const fired = this.#fireUntil(target, MAX_FIRES_PER_TURN);
    this.#base = Math.max(this.#base, target);
    return fired;
  }

  /** Pauses, then jumps to the earliest pending timer and fires the timers due then. */
  stepToNext(): number {
    this.pause();
    const next = this.#heap.peek();
    return next ? this.step(Math.max(0, next.due - this.#base)) : 0;
  }

  state(): TeachingClockState {
    const next = this.#heap.peek();
    return {
      mode: this.#paused ? 'paused' : 'running',
      scale: this.#scale,
      now: this.now(),
      pending: this.#heap.size,
      ...(next ? { next: next.due } : {})
    };
  }

  /** Cancels the host timer (pending virtual timers stay). */
  dispose(): void {
    if (this.#armed !== undefined) this.#host.clearTimeout(this.#armed);
    this.#armed = undefined;
  }

  #rebase(): void {
    this.#base = this.now();
    this.#realBase = this.#host.now();
  }

  #fireUntil(target: number, max: number): number {
    let fired = 0;
    for (let t = this.#heap.peek(); t && t.due <= target && fired < max; t = this.#heap.peek()) {
      this.#heap.pop();
      // While paused, virtual time stands at each timer's due time when it fires.
      if (this.#paused) this.#base = Math.max(this.#base, t.due);
      fired++;
      this.#run(t);
    }
    return fired;
  }

  #run(timer: Timer): void {
    try {
      timer.fn();
    } catch (err) {
      this.#onError(err);
    }
  }

  #arm(): void {
    this.dispose();
    const next = this.#heap.peek();
    if (this.#paused || !next) return;
    const realMs = Math.max(0, (next.due - this.now()) / this.#scale);
    this.#armed = this.#host.setTimeout(() => {
      this.#armed = undefined;
      this.#fireUntil(this.now(), MAX_FIRES_PER_TURN);
      this.#arm();
    }, realMs);
  }
}

function checkScale(scale: number): number {
  if (!Number.isFinite(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
    throw new RangeError(`scale must be from ${MIN_SCALE} to ${MAX_SCALE}, got ${scale}`);
  }
  return scale;
}
