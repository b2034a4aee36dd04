/**
 * The teaching clock's pending timers: a binary min-heap ordered by (due, id), so timers due at the
 * same instant fire in the order they were set, as with a real event loop. Cancelling is lazy (the
 * entry is marked and skipped), which keeps clearTimeout O(1) for XState's frequent cancels.
 */

/** One pending timer. */
export interface Timer {
  id: number;
  due: number;
  fn: (...args: unknown[]) => void;
}

const before = (a: Timer, b: Timer) => a.due < b.due || (a.due === b.due && a.id < b.id);

/** A min-heap of timers with lazy cancellation. */
export class TimerHeap {
  readonly #items: Timer[] = [];
  readonly #live = new Set<number>();

  /** Live (not cancelled) timers. */
  get size(): number {
    return this.#live.size;
  }

  push(timer: Timer): void {
    this.#live.add(timer.id);
    const items = this.#items;
    items.push(timer);
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  /** Marks a timer cancelled; true when it was pending. */
  cancel(id: number): boolean {
    const was = this.#live.delete(id);
    // Cancelled entries deep in the heap would pile up (keep-alives are set and cleared all the
    // time): rebuild once they outnumber the live ones.
    if (was && this.#items.length > 64 && this.#items.length > 2 * this.#live.size) this.#compact();
    return was;
  }

  /** The earliest live timer, without removing it. */
  peek(): Timer | undefined {
    this.#dropCancelled();
    return this.#items[0];
  }

  /** Removes and returns the earliest live timer. */
  pop(): Timer | undefined {
    this.#dropCancelled();
    const top = this.#removeTop();
    if (top) this.#live.delete(top.id);
    return top;
  }

  #compact(): void {
    const live = this.#items
      .filter((t) => this.#live.has(t.id))
      .sort((a, b) => (before(a, b) ? -1 : 1));
    // A sorted array is a valid heap.
    this.#items.splice(0, this.#items.length, ...live);
  }

  #dropCancelled(): void {
    while (this.#items.length > 0 && !this.#live.has(this.#items[0]!.id)) this.#removeTop();
  }

  #removeTop(): Timer | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < items.length && before(items[l]!, items[m]!)) m = l;
      if (r < items.length && before(items[r]!, items[m]!)) m = r;
      if (m === i) break;
      [items[i], items[m]] = [items[m]!, items[i]!];
      i = m;
    }
    return top;
  }
}
