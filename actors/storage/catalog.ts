/**
 * The customer's catalog in a KvStore namespace: files → versions → blocks → shard hashes and
 * Merkle roots, positions → suppliers, the retention policy, and blocks staged by a backup still in
 * progress. Every commit is one durable batch, so a crash leaves either the old or the new version.
 *
 * Keys (fixed-width parts keep range order meaningful):
 * - `file/<pathKey>` FileRecord, `ver/<pathKey>/<version:10>` VersionRecord, where pathKey is the
 *   hex BLAKE2b-128 of the path (paths can be longer than a key);
 * - `blk/<backupId>/<index:8>` BlockRecord; `bid/<backupId>` → `{ pathKey, version }`;
 * - `stage/<backupId>/<index:8>` BlockRecord of a backup not committed yet (resume point), with
 *   the cut it was made with (block size and profile);
 * - `pos/<position:3>` PositionRecord; `meta/policy` RetentionPolicy; `meta/format` the shard
 *   format its hashes follow ({@link CATALOG_FORMAT}).
 *
 * The whole catalog also exists as one image (`exportImage`), which catalog-image.ts seals with the
 * data key so it can be backed up to the suppliers like any file.
 */
import type { KvOp, KvStore } from '../store/index.js';
import { StorageError } from './errors.js';
import { blake2b256, toHex } from './hash.js';
import type {
  BlockRecord,
  CommitResult,
  FileRecord,
  NewVersion,
  PositionRecord,
  RetentionPolicy,
  VersionRecord
} from './catalog-types.js';

export type * from './catalog-types.js';

/** A staged block and the cut it was staged with (absent in rows from before cuts were kept). */
type StagedRow = BlockRecord & { readonly cut?: string };

/** The block of a staged row (its cut is the catalog's business, not the block's). */
const withoutCut = (row: StagedRow): BlockRecord => {
  const block: { cut?: string } & BlockRecord = { ...row };
  delete block.cut;
  return block;
};

/**
 * Shard format of the catalogs this release writes and reads: 2 = SHA-256 Merkle trees, the shard
 * hash derived from the root (merkle.ts). Format 1 (BLAKE2b-256, no `meta/format` key) is refused:
 * its hashes would fail every check and audit here, and read as corruption everywhere.
 */
export const CATALOG_FORMAT = 2;

/** Kept when no policy was set: the original's `max-copies` default. */
export const DEFAULT_RETENTION: RetentionPolicy = { keepVersions: 2 };

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const pathKey = (path: string): string =>
  toHex(blake2b256(new TextEncoder().encode(path))).slice(0, 32);
const BACKUP_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Checks an opaque backup id: lower-case letters, digits and `-`, at most 64 characters. */
export function checkBackupId(backupId: string): void {
  if (!BACKUP_ID.test(backupId)) {
    throw new StorageError('ERR_STORAGE_ARGUMENT', `bad backup id ${JSON.stringify(backupId)}`);
  }
}

