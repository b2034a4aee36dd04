/**
 * Records of the customer's catalog: what was backed up (files → versions → blocks → shards) and
 * who holds what (positions → suppliers). Plain values, stored as msgpack in the KvStore.
 */

/** One shard of a block, as the catalog remembers it. */
export interface ShardInfo {
  /** The shard hash (merkle.ts: from the root and the length): checked on every transfer. */
  readonly hash: Uint8Array;
  /** Merkle root over the shard's chunks: what audits prove against. */
  readonly root: Uint8Array;
}

/** One block of a backup. */
export interface BlockRecord {
  readonly index: number;
  /** Plaintext bytes of this block. */
  readonly plainSize: number;
  /** Sealed (encrypted) bytes; the RS stripe is this, zero-padded to `k × shardSize`. */
  readonly sealedSize: number;
  readonly shardSize: number;
  /** k + m entries: shard i goes to position i. */
  readonly shards: readonly ShardInfo[];
}

/** Everything about one version of one file except its blocks. */
export interface VersionRecord {
  readonly path: string;
  /** 1, 2, 3 … per path. */
  readonly version: number;
  /** Opaque id the suppliers see instead of the path; unique per version. */
  readonly backupId: string;
  readonly size: number;
  /** SHA-256 of the whole plaintext file. */
  readonly fileHash: Uint8Array;
  readonly mtimeMs: number;
  /** The customer's clock at commit. */
  readonly committedAt: number;
  readonly k: number;
  readonly m: number;
  readonly blockSize: number;
  readonly blockCount: number;
  /** Merkle chunk size of its shards. */
  readonly chunkBytes: number;
}

/** What a commit supplies; the catalog assigns the version number. */
export type NewVersion = Omit<VersionRecord, 'version'>;

/** A file: its path and newest version. */
export interface FileRecord {
  readonly path: string;
  readonly latest: number;
}

/** Which supplier holds position `position`. */
export interface PositionRecord {
  readonly position: number;
  readonly supplierId: string;
  /** Customer clock when hired. */
  readonly since: number;
}

/** Retention: how many versions of each file are kept. */
export interface RetentionPolicy {
  readonly keepVersions: number;
}

/** The outcome of a commit. */
export interface CommitResult {
  readonly version: number;
  /** Backup ids of versions dropped by retention: their shards should be deleted on suppliers. */
  readonly pruned: readonly string[];
}
