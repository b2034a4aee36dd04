/**
 * Disputes, decided without I/O. A customer whose check of an invoice fails (machine.ts
 * `disputing`) sends a signed dispute carrying its own figure: the byte-ms its meter history saw
 * over exactly the invoice's period ({@link meteredOver}). The supplier then either re-issues the
 * invoice at that figure or ends service for cause ({@link resolveDispute}); actors/payment/
 * supplier.ts carries it out, durably, once per invoice.
 *
 * The rule is deterministic and symmetric: a figure within {@link DISPUTE_MARGIN_PPM} of what the
 * supplier billed (either way) is taken as a disagreement the timing of the two meters can explain
 * (a write timed at both ends of a storage round trip, a lost tick of history after a crash), and
 * the supplier writes the gap off; anything further apart is a customer claiming much less than it
 * used (or a supplier billing much more than it held), and the two part ways. A correction is
 * never corrected again: a dispute of a re-issued invoice ends service.
 */
import { cumulativeAt, type Series } from './history.js';
import { MAX_AMOUNT, storageCharge } from './units.js';

/** How far apart (parts per million of the billed figure) a correction is still granted: 10 %. */
export const DISPUTE_MARGIN_PPM = 100_000n;

/** What the supplier does with a dispute. */
export type DisputeOutcome =
  | { kind: 'correct'; claimed: bigint; reason: string }
  | { kind: 'drop'; claimed: bigint; reason: string };

/**
 * The customer's figure for [from, to): its metered byte-ms over the period, or, when its history
 * begins inside the period (pruned, a restart without history), what it saw from then on; 0 when
 * it saw nothing.
 */
export function meteredOver(h: Series, from: number, to: number): bigint {
  const end = cumulativeAt(h, to);
  if (!end || !h[0]) return 0n;
  const start = cumulativeAt(h, from) ?? { byteMs: h[0].byteMs };
  const d = end.byteMs - start.byteMs;
  return d > 0n ? d : 0n;
}

/**
 * Decides a dispute of an invoice that billed `billed` byte-ms, where the customer claims
 * `claimed`; `correction` is true when the disputed invoice is itself a correction.
 */
export function resolveDispute(
  billed: bigint,
  claimed: bigint,
  correction: boolean
): DisputeOutcome {
  const gap = billed > claimed ? billed - claimed : claimed - billed;
  const what = `claims ${claimed} byte-ms, billed ${billed}`;
  if (correction) return { kind: 'drop', claimed, reason: `${what}; a correction was disputed` };
  if (gap * 1_000_000n <= billed * DISPUTE_MARGIN_PPM)
    return { kind: 'correct', claimed, reason: `${what}; re-issued at the customer's figure` };
  return {
    kind: 'drop',
    claimed,
    reason: `${what}; more than ${DISPUTE_MARGIN_PPM / 10_000n} % apart`
  };
}

/**
 * The amount of the re-issued invoice: the disputed amount with the storage charge for the billed
 * figure replaced by that for the claimed one (transfer stays), within [0, MAX_AMOUNT]. The
 * supplier's cumulative totals are left alone, so the next bill neither re-bills nor refunds the
 * gap: it is written off.
 */
export function correctedAmount(
  amount: number,
  billed: bigint,
  claimed: bigint,
  pricePerGBHour: number
): number {
  const a =
    BigInt(amount) - storageCharge(billed, pricePerGBHour) + storageCharge(claimed, pricePerGBHour);
  if (a < 0n) return 0;
  return a > BigInt(MAX_AMOUNT) ? MAX_AMOUNT : Number(a);
}
