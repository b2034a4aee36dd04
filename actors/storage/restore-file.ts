/**
 * Restoring one file version to disk: blocks are fetched and decoded in order, written at their
 * offsets into a temporary file beside the target, the whole plaintext is hashed as it goes, and
 * only a file whose hash matches the catalog is renamed over the target. Blocks that cannot be
 * recovered do not stop the others: the error at the end names all of them, and nothing is left
 * behind.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { BlockRecord, VersionRecord } from './catalog-types.js';
import { StorageError } from './errors.js';
import { Blake2bStream, sameBytes } from './hash.js';
import { decodeBlock } from './pipeline.js';

/** Options of {@link restoreFile}. */
export interface RestoreFileOptions {
  readonly dataKey: Uint8Array;
  readonly version: VersionRecord;
  readonly blocks: readonly BlockRecord[];
  /** The shards of a block at hand, by position (`null` where missing): fastest k are enough. */
  readonly fetchShards: (block: BlockRecord) => Promise<readonly (Uint8Array | null)[]>;
  readonly target: string;
  /** Replace an existing file; otherwise ERR_STORAGE_EXISTS. */
  readonly overwrite?: boolean;
  /** Progress: called after each block with its index and whether it was recovered. */
  readonly onBlock?: (index: number, ok: boolean) => void;
}

/** Restores `version` to `target`; see the module comment for the guarantees. */
export async function restoreFile(options: RestoreFileOptions): Promise<void> {
  const { dataKey, version, blocks, target } = options;
  if (!options.overwrite && existsSync(target)) {
    throw new StorageError('ERR_STORAGE_EXISTS', `${target} exists; not overwriting`);
  }
  if (blocks.length !== version.blockCount) {
    throw new StorageError('ERR_STORAGE_CATALOG', `${version.path}: catalog lacks blocks`);
  }
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.part`);
  const file = await open(temp, 'wx');
  let renamed = false;
  try {
    const hash = new Blake2bStream();
    const failed: number[] = [];
    const causes: unknown[] = [];
    let offset = 0;
    for (const block of blocks) {
      try {
        const shards = await options.fetchShards(block);
        const plain = decodeBlock(dataKey, version.backupId, version.k, block, shards);
        await file.write(plain, 0, plain.length, offset);
        hash.update(plain);
        options.onBlock?.(block.index, true);
      } catch (err) {
        if (!(err instanceof StorageError)) throw err;
        failed.push(block.index);
        causes.push(err);
        options.onBlock?.(block.index, false);
      }
      offset += block.plainSize;
    }
    if (failed.length > 0) {
      throw StorageError.unrecoverable(failed, `${version.path} version ${version.version}`);
    }
    if (!sameBytes(hash.digest(), version.fileHash)) {
      throw new StorageError('ERR_STORAGE_FILE_HASH', `${version.path} does not match its hash`);
    }
    await file.sync();
    await file.close();
    await rename(temp, target);
    renamed = true;
  } finally {
    if (!renamed) {
      await file.close().catch(() => undefined);
      await rm(temp, { force: true });
    }
  }
}
