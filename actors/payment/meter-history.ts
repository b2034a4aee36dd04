/**
 * The customer's meter history on disk (namespace `pending`, keys `h/<supplier>/<at, 15 digits>`),
 * so a restart keeps what each supplier held for us and invoices for past periods still verify
 * exactly (machines/payment/history.ts). Samples are saved on every upkeep tick, not durably: no
 * one was told of them, and a crash loses at most one tick of changes (the next bill covering them
 * is then checked against the restart bounds instead). Samples older than the horizon are removed
 * with the series' pruning.
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
  /** Per supplier, the time of the newest sample already written. */
  const saved = new Map<string, number>();

  return {
    /** Prunes every series to `keepFrom` and writes what is new since the last save. */
    async save(history: Map<string, Series>, keepFrom: number): Promise<void> {
      const ops: KvOp[] = [];
      for (const [supplier, s] of history) {
        const kept = prune(s, keepFrom);
        if (kept !== s) {
          history.set(supplier, kept);
          // Rows before the first kept sample go, and the first is rewritten without its origin.
          if (kv) {
            for (const r of await kv.range({
              prefix: `h/${supplier}/`,
              end: key(supplier, kept[0]!.at)
            })) {
              ops.push({ type: 'remove', key: r.key });
            }
          }
          saved.set(supplier, Math.min(saved.get(supplier) ?? -1, kept[0]!.at - 1));
        }
        const after = saved.get(supplier) ?? -1;
        for (const p of kept) {
          // The newest sample is rewritten each time: a change in its bucket may have replaced it.
          if (p.at > after || p === kept[kept.length - 1]) {
            ops.push({ type: 'put', key: key(supplier, p.at), value: rowOf(p) });
          }
        }
        if (kept.length > 0) saved.set(supplier, kept[kept.length - 1]!.at);
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
      for (const [supplier, list] of out) saved.set(supplier, list[list.length - 1]!.at);
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
