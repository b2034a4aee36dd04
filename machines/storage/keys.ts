/**
 * How shards are named on suppliers: `<backupId>/<block:8>/<position:3>`, opaque ids only (a
 * supplier never sees a path), fixed-width numbers so a supplier's range order is backup → block →
 * position. Audit challenges name a shard by its parts (`cmd.audit`, machines/router/messages.ts).
 */

/** Storage limits shared by both sides. */
export const STORAGE_LIMITS = {
  /**
   * Largest shard: one shard travels as one `cmd.data` (data ≤ 1,000,000 B) with its 32-byte hash
   * in front, so 960 KiB. Blocks are cut small enough for their shards to fit (pipeline.ts).
   */
  maxShardBytes: 960 * 1024,
  /** Positions 0..255: Reed-Solomon over GF(2^8) has at most 256 shards. */
  maxPositions: 256,
  maxBlocks: 99_999_999
} as const;

/** The parts of a shard key. */
export interface ShardAddress {
  readonly backupId: string;
  readonly block: number;
  readonly position: number;
}

const SHARD_KEY = /^([a-z0-9][a-z0-9-]{0,63})\/(\d{8})\/(\d{3})$/;

/** The key of shard `position` of block `block` of backup `backupId`. */
export function shardKey(backupId: string, block: number, position: number): string {
  return `${backupId}/${String(block).padStart(8, '0')}/${String(position).padStart(3, '0')}`;
}

/** Parses a shard key; `undefined` for anything else. */
export function parseShardKey(key: string): ShardAddress | undefined {
  const m = SHARD_KEY.exec(key);
  if (!m) return undefined;
  const position = Number(m[3]);
  if (position >= STORAGE_LIMITS.maxPositions) return undefined;
  return { backupId: m[1]!, block: Number(m[2]), position };
}

/** What a supplier holds for one customer: backup → block → positions present. */
export type HoldingsSummary = Map<string, Map<number, Set<number>>>;

/** Groups shard keys by backup, block and position (keys that are not shard keys are skipped). */
export function summarize(keys: Iterable<string>): HoldingsSummary {
  const out: HoldingsSummary = new Map();
  for (const key of keys) {
    const a = parseShardKey(key);
    if (!a) continue;
    let blocks = out.get(a.backupId);
    if (!blocks) out.set(a.backupId, (blocks = new Map()));
    let positions = blocks.get(a.block);
    if (!positions) blocks.set(a.block, (positions = new Set()));
    positions.add(a.position);
  }
  return out;
}
