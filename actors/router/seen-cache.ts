/**
 * The router's memory of requests it has taken in: which (sender, envelope id) pairs it executed,
 * and the reply it sent, so a retry is answered from here and never executed twice.
 *
 * It is bounded two ways, and both keep replay rejection sound:
 * - by age: an entry is kept until any copy of its envelope would be refused as stale anyway
 *   (received + window + future skew);
 * - by count: evicting an entry early raises `floor` to that entry's `ts`, and the router refuses
 *   every envelope with `ts <= floor`. So a forgotten request can never run again; under a flood
 *   the acceptance window just narrows.
 */

/** One remembered request. */
export interface SeenEntry {
  type: string;
  /** The sender's timestamp, for the floor. */
  ts: number;
  /** When we received it, on our clock. */
  receivedAt: number;
  /** The encoded reply (its pieces), once the handler finished and if it was kept. */
  reply: readonly Uint8Array[] | undefined;
  /**
   * The handler finished but its reply was too large to keep (a read-only request only): a retry
   * runs the handler again.
   */
  rerun?: boolean;
}

/** A bounded map of (sender, id) → {@link SeenEntry}. */
export class SeenCache {
  private readonly entries = new Map<string, SeenEntry>();
  private floorTs = -1;

  constructor(
    private readonly capacity: number,
    /** How long an entry must be kept: the replay window plus the allowed future skew. */
    private readonly retentionMs: number
  ) {
    if (!(capacity >= 1)) throw new RangeError('seen cache capacity must be ≥ 1');
  }

  /** Envelopes with `ts <= floor` are refused: their entries may have been evicted. */
  get floor(): number {
    return this.floorTs;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The key of a request. */
  static key(from: string, id: string): string {
    return `${from}\u0000${id}`;
  }

  get(key: string): SeenEntry | undefined {
    return this.entries.get(key);
  }

  /** Remembers a new request (the caller checked it is not there). */
  add(key: string, entry: SeenEntry, now: number): void {
    this.prune(now);
    while (this.entries.size >= this.capacity) {
      const [oldest, evicted] = this.entries.entries().next().value as [string, SeenEntry];
      this.entries.delete(oldest);
      this.floorTs = Math.max(this.floorTs, evicted.ts);
    }
    this.entries.set(key, entry);
  }

  /** Drops entries whose envelopes would now be refused as stale anyway (insertion = age order). */
  prune(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.receivedAt + this.retentionMs >= now) return;
      this.entries.delete(key);
    }
  }
}
