/**
 * Restoring one file version to disk: blocks are fetched and decoded in order, written at their
 * offsets into a temporary file beside the target, the whole plaintext is hashed as it goes, and
 * only a file whose hash matches the catalog is renamed over the target. Blocks that cannot be
 * recovered do not stop the others: the error at the end names all of them, and nothing is left
 * behind.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { BlockRecord, VersionRecord } from './catalog-types.js';
import { StorageError } from './errors.js';
import { BlockPool, type FileHash } from './block-pool.js';
import { sameBytes } from './hash.js';
import { decodeBlock } from './pipeline.js';

/** Options of {@link restoreFile}. */
export interface RestoreFileOptions {
  readonly dataKey: Uint8Array;
  readonly version: VersionRecord;
  readonly blocks: readonly BlockRecord[];
  /** The shards of a block at hand, by position (`null` where missing): fastest k are enough. */
  readonly fetchShards?: (block: BlockRecord) => Promise<readonly (Uint8Array | null)[]>;
  /**
   * Or the block's plaintext, fetched and decoded by the caller (a BlockFetcher); a StorageError
   * marks the block lost. One of the two must be given.
   */
  readonly fetchBlock?: (block: BlockRecord) => Promise<Uint8Array>;
  readonly target: string;
  /** Replace an existing file; otherwise ERR_STORAGE_EXISTS. */
  readonly overwrite?: boolean;
  /** Progress: called after each block with its index and whether it was recovered. */
  readonly onBlock?: (index: number, ok: boolean) => void;
  /** Blocks fetched ahead of the one being written (default 4): hides the round trips. */
  readonly readAhead?: number;
  /** Where the plaintext is hashed (default here; a block pool's `fileHash` hashes off-thread). */
  readonly fileHash?: FileHash;
}

/**
 * The steps of one restore, for the restore machine (actors/storage/jobs.ts) and
 * {@link restoreFile}: `open`, `block` for each block in order, then `finish` or `abort`.
 */
export class RestoreSession {
  private file: FileHandle | undefined;
  private readonly temp: string;
  private readonly hash: FileHash;
  private offset = 0;
  private hashing = true;
  private readonly ahead = new Map<number, Promise<Uint8Array>>();

  /** One block's plaintext through whichever fetch the options give. */
  private load(block: BlockRecord): Promise<Uint8Array> {
    const { dataKey, version, fetchBlock, fetchShards } = this.options;
    if (fetchBlock) return fetchBlock(block);
    if (!fetchShards) throw new StorageError('ERR_STORAGE_ARGUMENT', 'nothing to fetch blocks');
    return fetchShards(block).then((shards) =>
      decodeBlock(dataKey, version.backupId, version.k, block, shards)
    );
  }

  /** The plaintext of block `index`, fetching it and the next `readAhead` blocks if not yet. */
  private plainOf(index: number): Promise<Uint8Array> {
    const { blocks, readAhead = 4 } = this.options;
    for (let i = index; i < Math.min(blocks.length, index + 1 + readAhead); i++) {
      if (this.ahead.has(i)) continue;
      const p = this.load(blocks[i]!);
      p.catch(() => undefined); // awaited when its turn comes
      this.ahead.set(i, p);
    }
    const mine = this.ahead.get(index)!;
    this.ahead.delete(index);
    return mine;
  }

  constructor(private readonly options: RestoreFileOptions) {
    const { target } = options;
    this.hash = options.fileHash ?? new BlockPool(0).fileHash();
    this.temp = join(
      dirname(target),
      `.${basename(target)}.${randomBytes(6).toString('hex')}.part`
    );
  }

  /** Checks the target and the catalog, opens the temporary file; returns the block count. */
  async open(): Promise<number> {
    const { version, blocks, target } = this.options;
    if (!this.options.overwrite && existsSync(target)) {
      throw new StorageError('ERR_STORAGE_EXISTS', `${target} exists; not overwriting`);
    }
    if (blocks.length !== version.blockCount || blocks.some((b, i) => b.index !== i)) {
      throw new StorageError('ERR_STORAGE_CATALOG', `${version.path}: catalog lacks blocks`);
    }
    this.file = await open(this.temp, 'wx');
    return blocks.length;
  }

  /** Restores block `index` (in order); false when it cannot be recovered. */
  async block(index: number): Promise<boolean> {
    const block = this.options.blocks[index]!;
    const offset = this.offset;
    this.offset += block.plainSize;
    try {
      const plain = await this.plainOf(index);
      await this.file!.write(plain, 0, plain.length, offset);
      // Written: the plaintext moves to the hash (its buffer is ours: decoded for this block).
      if (this.hashing) this.hash.update(plain, true);
      this.options.onBlock?.(index, true);
      return true;
    } catch (err) {
      if (!(err instanceof StorageError)) throw err;
      this.hashing = false; // the file is lost anyway; the error will name the blocks
      this.options.onBlock?.(index, false);
      return false;
    }
  }

  /** Names the lost blocks, or checks the hash and renames the file over the target. */
  async finish(lost: readonly number[]): Promise<void> {
    const { version, target } = this.options;
    if (lost.length > 0) {
      throw StorageError.unrecoverable(lost, `${version.path} version ${version.version}`);
    }
    if (!sameBytes(await this.hash.digest(), version.fileHash)) {
      throw new StorageError('ERR_STORAGE_FILE_HASH', `${version.path} does not match its hash`);
    }
    await this.file!.sync();
    await this.file!.close();
    this.file = undefined;
    await rename(this.temp, target);
  }

  /** Removes the temporary file. */
  async abort(): Promise<void> {
    await this.file?.close().catch(() => undefined);
    this.file = undefined;
    await rm(this.temp, { force: true });
  }
}

/** Restores `version` to `target`; see the module comment for the guarantees. */
export async function restoreFile(options: RestoreFileOptions): Promise<void> {
  const session = new RestoreSession(options);
  const count = await session.open();
  try {
    const lost: number[] = [];
    for (let i = 0; i < count; i++) if (!(await session.block(i))) lost.push(i);
    await session.finish(lost);
  } catch (err) {
    await session.abort();
    throw err;
  }
}
