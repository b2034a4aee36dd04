/**
 * The customer rejector's decision, pure: which customers a supplier drops, and why. Kept apart
 * from the machine so it can be tested exhaustively on plain data.
 */

/** Why a customer is dropped. */
export type RejectionReason = 'over-quota' | 'capacity' | 'idle';

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
}

/** A decision to drop one customer. */
export interface Rejection {
  readonly customer: string;
  readonly reason: RejectionReason;
  /** Human-readable detail, for the inspector and the log. */
  readonly detail: string;
}

/**
 * Over quota first (each such customer broke its own contract), then idle past `idleLimitMs`, then,
 * while the rest still exceeds capacity (the disk shrank or the policy changed), the newest
 * customers — the original dropped customers on `space-overflow` the same way.
 */
export function decideRejections(report: PatrolReport, idleLimitMs: number): Rejection[] {
  const out: Rejection[] = [];
  const kept: PatrolAccount[] = [];
  for (const a of report.accounts) {
    if (a.usedBytes > a.grantedBytes) {
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
