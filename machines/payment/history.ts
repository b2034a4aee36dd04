/**
 * Meter history, pure: a step series of what one counterparty held for us, so the customer can
 * answer "usage over [from, to)" for a past period, whenever the invoice for it arrives.
 *
 * A sample is the meter's state right after a change of bytes held: `byteMs` integrated up to
 * `at`, `bytes` held from `at` on, and `moved`, the sum of every change |Δbytes| so far. Between
 * two samples the holding is constant, so the cumulative usage at any instant is the sample before
 * it extended linearly: exact. To bound the series, changes within one bucket of `bucketMs` keep
 * only the last sample, which keeps the figure exact at every bucket boundary (billing periods are
 * cut at multiples of the bucket) and within the bucket's changes elsewhere. Samples older than the
 * horizon are pruned, keeping the one in force at the horizon.
 *
 * `origin` marks a series that starts with the meter itself: before its first sample nothing was
 * held. A pruned series, or one begun after a restart with no saved history, lacks it and cannot
 * answer for earlier instants.
 */

import type { Verdict } from './validate.js';

/** Our usage may differ from the supplier's by this fraction (1 %) besides the timing slack. */
export const USAGE_TOLERANCE_PPM = 10_000n;

/** One step of the series (see the module comment). */
export interface Sample {
  at: number;
  bytes: number;
  byteMs: bigint;
  moved: bigint;
  origin?: true;
}

/** A counterparty's series, oldest first. */
export type Series = readonly Sample[];

/** What the series says at `t`: cumulative byte-ms and moved bytes, or undefined before it. */
export function cumulativeAt(s: Series, t: number): { byteMs: bigint; moved: bigint } | undefined {
  let lo = 0;
  let hi = s.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (s[mid]!.at <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) {
    return s[0]?.origin ? { byteMs: 0n, moved: 0n } : undefined;
  }
  const p = s[found]!;
  return { byteMs: p.byteMs + BigInt(p.bytes) * BigInt(t - p.at), moved: p.moved };
}

/**
 * Adds the state after a change (`bytes` held from `at`, `byteMs` integrated to `at`). An unchanged
 * holding adds nothing (the line goes on); a change in the last sample's bucket replaces it. The
 * first sample of a series is its origin only when the caller knows nothing was held before.
 */
export function record(
  s: Series,
  at: number,
  bytes: number,
  byteMs: bigint,
  bucketMs: number,
  origin = false
): Series {
  const last = s[s.length - 1];
  if (!last) {
    const first: Sample = { at, bytes, byteMs, moved: BigInt(bytes) };
    return [origin ? { ...first, origin: true } : first];
  }
  if (at < last.at || bytes === last.bytes) return s;
  const moved = last.moved + BigInt(Math.abs(bytes - last.bytes));
  const next: Sample = { at, bytes, byteMs, moved };
  if (Math.floor(at / bucketMs) === Math.floor(last.at / bucketMs) && s.length > 1) {
    // The previous bucket's last sample still gives the exact figure at this bucket's start.
    return [...s.slice(0, -1), next];
  }
  return [...s, next];
}

/** Drops samples before `before`, keeping the one in force then (the series loses its origin). */
export function prune(s: Series, before: number): Series {
  let i = 0;
  while (i + 1 < s.length && s[i + 1]!.at <= before) i++;
  if (i === 0) return s;
  const p = s[i]!;
  return [{ at: p.at, bytes: p.bytes, byteMs: p.byteMs, moved: p.moved }, ...s.slice(i + 1)];
}

/**
 * A bill of `theirs` byte-ms for [from, to) against our series over exactly that period, however
 * late the invoice arrives. Tolerance: 1 %, plus |Δbytes| × `eventSkewMs` for every change in the
 * period or just before it, since each party times a change at its own end of the round trip.
 * When the series begins inside the period (we restarted with no saved history, or the period is
 * older than we keep) we saw only part of it: the bill must be at least what we saw and at most
 * that holding kept over the whole period.
 */
export function checkPeriod(
  h: Series,
  from: number,
  to: number,
  theirs: bigint,
  eventSkewMs: number
): Verdict {
  const tol = (n: bigint) => (n * USAGE_TOLERANCE_PPM) / 1_000_000n;
  const refuse = (reason: string): Verdict => ({ ok: false, code: 'ERR_PAYMENT_USAGE', reason });
  const end = cumulativeAt(h, to);
  const first = h[0];
  if (!end || !first) return refuse(`billed ${theirs} byte-ms, nothing metered before ${to}`);
  const start = cumulativeAt(h, from);
  if (!start) {
    if (first.at >= to) return refuse(`billed ${theirs} byte-ms, nothing metered before ${to}`);
    const ours = end.byteMs - first.byteMs;
    const whole = (ours * BigInt(to - from)) / BigInt(to - first.at);
    if (theirs + tol(ours) < ours || theirs > whole + tol(whole)) {
      return refuse(
        `billed ${theirs} byte-ms, metered ${ours} since ${first.at} (at most ${whole})`
      );
    }
    return { ok: true };
  }
  const ours = end.byteMs - start.byteMs;
  const movedBefore = cumulativeAt(h, from - eventSkewMs)?.moved ?? start.moved;
  const slack = tol(ours) + (end.moved - movedBefore) * BigInt(eventSkewMs);
  const diff = theirs > ours ? theirs - ours : ours - theirs;
  if (diff > slack)
    return refuse(`billed ${theirs} byte-ms, metered ${ours} over [${from}, ${to})`);
  return { ok: true };
}
