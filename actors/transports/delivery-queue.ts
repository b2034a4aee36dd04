/**
 * A deterministic timer queue on an injected Clock: items fire in (time, insertion) order, with one
 * clock timer armed for the earliest. XState's SimulatedClock orders equal deadlines arbitrarily,
 * and a simulation that replays from a seed cannot afford that, so ordering is decided here.
 */
import type { Clock } from '../clock.js';

interface Entry<T> {
  at: number;
  seq: number;
  item: T;
}

/** A min-heap of timed items that calls `fire` for each when its time comes. */
export class DeliveryQueue<T> {
  private readonly heap: Array<Entry<T>> = [];
  private seq = 0;
  private timer: unknown = undefined;
  private armedAt = Infinity;
  private firing = false;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (item: T) => void
  ) {}

  /** Items waiting. */
  get size(): number {
    return this.heap.length;
  }

  /** Schedules `item` at absolute time `at` (clamped to now). */
  push(at: number, item: T): void {
    const entry = { at: Math.max(at, this.clock.now()), seq: this.seq++, item };
    this.heap.push(entry);
    this.up(this.heap.length - 1);
    if (!this.firing) this.arm();
  }

  /** Drops every pending item and the armed timer. */
  clear(): void {
    this.heap.length = 0;
    this.disarm();
  }

  private run = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    this.firing = true;
    try {
      // Items scheduled while firing (a handler replying with zero delay) run in this same pass.
      while (this.heap.length > 0 && (this.heap[0] as Entry<T>).at <= this.clock.now()) {
        this.fire(this.pop().item);
      }
    } finally {
      this.firing = false;
      this.arm();
    }
  };

  private arm(): void {
    const next = this.heap[0];
    if (!next || next.at >= this.armedAt) return;
    this.disarm();
    this.armedAt = next.at;
    this.timer = this.clock.setTimeout(this.run, Math.max(0, next.at - this.clock.now()));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Infinity;
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a] as Entry<T>;
    const y = this.heap[b] as Entry<T>;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    [this.heap[a], this.heap[b]] = [this.heap[b] as Entry<T>, this.heap[a] as Entry<T>];
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private pop(): Entry<T> {
    const top = this.heap[0] as Entry<T>;
    const last = this.heap.pop() as Entry<T>;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.heap.length && this.less(l, m)) m = l;
        if (r < this.heap.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}
