/**
 * A sliding anti-replay window over explicit message numbers (the IPsec/WireGuard scheme, RFC 6479
 * without the block trick). Datagram transports (NATS, a reordering memory network) deliver out of
 * order, so a strict "next nonce only" rule would drop honest traffic; this accepts any number not
 * seen before that is newer than `highest - size`, and refuses everything else.
 */

/** Result of {@link ReplayWindow.check}. */
export type ReplayVerdict = 'ok' | 'duplicate' | 'too-old';

/** Tracks which of the last `size` message numbers were accepted. */
export class ReplayWindow {
  readonly #seen: Uint8Array;
  #highest = -1;

  /** @param size how far behind the newest accepted number a late message may still arrive. */
  constructor(readonly size = 1024) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('replay window size must be ≥ 1');
    this.#seen = new Uint8Array(size);
  }

  /** The newest accepted number, or -1 before the first. */
  get highest(): number {
    return this.#highest;
  }

  /**
   * Whether `n` may be accepted. Checking does not record it: the caller commits only after the
   * message authenticated, so forged numbers can neither slide the window nor poison slots.
   */
  check(n: number): ReplayVerdict {
    if (n > this.#highest) return 'ok';
    if (this.#highest - n >= this.size) return 'too-old';
    return this.#seen[n % this.size] ? 'duplicate' : 'ok';
  }

  /** Record `n` as accepted (call after {@link check} returned 'ok' and the message verified). */
  commit(n: number): void {
    if (n > this.#highest) {
      if (n - this.#highest >= this.size) this.#seen.fill(0);
      else for (let i = this.#highest + 1; i < n; i++) this.#seen[i % this.size] = 0;
      this.#highest = n;
    }
    this.#seen[n % this.size] = 1;
  }
}
