/**
 * The fairness rule, pure. A node that donates at least `ratio` times what it consumes pays
 * nothing; otherwise it pays for what it consumes. A customer owing more than the credit limit is
 * refused new data; still over the limit after the grace period, it is dropped (the supplier's
 * customer-rejector removes it, and the customer's fire-hire replaces that supplier).
 */

/** The policy every node applies (configurable; defaults in {@link DEFAULT_FAIRNESS}). */
export interface FairnessPolicy {
  /** Donated ≥ consumed × num / den pays nothing. 1/1: donate as much as you use. */
  ratioNum: number;
  ratioDen: number;
  /** Donation receipts older than this before the invoice's period end do not count. */
  windowMs: number;
  /** µc a customer may owe one supplier before it is refused new data. */
  creditLimit: number;
  /** How long a customer may stay over the limit before it is dropped. */
  graceMs: number;
}

/** 1:1, a 7-day window, 5 credits of credit, 3 days of grace. */
export const DEFAULT_FAIRNESS: FairnessPolicy = {
  ratioNum: 1,
  ratioDen: 1,
  windowMs: 7 * 86_400_000,
  creditLimit: 5_000_000,
  graceMs: 3 * 86_400_000
};

/** Whether `donated` byte-ms earns a waiver for `consumed` byte-ms under `policy`. */
export function isExempt(donated: bigint, consumed: bigint, policy: FairnessPolicy): boolean {
  return donated * BigInt(policy.ratioDen) >= consumed * BigInt(policy.ratioNum);
}

/** A customer's standing with one supplier. */
export type Standing = 'good' | 'refused' | 'dropped';

/** What a supplier knows of one customer's debt. */
export interface DebtState {
  customer: string;
  /** µc invoiced and neither paid nor waived. */
  owed: bigint;
  /** When the debt first went over the limit (undefined while under it). */
  overSince: number | undefined;
}

/** The decision for one customer, with the reason to log and show. */
export interface StandingDecision {
  customer: string;
  standing: Standing;
  detail: string;
}

/**
 * Decides a customer's standing at `now`. `refused`: stores nothing new (existing data stays);
 * `dropped`: the grace period is over — the rejector removes the customer.
 */
export function decideStanding(
  debt: DebtState,
  now: number,
  policy: FairnessPolicy
): StandingDecision {
  const { customer, owed, overSince } = debt;
  if (owed <= BigInt(policy.creditLimit) || overSince === undefined) {
    return { customer, standing: 'good', detail: `owes ${owed} µc` };
  }
  const over = now - overSince;
  if (over >= policy.graceMs) {
    return { customer, standing: 'dropped', detail: `owes ${owed} µc, over the limit ${over} ms` };
  }
  return { customer, standing: 'refused', detail: `owes ${owed} µc over ${policy.creditLimit}` };
}

/**
 * The hook for machines/customer-rejector: the customers its patrol should drop for debt, in the
 * shape of its `Rejection` (reason `'unpaid'`). Sorted by customer id, so patrols are reproducible.
 */
export function unpaidRejections(
  debts: readonly DebtState[],
  now: number,
  policy: FairnessPolicy
): Array<{ customer: string; reason: 'unpaid'; detail: string }> {
  return debts
    .map((d) => decideStanding(d, now, policy))
    .filter((d) => d.standing === 'dropped')
    .sort((a, b) => (a.customer < b.customer ? -1 : a.customer > b.customer ? 1 : 0))
    .map((d) => ({ customer: d.customer, reason: 'unpaid' as const, detail: d.detail }));
}

/** Updates `overSince` after the debt changed at `now`. */
export function trackDebt(debt: DebtState, owed: bigint, now: number, policy: FairnessPolicy) {
  const over = owed > BigInt(policy.creditLimit);
  return { ...debt, owed, overSince: over ? (debt.overSince ?? now) : undefined };
}
