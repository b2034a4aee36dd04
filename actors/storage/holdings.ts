/**
 * What each position holds for us, as the list-files orator last saw it, compared with the
 * catalog: which blocks miss a shard at which position (rebuild's work list), and each file's live
 * redundancy ("5 of 6 shards alive; tolerates 1 more loss").
 */
import { parseShardKey, shardKey as shardKeyOf } from '../../machines/storage/keys.js';
import type { BlockRecord, VersionRecord } from './catalog-types.js';
import type { Catalog } from './catalog.js';

/** A block with the positions its shards are missing at. */
export interface MissingWork {
  readonly version: VersionRecord;
  readonly block: BlockRecord;
  readonly positions: readonly number[];
}

/** A file version's live redundancy. */
export interface Redundancy {
  readonly path: string;
  readonly version: number;
  /** Fewest shards alive over the version's blocks. */
  readonly alive: number;
  readonly total: number;
  /** Positions that may still be lost: alive − k (negative: some blocks cannot be recovered). */
  readonly tolerates: number;
  readonly text: string;
}

/** Shard keys per position; `undefined`: the position was not listed (unknown, counts as lost). */
export class Holdings {
  private readonly held = new Map<number, Set<string>>();

  /** Records the shard keys at `position`. */
  set(position: number, keys: Iterable<string>): void {
    this.held.set(position, new Set(keys));
  }

  /** Forgets a position (its supplier was fired or did not answer). */
  drop(position: number): void {
    this.held.delete(position);
  }

  /** Marks one shard as present (a rebuild just sent it). */
  add(position: number, key: string): void {
    let keys = this.held.get(position);
    if (!keys) this.held.set(position, (keys = new Set()));
    keys.add(key);
  }

  has(position: number, key: string): boolean {
    return this.held.get(position)?.has(key) ?? false;
  }

  /** Backup ids present anywhere (for orphan clean-up). */
  backupIds(): Set<string> {
    const out = new Set<string>();
    for (const keys of this.held.values()) {
      for (const k of keys) {
        const a = parseShardKey(k);
        if (a) out.add(a.backupId);
      }
    }
    return out;
  }

  /** Every committed block missing a shard at one of `positions` (all positions when empty). */
  async missing(catalog: Catalog, positions: readonly number[]): Promise<MissingWork[]> {
    const out: MissingWork[] = [];
    for (const version of await catalog.allVersions()) {
      const n = version.k + version.m;
      const wanted = positions.length > 0 ? positions.filter((p) => p < n) : range(n);
      for (const block of await catalog.blocks(version.backupId)) {
        const gone = wanted.filter(
          (p) => !this.has(p, shardKeyOf(version.backupId, block.index, p))
        );
        if (gone.length > 0) out.push({ version, block, positions: gone });
      }
    }
    return out;
  }

  /** Live redundancy of every file's newest version, counting only positions in `online`. */
  async redundancy(catalog: Catalog, online: (position: number) => boolean): Promise<Redundancy[]> {
    const out: Redundancy[] = [];
    for (const file of await catalog.files()) {
      const version = await catalog.version(file.path);
      const n = version.k + version.m;
      let alive = n;
      for (const block of await catalog.blocks(version.backupId)) {
        const here = range(n).filter(
          (p) => online(p) && this.has(p, shardKeyOf(version.backupId, block.index, p))
        ).length;
        alive = Math.min(alive, here);
      }
      const tolerates = alive - version.k;
      const text =
        tolerates >= 0
          ? `${alive} of ${n} shards alive; tolerates ${tolerates} more loss${tolerates === 1 ? '' : 'es'}`
          : `${alive} of ${n} shards alive; some blocks cannot be recovered`;
      out.push({ path: file.path, version: version.version, alive, total: n, tolerates, text });
    }
    return out;
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
