/**
 * The customer's invoices not yet settled: the row kept for each (namespace `pending`, key
 * `p/<invoice id>`), the retry policy of payment machines that ended `failed`, and what the ledger
 * view shows of them (`owing` in `GET /api/ledger`, `bitdust ledger`).
 */
import type { SignedAccept, SignedInvoice, SignedPayment } from '../../machines/payment/records.js';

/** A machine that ended `failed` is started again at most this many times, then left owed. */
export const MAX_RUNS = 8;

/** The wait before run n + 1 after n failed runs: `retryMs` doubling, capped at 32 × `retryMs`. */
export const resumeDelay = (retryMs: number, failedRuns: number) =>
  retryMs * 2 ** Math.min(5, Math.max(0, failedRuns - 1));

/** An invoice received and not yet settled, as kept on disk. */
export interface Pending {
  invoice: SignedInvoice;
  accept?: SignedAccept;
  payment?: SignedPayment;
  /** Runs of its machine that ended `failed`, when the next may start, and why the last failed. */
  failedRuns?: number;
  retryAt?: number;
  reason?: string;
}

/** An invoice we still owe as the ledger shows it. */
export interface Owing {
  invoice: string;
  supplier: string;
  amount: number;
  periodEnd: number;
  /** `received` (not yet accepted), `accepted`, `signed` (payment sent, no receipt yet). */
  stage: 'received' | 'accepted' | 'signed';
  /**
   * Its machine runs, or waits to be run (again) at `retryAt` or once the node is ready, or was
   * given up on after {@link MAX_RUNS} failed runs.
   */
  state: 'running' | 'retrying' | 'given-up';
  failedRuns: number;
  retryAt?: number;
  reason?: string;
}

/** Whether a row was given up on (no run is due any more). */
export const givenUp = (p: Pending) => (p.failedRuns ?? 0) > 0 && p.retryAt === undefined;

/** The rows as the ledger shows them, oldest period first. */
export function owingOf(rows: Iterable<Pending>, running: (id: string) => boolean): Owing[] {
  return [...rows]
    .map((p): Owing => {
      const inv = p.invoice.invoice;
      return {
        invoice: inv.id,
        supplier: inv.supplier,
        amount: inv.amount,
        periodEnd: inv.periodEnd,
        stage: p.payment ? 'signed' : p.accept ? 'accepted' : 'received',
        state: running(inv.id) ? 'running' : givenUp(p) ? 'given-up' : 'retrying',
        failedRuns: p.failedRuns ?? 0,
        ...(p.retryAt !== undefined ? { retryAt: p.retryAt } : {}),
        ...(p.reason !== undefined ? { reason: p.reason } : {})
      };
    })
    .sort((x, y) => x.periodEnd - y.periodEnd);
}
