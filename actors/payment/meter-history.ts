/**
 * The customer's meter history on disk (namespace `pending`, keys `h/<supplier>/<at, 15 digits>`),
 * so a restart keeps what each supplier held for us and invoices for past periods still verify
 * exactly (machines/payment/history.ts). Samples are saved on every upkeep tick, not durably: no
 * one was told of them, and a crash loses at most one tick of changes (the next bill covering them
 * is then checked against the restart bounds instead). Samples older than the horizon are removed
 * with the series' pruning, and a series that has held nothing since before the horizon goes.
 */
import type { KvOp, KvStore } from '../store/index.js';
import { prune, type Sample, type Series } from '../../machines/payment/history.js';
import type { Usage } from '../../machines/payment/meter.js';

interface SampleRow {
  at: number;
  bytes: number;
  byteMs: string;
  moved: string;
  origin?: true;
}

const key = (supplier: string, at: number) => `h/${supplier}/${String(at).padStart(15, '0')}`;

/** The history store of one customer; every method is a no-op without a store. */
export function historyStore(kv: KvStore | undefined) {
  /** Per supplier, the time of the newest sample already written, and of the first one. */
  const saved = new Map<string, number>();
  const firsts = new Map<string, number>();
  /** Per supplier, the newest sample as last written (samples are never changed in place). */
  const lasts = new Map<string, Sample>();

  return {
    /** Prunes every series to `keepFrom` and writes what changed since the last save. */
    async save(history: Map<string, Series>, keepFrom: number): Promise<void> {
      const ops: KvOp[] = [];
      for (const [supplier, all] of history) {
        const kept = prune(all, keepFrom);
        if (kept !== all) history.set(supplier, kept);
        const first = kept[0];
        if (!first) continue;
        if (kept.length === 1 && first.bytes === 0 && first.at < keepFrom) {
          // Nothing held there since before the horizon (a fired supplier): the series goes.
          if (kv) {
            for (const r of await kv.range({ prefix: `h/${supplier}/` }))
              ops.push({ type: 'remove', key: r.key });
          }
          history.delete(supplier);
          for (const m of [saved, firsts, lasts]) m.delete(supplier);
          continue;
        }
        if (firsts.get(supplier) !== first.at) {
          // Pruned since the last save: rows before the first kept sample go, and the first is
          // rewritten (without its origin, now that older samples are gone).
          if (kv) {
            const older = await kv.range({
              prefix: `h/${supplier}/`,
              end: key(supplier, first.at)
            });
            for (const r of older) ops.push({ type: 'remove', key: r.key });
          }
          firsts.set(supplier, first.at);
          saved.set(supplier, Math.min(saved.get(supplier) ?? -1, first.at - 1));
        }
        const after = saved.get(supplier) ?? -1;
        const last = kept[kept.length - 1]!;
        for (const p of kept) {
          // A change in the newest sample's bucket replaces it (same time or later): write it
          // again unless it is the very sample written last time.
          if (p.at > after || (p === last && lasts.get(supplier) !== last)) {
            ops.push({ type: 'put', key: key(supplier, p.at), value: rowOf(p) });
          }
        }
        saved.set(supplier, last.at);
        lasts.set(supplier, last);
      }
      if (kv && ops.length > 0) await kv.batch(ops);
    },

    /** Reads every series back, oldest sample first. */
    async load(): Promise<Map<string, Series>> {
      const out = new Map<string, Sample[]>();
      if (!kv) return out;
      for (const { key: k, value } of await kv.range<SampleRow>({ prefix: 'h/' })) {
        const supplier = k.slice(2, k.lastIndexOf('/'));
        let list = out.get(supplier);
        if (!list) out.set(supplier, (list = []));
        list.push({
          at: value.at,
          bytes: value.bytes,
          byteMs: BigInt(value.byteMs),
          moved: BigInt(value.moved),
          ...(value.origin && list.length === 0 ? { origin: true as const } : {})
        });
      }
      for (const [supplier, list] of out) {
        saved.set(supplier, list[list.length - 1]!.at);
        firsts.set(supplier, list[0]!.at);
        lasts.set(supplier, list[list.length - 1]!);
      }
      return out;
    }
  };
}

const rowOf = (p: Sample): SampleRow => ({
  at: p.at,
  bytes: p.bytes,
  byteMs: p.byteMs.toString(),
  moved: p.moved.toString(),
  ...(p.origin ? { origin: true as const } : {})
});

/**
 * The customer-side meter entry a restored series stands for: the holding of its last sample,
 * integrated on from there (what the supplier held for us stayed held while we were down).
 */
export function usageOf(s: Series): Usage | undefined {
  const last = s[s.length - 1];
  if (!last) return undefined;
  return { bytes: last.bytes, since: last.at, byteMs: last.byteMs, transferBytes: 0n };
}
