/**
 * ECC profiles named after the supplier count, as the original BitDust's ecc maps (2, 4, 7, 13,
 * 18, 26 and 64 suppliers). The original stored a data and an XOR-parity segment on every supplier
 * (2× raw overhead) and tolerated the loss of only a few suppliers; here every supplier holds one
 * Reed-Solomon shard, k = ⌈N/2⌉ data and m = ⌊N/2⌋ parity, so the overhead is N/k ≤ 2× and any m
 * suppliers may vanish. See docs/erasure.md for the table.
 */
import { ErasureError } from './errors.js';

/** One profile. */
export interface EccProfile {
  /** `rs/<k>+<m>`. */
  readonly name: string;
  /** The original's map name, for people who know the old numbers. */
  readonly legacyName: string;
  readonly suppliers: number;
  /** Data shards. */
  readonly k: number;
  /** Parity shards. */
  readonly m: number;
  /** Suppliers that may be lost with the data still recoverable (= m, the code is MDS). */
  readonly toleratedLosses: number;
  /** What the original's XOR maps guaranteed ("correctable errors"). */
  readonly legacyToleratedLosses: number;
  /** Offline suppliers that make the customer replace one (the original's fire/hire threshold). */
  readonly fireHireThreshold: number;
  /** Raw bytes stored per data byte, N / k. */
  readonly overhead: number;
}

const LEGACY: [number, number, number][] = [
  // suppliers, correctable errors, fire/hire threshold — from the original's eccmap.py
  [2, 1, 1],
  [4, 2, 1],
  [7, 3, 2],
  [13, 4, 2],
  [18, 5, 2],
  [26, 6, 3],
  [64, 10, 5]
];

/** All profiles, by ascending supplier count. */
export const ECC_PROFILES: readonly EccProfile[] = LEGACY.map(([n, legacy, fireHire]) => {
  const k = Math.ceil(n / 2);
  const m = n - k;
  return Object.freeze({
    name: `rs/${k}+${m}`,
    legacyName: `ecc/${n}x${n}`,
    suppliers: n,
    k,
    m,
    toleratedLosses: m,
    legacyToleratedLosses: legacy,
    fireHireThreshold: fireHire,
    overhead: n / k
  });
});

/** The allowed supplier counts: 2, 4, 7, 13, 18, 26, 64. */
export const SUPPLIER_COUNTS: readonly number[] = ECC_PROFILES.map((p) => p.suppliers);

/** The profile for `suppliers`; `ERR_ERASURE_INVALID_PARAMS` for any other count. */
export function eccProfile(suppliers: number): EccProfile {
  const p = ECC_PROFILES.find((q) => q.suppliers === suppliers);
  if (!p) {
    throw new ErasureError(
      'ERR_ERASURE_INVALID_PARAMS',
      `no ECC profile for ${suppliers} suppliers; allowed: ${SUPPLIER_COUNTS.join(', ')}`
    );
  }
  return p;
}
