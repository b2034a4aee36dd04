/**
 * Metering, pure: storage feeds how many bytes each counterparty holds (as supplier) or is held
 * for us (as customer), and bytes moved; the meter integrates bytes over time into byte-ms. It is
 * the input interface storage implements later ({@link MeterEvent}); the simulation feeds it
 * directly. Integration is exact: integer bytes × integer ms, bigint sums.
 */

/** What storage reports. `role` is ours: supplier (we store for `peer`) or customer. */
export type MeterEvent =
  | { type: 'meter.stored'; role: 'supplier' | 'customer'; peer: string; bytes: number; at: number }
  | { type: 'meter.transferred'; role: 'supplier' | 'customer'; peer: string; bytes: number };

/** Usage with one counterparty in one role. */
export interface Usage {
  /** Bytes held now. */
  bytes: number;
  /** Since when `bytes` has been held. */
  since: number;
  /** Byte-ms integrated up to `since`. */
  byteMs: bigint;
  transferBytes: bigint;
  /** When bytes were first held (absent until then): where a first bill's period starts. */
  start?: number;
}

/** All usage, keyed `${role}:${peer}`. */
export type MeterState = ReadonlyMap<string, Usage>;

/** The meter's key for usage with `peer` in `role` (for restoring a saved meter). */
export const meterKey = (role: string, peer: string) => `${role}:${peer}`;
const key = meterKey;
const EMPTY: Usage = { bytes: 0, since: 0, byteMs: 0n, transferBytes: 0n };

/** Folds one event into the meter (a new map; the old one is untouched). */
export function meterApply(state: MeterState, e: MeterEvent): MeterState {
  if (!Number.isSafeInteger(e.bytes) || e.bytes < 0) throw new RangeError('bytes must be ≥ 0');
  const k = key(e.role, e.peer);
  const u = state.get(k) ?? EMPTY;
  const next = new Map(state);
  if (e.type === 'meter.transferred') {
    next.set(k, { ...u, transferBytes: u.transferBytes + BigInt(e.bytes) });
  } else {
    // Time never runs backwards here: a late report is integrated from the last one.
    const at = Math.max(e.at, u.since);
    const since = u.bytes === 0 && u.byteMs === 0n ? at : u.since;
    const start = u.start ?? (e.bytes > 0 ? at : undefined);
    next.set(k, {
      ...u,
      byteMs: u.byteMs + BigInt(u.bytes) * BigInt(at - since),
      bytes: e.bytes,
      since: at,
      ...(start !== undefined ? { start } : {})
    });
  }
  return next;
}

/** Usage with `peer` in `role`, integrated up to `at`. */
export function usageAt(
  state: MeterState,
  role: 'supplier' | 'customer',
  peer: string,
  at: number
): { byteMs: bigint; transferBytes: bigint } {
  const u = state.get(key(role, peer)) ?? EMPTY;
  const extra = u.bytes > 0 && at > u.since ? BigInt(u.bytes) * BigInt(at - u.since) : 0n;
  return { byteMs: u.byteMs + extra, transferBytes: u.transferBytes };
}
