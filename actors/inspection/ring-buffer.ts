/**
 * A fixed-capacity buffer that keeps the last N items: the bounded per-actor history behind
 * time travel. Pushing past capacity overwrites the oldest item, so memory stays flat however long
 * an actor lives.
 */
export class RingBuffer<T> {
  readonly #items: T[] = [];
  #next = 0;
  #total = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`ring buffer capacity must be a positive integer, got ${capacity}`);
    }
  }

  push(item: T): void {
    if (this.#items.length < this.capacity) this.#items.push(item);
    else this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    this.#total++;
  }

  /** Items held now (at most `capacity`). */
  get size(): number {
    return this.#items.length;
  }

  /** Items ever pushed, including those overwritten. */
  get total(): number {
    return this.#total;
  }

  /** Oldest first. */
  toArray(): T[] {
    if (this.#items.length < this.capacity) return [...this.#items];
    return [...this.#items.slice(this.#next), ...this.#items.slice(0, this.#next)];
  }
}
