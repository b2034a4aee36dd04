/**
 * The bookkeeping of a lookup, kept out of the machine so it can be tested on its own: which
 * candidates to ask next, and how answers' records merge.
 */
import type { DhtContact, DhtRecord } from './messages.js';

/** A contact a lookup knows of, with its distance to the target and what became of it. */
export interface Candidate {
  contact: DhtContact;
  distance: Uint8Array;
  /** The hop number a query to it would have. */
  depth: number;
  state: 'new' | 'asking' | 'ok' | 'failed';
}

/**
 * Up to `room` candidates to ask now: those not yet asked among the `k` closest that have not
 * failed (candidates are sorted closest first). Empty when the k closest have all answered.
 */
export function pickNext(
  context: { candidates: readonly Candidate[]; k: number },
  room: number
): Candidate[] {
  const out: Candidate[] = [];
  let live = 0;
  for (const c of context.candidates) {
    if (out.length >= room || live >= context.k) break;
    if (c.state === 'failed') continue;
    live++;
    if (c.state === 'new') out.push(c);
  }
  return out;
}

/** Adds `fresh` records to `have`: one per (layer, name, publisher), the highest revision wins. */
export function mergeRecords(have: readonly DhtRecord[], fresh: readonly DhtRecord[]): DhtRecord[] {
  if (fresh.length === 0) return have as DhtRecord[];
  const byKey = new Map<string, DhtRecord>();
  const key = (r: DhtRecord) => `${r.layer}\u0000${r.name}\u0000${r.publisher}`;
  for (const r of [...have, ...fresh]) {
    const old = byKey.get(key(r));
    if (!old || r.seq > old.seq || (r.seq === old.seq && r.expiresAt > old.expiresAt)) {
      byKey.set(key(r), r);
    }
  }
  return [...byKey.values()];
}
