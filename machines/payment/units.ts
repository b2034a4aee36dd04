/**
 * Money and usage units. Money is integer micro-credits (µc, 10^-6 credit): never a float, so two
 * nodes always agree to the unit. One amount fits a safe integer ({@link MAX_AMOUNT}); sums
 * (balances, totals over a run) are bigint. Storage is metered in byte-milliseconds, a bigint
 * (1 TB for a day is 8.64e19 byte-ms, past 2^53), carried on the wire as a decimal string.
 */

/** Micro-credits per credit. */
export const MICRO_PER_CREDIT = 1_000_000;
/** Largest single amount: 10^9 credits. Larger is refused, so sums of a few never lose bits. */
export const MAX_AMOUNT = 1_000_000_000 * MICRO_PER_CREDIT;
/** Bytes per GB (decimal, as disks are sold). */
export const BYTES_PER_GB = 1_000_000_000n;
/** Milliseconds per hour. */
export const MS_PER_HOUR = 3_600_000n;
/** Byte-milliseconds in one GB-hour. */
export const BYTE_MS_PER_GB_HOUR = BYTES_PER_GB * MS_PER_HOUR;
/** A non-negative decimal integer string without leading zeros (at most 39 digits). */
export const UINT_STRING = /^(0|[1-9][0-9]{0,38})$/;

/** Whether `n` is a valid amount in µc: a safe integer in [0, MAX_AMOUNT]. */
export function isAmount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= MAX_AMOUNT;
}

/** Whether `s` is a canonical non-negative decimal integer string. */
export function isUintString(s: unknown): s is string {
  return typeof s === 'string' && UINT_STRING.test(s);
}

/** Parses a canonical decimal string (call {@link isUintString} first on untrusted input). */
export function big(s: string): bigint {
  return BigInt(s);
}

/**
 * The charge for `byteMs` of storage at `pricePerGBHour` µc, rounded down. Suppliers invoice the
 * difference of cumulative charges, so rounding never loses or gains more than 1 µc over a contract.
 */
export function storageCharge(byteMs: bigint, pricePerGBHour: number): bigint {
  return (byteMs * BigInt(pricePerGBHour)) / BYTE_MS_PER_GB_HOUR;
}

/** The charge for `bytes` transferred at `pricePerGB` µc, rounded down. */
export function transferCharge(bytes: bigint, pricePerGB: number): bigint {
  return (bytes * BigInt(pricePerGB)) / BYTES_PER_GB;
}

/** GB-hours in `byteMs`, rounded down (for display and reports). */
export function gbHours(byteMs: bigint): bigint {
  return byteMs / BYTE_MS_PER_GB_HOUR;
}