/** The catalog over `db` (give it its own namespace, e.g. `store.sub('catalog')`). */
export class Catalog {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly db: KvStore) {}

  /** Runs `fn` after every earlier write: commits of one catalog never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Checks that this catalog is of {@link CATALOG_FORMAT} (marking an empty one so);
   * ERR_STORAGE_FORMAT otherwise, leaving everything as it is.
   */
  async checkFormat(): Promise<void> {
    const format = await this.db.get<number>('meta/format');
    if (format === CATALOG_FORMAT) return;
    const used = async (prefix: string) => (await this.db.range({ prefix, limit: 1 })).length > 0;
    if (format === undefined && !(await used('ver/')) && !(await used('stage/'))) {
      return this.db.put('meta/format', CATALOG_FORMAT, { durable: true });
    }
    throw new StorageError(
      'ERR_STORAGE_FORMAT',
      `catalog of shard format ${format ?? 1}; this release reads format ${CATALOG_FORMAT} only ` +
        '(restore its files with the release that wrote them)'
    );
  }

  async policy(): Promise<RetentionPolicy> {
    return (await this.db.get<RetentionPolicy>('meta/policy')) ?? DEFAULT_RETENTION;
  }

  /** Sets retention; applied at the next commit of each file. */
  async setPolicy(policy: RetentionPolicy): Promise<void> {
    if (!Number.isInteger(policy.keepVersions) || policy.keepVersions < 1) {
      throw new StorageError('ERR_STORAGE_ARGUMENT', 'keepVersions must be a positive integer');
    }
    return this.db.put('meta/policy', { keepVersions: policy.keepVersions }, { durable: true });
  }

  /**
   * Stages block `block` of `backupId` (durable): the resume point of a backup not committed yet.
   * `cut` names how the file was cut and coded (block size and profile); a later run reuses
   * only blocks staged with its own cut.
   */
  async stageBlock(backupId: string, block: BlockRecord, cut?: string): Promise<void> {
    checkBackupId(backupId);
    const row: StagedRow = cut === undefined ? block : { ...block, cut };
    return this.db.put(`stage/${backupId}/${pad(block.index, 8)}`, row, { durable: true });
  }

  /** Blocks staged for `backupId`, by index; with `cut`, only those staged with that cut. */
  async stagedBlocks(backupId: string, cut?: string): Promise<BlockRecord[]> {
    const rows = await this.db.range<StagedRow>({ prefix: `stage/${backupId}/` });
    return rows
      .filter((r) => cut === undefined || r.value.cut === cut)
      .map((r) => withoutCut(r.value));
  }

  /**
   * Commits a new version of `meta.path` with its blocks (staged blocks of the backup are dropped),
   * then prunes versions beyond the retention policy, all in one durable batch.
   */
  async commitVersion(meta: NewVersion, blocks: readonly BlockRecord[]): Promise<CommitResult> {
    checkBackupId(meta.backupId);
    if (blocks.length !== meta.blockCount || blocks.some((b, i) => b.index !== i)) {
      throw new StorageError('ERR_STORAGE_CATALOG', `${meta.path}: blocks do not match the count`);
    }
    return this.serial(async () => {
      if (await this.db.get(`bid/${meta.backupId}`)) {
        throw new StorageError('ERR_STORAGE_CATALOG', `backup id ${meta.backupId} already used`);
      }
      const pk = pathKey(meta.path);
      const file = await this.db.get<FileRecord>(`file/${pk}`);
      const version = (file?.latest ?? 0) + 1;
      const record: VersionRecord = { ...meta, version };
      const ops: KvOp[] = [
        ...blocks.map((b): KvOp => ({
          type: 'put',
          key: `blk/${meta.backupId}/${pad(b.index, 8)}`,
          value: b
        })),
        { type: 'put', key: `ver/${pk}/${pad(version, 10)}`, value: record },
        { type: 'put', key: `bid/${meta.backupId}`, value: { pathKey: pk, version } },
        { type: 'put', key: `file/${pk}`, value: { path: meta.path, latest: version } }
      ];
      const staged = await this.db.range({ prefix: `stage/${meta.backupId}/` });
      for (const s of staged) ops.push({ type: 'remove', key: s.key });
      const { keepVersions } = await this.policy();
      const older = await this.db.range<VersionRecord>({ prefix: `ver/${pk}/`, reverse: true });
      const pruned = older.slice(Math.max(0, keepVersions - 1)).map((r) => r.value.backupId);
      for (const old of older.slice(Math.max(0, keepVersions - 1))) {
        ops.push({ type: 'remove', key: old.key });
        ops.push({ type: 'remove', key: `bid/${old.value.backupId}` });
        for (const b of await this.db.range({ prefix: `blk/${old.value.backupId}/` })) {
          ops.push({ type: 'remove', key: b.key });
        }
      }
      await this.db.batch(ops, { durable: true });
      return { version, pruned };
    });
  }

  /**
   * Forgets `path` and every version of it in one durable batch; returns their backup ids (their
   * shards should be deleted on suppliers). ERR_STORAGE_NOT_FOUND for an unknown path.
   */
  async removeFile(path: string): Promise<string[]> {
    return this.serial(async () => {
      const pk = pathKey(path);
      if (!(await this.db.get(`file/${pk}`))) {
        throw new StorageError('ERR_STORAGE_NOT_FOUND', `${path} is not in the catalog`);
      }
      const versions = await this.db.range<VersionRecord>({ prefix: `ver/${pk}/` });
      const ops: KvOp[] = [{ type: 'remove', key: `file/${pk}` }];
      for (const v of versions) {
        ops.push(
          { type: 'remove', key: v.key },
          { type: 'remove', key: `bid/${v.value.backupId}` }
        );
        for (const b of await this.db.range({ prefix: `blk/${v.value.backupId}/` })) {
          ops.push({ type: 'remove', key: b.key });
        }
      }
      await this.db.batch(ops, { durable: true });
      return versions.map((v) => v.value.backupId);
    });
  }

  /** Every file, by path key order. */
  async files(): Promise<FileRecord[]> {
    return (await this.db.range<FileRecord>({ prefix: 'file/' })).map((r) => r.value);
  }

  /** Versions of `path`, oldest first. */
  async versions(path: string): Promise<VersionRecord[]> {
    const rows = await this.db.range<VersionRecord>({ prefix: `ver/${pathKey(path)}/` });
    return rows.map((r) => r.value);
  }

  /** Version `version` of `path` (the newest when omitted); ERR_STORAGE_NOT_FOUND if absent. */
  async version(path: string, version?: number): Promise<VersionRecord> {
    const pk = pathKey(path);
    const n = version ?? (await this.db.get<FileRecord>(`file/${pk}`))?.latest;
    const v =
      n === undefined ? undefined : await this.db.get<VersionRecord>(`ver/${pk}/${pad(n, 10)}`);
    if (!v) throw new StorageError('ERR_STORAGE_NOT_FOUND', `${path} has no version ${n ?? ''}`);
    return v;
  }

  /** Every committed version of every file (rebuild and audits walk this). */
  async allVersions(): Promise<VersionRecord[]> {
    return (await this.db.range<VersionRecord>({ prefix: 'ver/' })).map((r) => r.value);
  }

  /** Blocks of a committed backup, by index. */
  async blocks(backupId: string): Promise<BlockRecord[]> {
    return (await this.db.range<BlockRecord>({ prefix: `blk/${backupId}/` })).map((r) => r.value);
  }

  /** Assigns `position` to a supplier (hire, or replacement after a fire). */
  setPosition(record: PositionRecord): Promise<void> {
    return this.db.put(`pos/${pad(record.position, 3)}`, record, { durable: true });
  }

  /** Every assigned position, ascending. */
  async positions(): Promise<PositionRecord[]> {
    return (await this.db.range<PositionRecord>({ prefix: 'pos/' })).map((r) => r.value);
  }
}
