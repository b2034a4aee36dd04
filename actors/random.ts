/**
 * Seeded randomness. Given the same seed, a devnet or simulation replays exactly; without a seed the
 * generator is seeded from the OS. Not for key material: keys come from sodium-native.
 */
import { randomBytes } from 'node:crypto';

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** The seed this generator started from, so a failing run can be replayed. */
  readonly seed: number;
}

/** mulberry32: small, fast and good enough for simulation choices (delays, loss, ordering). */
export function createRandom(seed?: number): Random {
  const start = seed ?? randomBytes(4).readUInt32LE(0);
  let state = start >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n) => Math.floor(next() * n), seed: start };
}
