/**
 * A per-address connection-rate limit: one token bucket per remote IP, refilled on the injected
 * Clock. A flood of connections (or handshakes, which each need one) from one address is refused
 * before any byte is read. The table is bounded: when full, idle (full) buckets are dropped first,
 * then the oldest, so an attacker spraying addresses cannot grow memory.
 */
import type { Clock } from '../clock.js';

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets keyed by remote address. */
export class ConnectionRateLimit {
  readonly #clock: Clock;
  readonly #burst: number;
  readonly #perMs: number;
  readonly #maxEntries: number;
  readonly #buckets = new Map<string, Bucket>();

  /** Allows `burst` connections per address, refilled evenly over `windowMs`. */
  constructor(clock: Clock, burst: number, windowMs: number, maxEntries = 4096) {
    if (!(burst >= 1) || !(windowMs > 0)) throw new RangeError('burst ≥ 1 and windowMs > 0');
    this.#clock = clock;
    this.#burst = burst;
    this.#perMs = burst / windowMs;
    this.#maxEntries = maxEntries;
  }

  /** Takes one token for `address`; false when its bucket is empty (refuse the connection). */
  take(address: string): boolean {
    const now = this.#clock.now();
    let b = this.#buckets.get(address);
    if (b) {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) * this.#perMs);
      b.at = now;
      this.#buckets.delete(address); // re-inserted below: Map order is then least recent first
    } else {
      this.#evict(now);
      b = { tokens: this.#burst, at: now };
    }
    this.#buckets.set(address, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  #evict(now: number): void {
    if (this.#buckets.size < this.#maxEntries) return;
    for (const [key, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#perMs >= this.#burst) this.#buckets.delete(key);
    }
    if (this.#buckets.size >= this.#maxEntries) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
  }
}
