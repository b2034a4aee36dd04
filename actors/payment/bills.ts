/**
 * The supplier's bills on disk, so a restart forgets nothing it is owed. Layout of the namespace
 * (`bills` in a node's store):
 *
 * - `i/<invoice id>`: `{ invoice, status, corrects?, correctedBy?, dispute? }`, one per invoice we
 *   issued; a disputed one keeps how the dispute was resolved, a re-issued one names the invoice it
 *   supersedes;
 * - `c/<customer>`: `{ charged, byteMs, transferBytes, overSince?, to? }`, what was billed so far
 *   (cumulative, decimal strings), since when the debt has been over the credit limit, and where
 *   the last period billed ended;
 * - `m/<customer>`: the supplier-side meter for that customer, saved on every upkeep tick.
 *
 * An invoice and its customer's totals are written in one durable batch before the invoice is
 * sent; a status change is durable before the accept or payment that caused it is acknowledged.
 * The meter snapshot is not acknowledged to anyone: a crash loses at most one tick of it.
 */
import type { KvOp, KvStore } from '../store/index.js';
import type { DebtState } from '../../machines/payment/fairness.js';
import type { Usage } from '../../machines/payment/meter.js';
import type { SignedInvoice } from '../../machines/payment/records.js';

export type BillStatus = 'sent' | 'accepted' | 'paid' | 'waived' | 'disputed' | 'superseded';

/** How a dispute of one of our invoices was resolved (machines/payment/dispute.ts). */
export interface DisputeRecord {
  code: string;
  /** The customer's figure for the period (byte-ms, decimal string). */
  claimedByteMs: string;
  /** `corrected`: re-issued at that figure; `dropped`: service ends for cause. */
  outcome: 'corrected' | 'dropped';
  reason: string;
  at: number;
}

/** One invoice we issued and where it stands. */
export interface Billed {
  invoice: SignedInvoice;
  status: BillStatus;
  /** The disputed invoice this one re-issues. */
  corrects?: string;
  /** The invoice that re-issued this one (status `superseded`). */
  correctedBy?: string;
  dispute?: DisputeRecord;
}

/** What was billed to one customer so far (cumulative). */
export interface Totals {
  charged: bigint;
  byteMs: bigint;
  transferBytes: bigint;
  /** End of the last period billed: the next bill's period starts there. */
  to?: number;
}

interface TotalsRow {
  charged: string;
  byteMs: string;
  transferBytes: string;
  overSince?: number;
  to?: number;
}

interface UsageRow {
  bytes: number;
  since: number;
  byteMs: string;
  transferBytes: string;
  start?: number;
}

/** Everything restored at start. */
export interface SavedBills {
  invoices: Map<string, Billed>;
  totals: Map<string, Totals>;
  overSince: Map<string, number>;
  meter: Map<string, Usage>;
}

const DURABLE = { durable: true } as const;

/** The store of one supplier's bills; every method is a no-op without a store (the simulation). */
export function billStore(kv: KvStore | undefined) {
  const totalsRow = (t: Totals, debt: DebtState | undefined): TotalsRow => ({
    charged: t.charged.toString(),
    byteMs: t.byteMs.toString(),
    transferBytes: t.transferBytes.toString(),
    ...(t.to !== undefined ? { to: t.to } : {}),
    ...(debt?.overSince !== undefined ? { overSince: debt.overSince } : {})
  });

  return {
    /** A new invoice with its customer's totals, durable before it is sent. */
    async issued(b: Billed, t: Totals, debt: DebtState | undefined): Promise<void> {
      if (!kv) return;
      const customer = b.invoice.invoice.customer;
      const ops: KvOp[] = [
        { type: 'put', key: `i/${b.invoice.invoice.id}`, value: b },
        { type: 'put', key: `c/${customer}`, value: totalsRow(t, debt) }
      ];
      await kv.batch(ops, DURABLE);
    },

    /** A status change and the customer's debt, durable before the cause is acknowledged. */
    async changed(b: Billed, t: Totals | undefined, debt: DebtState | undefined): Promise<void> {
      if (!kv) return;
      const ops: KvOp[] = [{ type: 'put', key: `i/${b.invoice.invoice.id}`, value: b }];
      if (t)
        ops.push({
          type: 'put',
          key: `c/${b.invoice.invoice.customer}`,
          value: totalsRow(t, debt)
        });
      await kv.batch(ops, DURABLE);
    },

    /**
     * A dispute resolved by re-issuing: the disputed invoice (now superseded) and its correction
     * in one durable batch, before the dispute is acknowledged.
     */
    async superseded(old: Billed, fresh: Billed): Promise<void> {
      if (!kv) return;
      await kv.batch(
        [old, fresh].map((b) => ({ type: 'put', key: `i/${b.invoice.invoice.id}`, value: b })),
        DURABLE
      );
    },

    /** The supplier-side meter, one row per customer. */
    async meter(rows: Array<[string, Usage]>): Promise<void> {
      if (!kv || rows.length === 0) return;
      const ops: KvOp[] = rows.map(([customer, u]) => ({
        type: 'put',
        key: `m/${customer}`,
        value: {
          bytes: u.bytes,
          since: u.since,
          byteMs: u.byteMs.toString(),
          transferBytes: u.transferBytes.toString(),
          ...(u.start !== undefined ? { start: u.start } : {})
        } satisfies UsageRow
      }));
      await kv.batch(ops);
    },

    /**
     * Reads everything back (empty without a store). Settled invoices (paid, waived, superseded) issued before
     * `pruneBefore` are deleted instead: a payment that old is refused by the date window anyway,
     * and without this the namespace would grow by one row per customer per period for ever.
     */
    async load(pruneBefore = -Infinity): Promise<SavedBills> {
      const out: SavedBills = {
        invoices: new Map(),
        totals: new Map(),
        overSince: new Map(),
        meter: new Map()
      };
      if (!kv) return out;
      const pruned: KvOp[] = [];
      for (const { key, value } of await kv.range<Billed>({ prefix: 'i/' })) {
        const settled = ['paid', 'waived', 'superseded'].includes(value.status);
        if (settled && value.invoice.invoice.issuedAt < pruneBefore) {
          pruned.push({ type: 'remove', key });
        } else out.invoices.set(value.invoice.invoice.id, value);
      }
      if (pruned.length > 0) await kv.batch(pruned);
      for (const { key, value } of await kv.range<TotalsRow>({ prefix: 'c/' })) {
        const customer = key.slice(2);
        out.totals.set(customer, {
          charged: BigInt(value.charged),
          byteMs: BigInt(value.byteMs),
          transferBytes: BigInt(value.transferBytes),
          ...(value.to !== undefined ? { to: value.to } : {})
        });
        if (value.overSince !== undefined) out.overSince.set(customer, value.overSince);
      }
      for (const { key, value } of await kv.range<UsageRow>({ prefix: 'm/' })) {
        out.meter.set(key.slice(2), {
          bytes: value.bytes,
          since: value.since,
          byteMs: BigInt(value.byteMs),
          transferBytes: BigInt(value.transferBytes),
          ...(value.start !== undefined ? { start: value.start } : {})
        });
      }
      return out;
    }
  };
}

/** A supplier's bill store. */
export type BillStore = ReturnType<typeof billStore>;
