/**
 * The records a DHT node keeps for others: per key, one record per publisher, the newest revision.
 * Bounded in keys and in publishers per key; expired records are swept by the maintenance timer
 * and never served even before that. Records are checked (signature, expiry) before they get here.
 */
import type { DhtRecord } from '../../machines/dht/messages.js';
import { DhtError } from './errors.js';

/** Caps of a record store. */
export interface RecordStoreLimits {
  /** Distinct keys. Default 10,000. */
  maxKeys: number;
  /** Publishers under one key (e.g. suppliers announcing in one layer). Default 64. */
  maxPerKey: number;
}

/** What a put did. */
export type PutResult = 'stored' | 'replaced' | 'unchanged';

/** Records by key and publisher. */
export class RecordStore {
  private readonly keys = new Map<string, Map<string, DhtRecord>>();
  private readonly limits: RecordStoreLimits;
  private count = 0;

  constructor(limits: Partial<RecordStoreLimits> = {}) {
    this.limits = { maxKeys: 10_000, maxPerKey: 64, ...limits };
  }

  /** Records held. */
  get size(): number {
    return this.count;
  }

  /** Keeps `record` under `key`; throws ERR_DHT_RECORD_STALE or ERR_DHT_STORE_FULL. */
  put(key: string, record: DhtRecord): PutResult {
    let byPublisher = this.keys.get(key);
    if (!byPublisher) {
      if (this.keys.size >= this.limits.maxKeys)
        throw new DhtError('ERR_DHT_STORE_FULL', 'too many keys');
      byPublisher = new Map();
      this.keys.set(key, byPublisher);
    }
    const old = byPublisher.get(record.publisher);
    if (old) {
      const newer =
        record.seq > old.seq || (record.seq === old.seq && record.expiresAt > old.expiresAt);
      if (record.seq === old.seq && record.expiresAt === old.expiresAt) return 'unchanged';
      if (!newer) throw new DhtError('ERR_DHT_RECORD_STALE', `revision ${record.seq} ≤ ${old.seq}`);
      byPublisher.set(record.publisher, record);
      return 'replaced';
    }
    if (byPublisher.size >= this.limits.maxPerKey) {
      // Full: the record expiring first makes room, if it expires before the newcomer.
      let first: DhtRecord | undefined;
      for (const r of byPublisher.values()) if (!first || r.expiresAt < first.expiresAt) first = r;
      if (!first || first.expiresAt >= record.expiresAt) {
        throw new DhtError('ERR_DHT_STORE_FULL', 'too many publishers under this key');
      }
      byPublisher.delete(first.publisher);
      this.count--;
    }
    byPublisher.set(record.publisher, record);
    this.count++;
    return 'stored';
  }

  /** Unexpired records under `key`, latest expiry first, at most `limit`. */
  get(key: string, now: number, limit: number): DhtRecord[] {
    const byPublisher = this.keys.get(key);
    if (!byPublisher) return [];
    return [...byPublisher.values()]
      .filter((r) => r.expiresAt > now)
      .sort((a, b) => b.expiresAt - a.expiresAt)
      .slice(0, limit);
  }

  /** Drops expired records; returns how many. */
  sweep(now: number): number {
    let removed = 0;
    for (const [key, byPublisher] of this.keys) {
      for (const [publisher, r] of byPublisher) {
        if (r.expiresAt <= now) {
          byPublisher.delete(publisher);
          removed++;
        }
      }
      if (byPublisher.size === 0) this.keys.delete(key);
    }
    this.count -= removed;
    return removed;
  }
}
