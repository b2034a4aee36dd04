/**
 * The customer rejector's decision, pure: which customers a supplier drops, and why. Kept apart
 * from the machine so it can be tested exhaustively on plain data.
 */

/** Why a customer is dropped. */
export type RejectionReason = 'over-quota' | 'capacity' | 'idle' | 'unpaid' | 'disputed';

/** One customer as the patrol sees it. */
export interface PatrolAccount {
  readonly customer: string;
  readonly grantedBytes: number;
  readonly usedBytes: number;
  /** How long since the customer's last request, on the supplier's clock. */
  readonly idleMs: number;
  /** When service began (newest customers go first when space runs out). */
  readonly since: number;
}

/** What the `inspect` actor reports. */
export interface PatrolReport {
  readonly accounts: readonly PatrolAccount[];
  readonly capacityBytes: number;
  /**
   * Customers the payment service says to drop (over the credit limit past the grace period,
   * machines/payment/fairness.ts `unpaidRejections`, reason `unpaid`; or a dispute that ended
   * with the parties too far apart, reason `disputed`); only those with an account here count.
   */
  readonly unpaid?: readonly Rejection[];
}

/** A decision to drop one customer. */
export interface Rejection {
  readonly customer: string;
  readonly reason: RejectionReason;
  /** Human-readable detail, for the inspector and the log. */
  readonly detail: string;
}

/**
 * Unpaid first (the payment service's verdict), then over quota (each such customer broke its own
 * contract), then idle past `idleLimitMs`, then,
 * while the rest still exceeds capacity (the disk shrank or the policy changed), the newest
 * customers — the original dropped customers on `space-overflow` the same way.
 */
export function decideRejections(report: PatrolReport, idleLimitMs: number): Rejection[] {
  const out: Rejection[] = [];
  const kept: PatrolAccount[] = [];
  const unpaid = new Map((report.unpaid ?? []).map((r) => [r.customer, r]));
  for (const a of report.accounts) {
    const debt = unpaid.get(a.customer);
    if (debt) {
      out.push({ customer: a.customer, reason: debt.reason, detail: debt.detail });
    } else if (a.usedBytes > a.grantedBytes) {
      out.push({
        customer: a.customer,
        reason: 'over-quota',
        detail: `uses ${a.usedBytes} of ${a.grantedBytes} bytes`
      });
    } else if (a.idleMs > idleLimitMs) {
      out.push({ customer: a.customer, reason: 'idle', detail: `idle for ${a.idleMs} ms` });
    } else kept.push(a);
  }
  let used = kept.reduce((n, a) => n + a.usedBytes, 0);
  const newestFirst = [...kept].sort(
    (a, b) => b.since - a.since || (a.customer < b.customer ? 1 : -1)
  );
  for (const a of newestFirst) {
    if (used <= report.capacityBytes) break;
    out.push({
      customer: a.customer,
      reason: 'capacity',
      detail: `${used} bytes used of ${report.capacityBytes}`
    });
    used -= a.usedBytes;
  }
  return out;
}
