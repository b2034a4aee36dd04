/**
 * The routing table: 160 k-buckets by shared prefix length with our id, each ordered from least to
 * most recently seen (Kademlia's LRU order). No I/O and no clock: callers pass `now`, and a full
 * bucket is reported back (with its least recently seen contact) rather than resolved here, because
 * Kademlia's rule — ping the oldest, evict it only if it is gone — needs the network.
 */
import { bucketIndex, compareDistance, decodeId, distance, ID_BITS } from './ids.js';
import type { DhtContact } from './messages.js';

interface Entry {
  contact: DhtContact;
  bytes: Uint8Array;
  lastSeen: number;
}

/** What {@link RoutingTable.observe} did. */
export type ObserveResult =
  { status: 'added' | 'updated' | 'self' } | { status: 'full'; oldest: DhtContact };

/** Kademlia k-buckets around one node id. */
export class RoutingTable {
  private readonly self: Uint8Array;
  private readonly buckets: Entry[][] = Array.from({ length: ID_BITS }, () => []);
  private readonly touched: number[] = new Array<number>(ID_BITS).fill(0);
  private count = 0;

  constructor(
    readonly selfId: string,
    /** Bucket size. */
    readonly k: number
  ) {
    if (!(k >= 1)) throw new RangeError('k must be ≥ 1');
    this.self = decodeId(selfId);
  }

  /** Contacts in the table. */
  get size(): number {
    return this.count;
  }

  /** A contact was heard from: add or refresh it; a full bucket returns its oldest contact. */
  observe(contact: DhtContact, now: number): ObserveResult {
    const bytes = decodeId(contact.id);
    const index = bucketIndex(this.self, bytes);
    if (index >= ID_BITS) return { status: 'self' };
    const bucket = this.buckets[index] as Entry[];
    this.touched[index] = now;
    const at = bucket.findIndex((e) => e.contact.id === contact.id);
    if (at >= 0) {
      const [entry] = bucket.splice(at, 1) as [Entry];
      bucket.push({ ...entry, contact, lastSeen: now });
      return { status: 'updated' };
    }
    if (bucket.length >= this.k) return { status: 'full', oldest: (bucket[0] as Entry).contact };
    bucket.push({ contact, bytes, lastSeen: now });
    this.count++;
    return { status: 'added' };
  }

  /** Forgets a contact (it stopped answering). Returns whether it was there. */
  remove(id: string): boolean {
    const bucket = this.buckets[bucketIndex(this.self, decodeId(id))];
    const at = bucket?.findIndex((e) => e.contact.id === id) ?? -1;
    if (!bucket || at < 0) return false;
    bucket.splice(at, 1);
    this.count--;
    return true;
  }

  /** The contact with this id, if known. */
  get(id: string): DhtContact | undefined {
    const bucket = this.buckets[bucketIndex(this.self, decodeId(id))];
    return bucket?.find((e) => e.contact.id === id)?.contact;
  }

  /** Up to `n` contacts closest to `target`, closest first, without `exclude`. */
  closest(target: string | Uint8Array, n: number, exclude?: string): DhtContact[] {
    const t = typeof target === 'string' ? decodeId(target) : target;
    const all: Array<{ contact: DhtContact; d: Uint8Array }> = [];
    for (const bucket of this.buckets) {
      for (const e of bucket) {
        if (e.contact.id !== exclude) all.push({ contact: e.contact, d: distance(e.bytes, t) });
      }
    }
    all.sort((a, b) => compareDistance(a.d, b.d));
    return all.slice(0, n).map((x) => x.contact);
  }

  /** Every contact, bucket by bucket. */
  contacts(): DhtContact[] {
    return this.buckets.flatMap((b) => b.map((e) => e.contact));
  }

  /** Indices of non-empty buckets not touched since `before` (they need a refresh lookup). */
  staleBuckets(before: number): number[] {
    const out: number[] = [];
    this.buckets.forEach((b, i) => {
      if (b.length > 0 && (this.touched[i] as number) < before) out.push(i);
    });
    return out;
  }

  /** Marks bucket `index` refreshed (a lookup into it was started). */
  touch(index: number, now: number): void {
    if (index >= 0 && index < ID_BITS) this.touched[index] = now;
  }
}
