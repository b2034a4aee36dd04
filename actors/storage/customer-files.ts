/**
 * File operations of the customer: back up a tree (unchanged files skipped, unreadable and
 * vanishing ones reported, the rest continues), restore a tree or a file, list, versions, remove,
 * and the catalog image pushed to the suppliers after every change. A file's backup id is derived
 * from its path, size, mtime and next version number, so a backup interrupted by a crash resumes
 * with the same id and skips every block the suppliers already acknowledged.
 */
import { mkdir, open } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { BackupOutput } from '../../machines/backup/machine.js';
import type { RestoreOutput } from '../../machines/restore/machine.js';
import { pruneImages, pushCatalog } from './catalog-backup.js';
import type { VersionRecord } from './catalog-types.js';
import type { CustomerStorage } from './customer.js';
import { StorageError } from './errors.js';
import { blake2b256, toHex, uninitialized } from './hash.js';
import { sharedBlockPool } from './block-pool.js';
import { BlockFetcher } from './fetch-block.js';
import { runBackup, runRestore } from './jobs.js';
import { effectiveBlockSize } from './pipeline.js';
import { scanTree, type ScanProblem } from './scanner.js';

/**
 * Files backed up or restored at once by default: enough to keep both sides of the pipeline busy
 * with small files (each waits on durable acknowledgements), while the memory in flight stays
 * bounded (a file holds at most its window of blocks and their pieces, about 40 MiB at 4 MiB
 * blocks and a window of 4).
 */
export const PARALLEL_FILES = 4;

/** Progress of a tree job. */
export interface TreeProgress {
  readonly file: string;
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

/** What a tree backup did. */
export interface BackupReport {
  readonly files: number;
  readonly bytes: number;
  readonly unchanged: number;
  /**
   * What the suppliers hold for the versions this backup wrote: every shard of every block, all
   * k + m positions (after compression, sealing and coding).
   */
  readonly storedBytes: number;
  readonly versions: ReadonlyArray<{ path: string; version: number }>;
  readonly problems: readonly ScanProblem[];
  readonly catalogSeq: number | undefined;
}

/** What a tree restore did. */
export interface RestoreReport {
  readonly files: number;
  readonly bytes: number;
  readonly failed: ReadonlyArray<{ path: string; code: string; message: string; lost: number[] }>;
}

const enc = new TextEncoder();

/** Deterministic backup id of the next version of a file (see the module comment). */
export function backupIdFor(path: string, size: number, mtimeMs: number, version: number): string {
  const h = toHex(blake2b256(enc.encode(`${path}\0${size}\0${mtimeMs}\0${version}`)));
  return `b${h.slice(0, 31)}`;
}

/**
 * Counts the bytes a job reads from `source` (at most `cap`, in case the file grew since the scan),
 * so progress moves inside a large file and not only when it ends.
 */
async function* counted(
  source: AsyncIterable<Uint8Array>,
  cap: number,
  onBytes: (n: number) => void
): AsyncIterable<Uint8Array> {
  let n = 0;
  for await (const chunk of source) {
    n += chunk.length;
    onBytes(Math.min(n, cap));
    yield chunk;
  }
}

/**
 * A file in fresh buffers of `chunkBytes` (the last one shorter): the reader keeps each one, so a
 * whole block read here is moved on to the block pool without another copy.
 */
export async function* readChunks(path: string, chunkBytes: number): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  try {
    // Sized from the file's length (a small file gets a small buffer); past it, a small probe
    // finds the end (or what a growing file added, read on).
    let left = (await file.stat()).size;
    for (;;) {
      const want = left > 0 ? Math.min(chunkBytes, left) : Math.min(chunkBytes, 1 << 16);
      // Not zeroed: only the bytes read are ever handed on (whole, or the read part copied).
      const buf = uninitialized(want);
      let fill = 0;
      while (fill < want) {
        const { bytesRead } = await file.read(buf, fill, want - fill, null);
        if (bytesRead === 0) break;
        fill += bytesRead;
      }
      left -= fill;
      if (fill > 0) yield fill === want ? buf : buf.slice(0, fill);
      if (fill < want) return;
    }
  } finally {
    await file.close();
  }
}

/** Sum of a map's values. */
const sum = (m: ReadonlyMap<unknown, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** Runs `fn` over `items`, at most `width` at once, in order of start. */
export async function pool<T>(items: readonly T[], width: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, width) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

const kind = (code: string): ScanProblem['kind'] =>
  code === 'ENOENT' || code === 'ENOTDIR'
    ? 'vanished'
    : code === 'EACCES' || code === 'EPERM' || code === 'EISDIR' || code === 'EIO'
      ? 'unreadable'
      : 'failed';

/** ERR_STORAGE_CANCELLED once `signal` is aborted. */
function checkCancel(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new StorageError('ERR_STORAGE_CANCELLED', `${what} cancelled`);
}

/** `source`, failing with ERR_STORAGE_CANCELLED at its next piece once `signal` is aborted. */
async function* cancellable<T>(source: AsyncIterable<T>, signal: AbortSignal | undefined) {
  for await (const piece of source) {
    checkCancel(signal, 'backup');
    yield piece;
  }
}

/**
 * Backs up every regular file under `root`; see the module comment. Once `signal` is aborted no
 * file is started and the files in flight stop at their next read (their acknowledged blocks stay
 * staged, so a later backup resumes them); what was committed is kept (the catalog image is
 * pushed), and the backup throws ERR_STORAGE_CANCELLED.
 */
export async function backupTree(
  c: CustomerStorage,
  root: string,
  onProgress?: (p: TreeProgress) => void,
  signal?: AbortSignal
): Promise<BackupReport> {
  const { files, problems } = await scanTree(root);
  const bytesTotal = files.reduce((n, f) => n + f.size, 0);
  const found: ScanProblem[] = [...problems];
  const versions: { path: string; version: number }[] = [];
  const pruned: string[] = [];
  let filesDone = 0;
  let bytesDone = 0;
  let unchanged = 0;
  let storedBytes = 0;
  // Bytes read so far of the files in flight: progress is monotonic because each is ≤ its size.
  const reading = new Map<string, number>();
  const report = (file: string) =>
    onProgress?.({
      file,
      filesDone,
      filesTotal: files.length,
      bytesDone: bytesDone + sum(reading),
      bytesTotal
    });
  const o = c.options;
  const blockSize = effectiveBlockSize(c.k, o.blockSize, o.maxShardBytes);
  await pool(files, o.parallelFiles ?? PARALLEL_FILES, async (f) => {
    if (signal?.aborted) return;
    const known = await c.catalog.versions(f.path);
    const last = known.at(-1);
    if (last && last.size === f.size && last.mtimeMs === f.mtimeMs) {
      unchanged++;
    } else {
      const next = (last?.version ?? 0) + 1;
      const backupId = backupIdFor(f.path, f.size, f.mtimeMs, next);
      const out: BackupOutput = await runBackup({
        client: o.client,
        catalog: c.catalog,
        dataKey: o.dataKey,
        suppliers: c.jobSuppliers(),
        clock: o.clock,
        onShard: (p, e, key) => c.onShard(p, e, key),
        run: (logic, input) => c.runJob('backup', logic, input),
        path: f.path,
        backupId,
        source: () =>
          counted(
            cancellable(o.openFile?.(f.path) ?? readChunks(f.path, blockSize), signal),
            f.size,
            (n) => {
              reading.set(f.path, n);
              report(f.path);
            }
          ),
        sourceOwned: o.openFile === undefined,
        mtimeMs: f.mtimeMs,
        k: c.k,
        m: c.m,
        ...(o.blockSize !== undefined ? { blockSize: o.blockSize } : {}),
        ...(o.maxShardBytes !== undefined ? { maxShardBytes: o.maxShardBytes } : {}),
        ...(o.compression !== undefined ? { compression: o.compression } : {}),
        minAcks: c.k + c.m - Math.floor(c.m / 2),
        window: o.window ?? 4
      });
      if (out.ok) {
        versions.push({ path: f.path, version: out.version });
        pruned.push(...out.pruned);
        for (const b of await c.catalog.blocks(backupId))
          storedBytes += b.shardSize * b.shards.length;
      } else {
        found.push({ path: f.path, kind: kind(out.code), detail: `${out.code}: ${out.message}` });
      }
    }
    reading.delete(f.path);
    filesDone++;
    bytesDone += f.size;
    report(f.path);
  });
  await deleteBackups(c, pruned);
  const catalogSeq = versions.length > 0 || pruned.length > 0 ? await saveCatalog(c) : undefined;
  if (catalogSeq !== undefined) c.refreshRedundancy();
  checkCancel(signal, `backup (${versions.length} files committed before)`);
  return {
    files: versions.length,
    bytes: bytesDone,
    unchanged,
    storedBytes,
    versions,
    problems: found,
    catalogSeq
  };
}

/** Pushes a new catalog image to the suppliers and drops the ones before the previous one. */
export async function saveCatalog(c: CustomerStorage): Promise<number> {
  const seq = ((await c.local.get<number>('image-seq')) ?? 0) + 1;
  const suppliers = c.suppliers();
  const o = c.options;
  await pushCatalog({
    client: o.client,
    catalog: c.catalog,
    dataKey: o.dataKey,
    suppliers,
    k: c.k,
    m: c.m,
    seq,
    ...(o.maxShardBytes !== undefined ? { maxShardBytes: o.maxShardBytes } : {})
  });
  await c.local.put('image-seq', seq, { durable: true });
  await pruneImages(o.client, suppliers, seq - 1);
  return seq;
}

/** Deletes the shards of `backupIds` at every supplier (best effort: rebuild never restores them). */
export async function deleteBackups(c: CustomerStorage, backupIds: readonly string[]) {
  if (backupIds.length === 0) return;
  await Promise.allSettled(
    c.suppliers().map(async (s) => {
      if (!s) return;
      for (const id of backupIds) {
        const keys = await c.options.client.listAll(s, `${id}/`);
        if (keys.length > 0) await c.options.client.delete(s, keys);
      }
    })
  );
}

/** Options of {@link restoreTree}. */
export interface RestoreTreeOptions {
  /** A backed-up file or directory (absolute, as backed up). */
  readonly path: string;
  /** Directory to restore into: `<into>/<path relative to path's parent>`. */
  readonly into: string;
  readonly overwrite?: boolean;
  /** A version of a single file; newest otherwise. */
  readonly version?: number;
  readonly onProgress?: (p: TreeProgress) => void;
  /**
   * Once aborted, no file is started, the files in flight fail at their next block (their partial
   * files are removed) and the restore throws ERR_STORAGE_CANCELLED.
   */
  readonly signal?: AbortSignal;
}

/** Restores every file at or under `path`. */
export async function restoreTree(
  c: CustomerStorage,
  o: RestoreTreeOptions
): Promise<RestoreReport> {
  const base = resolve(o.path);
  const all = await Promise.all((await c.catalog.files()).map((f) => c.catalog.version(f.path)));
  const chosen = all.filter((v) => v.path === base || v.path.startsWith(`${base}/`));
  const bytesTotal = chosen.reduce((n, v) => n + v.size, 0);
  const failed: { path: string; code: string; message: string; lost: number[] }[] = [];
  let filesDone = 0;
  let bytesDone = 0;
  // Progress counts every file handled; the report counts only the bytes actually restored.
  let bytesRestored = 0;
  const suppliers = c.suppliers();
  // One fetcher for the whole tree: a supplier found late is asked last for every later file.
  const fetcher = new BlockFetcher({
    client: c.options.client,
    suppliers,
    dataKey: c.options.dataKey,
    clock: c.options.clock,
    pool: sharedBlockPool(),
    onShard: (p, e) => c.onShard(p, e),
    ...(o.signal ? { signal: o.signal } : {})
  });
  const writing = new Map<string, number>();
  const report = (file: string) =>
    o.onProgress?.({
      file,
      filesDone,
      filesTotal: chosen.length,
      bytesDone: bytesDone + sum(writing),
      bytesTotal
    });
  await pool(chosen, c.options.parallelFiles ?? PARALLEL_FILES, async (v: VersionRecord) => {
    if (o.signal?.aborted) return;
    const target = join(o.into, v.path === base ? basename(base) : relative(dirname(base), v.path));
    await mkdir(dirname(target), { recursive: true });
    const out: RestoreOutput = await runRestore({
      client: c.options.client,
      catalog: c.catalog,
      dataKey: c.options.dataKey,
      suppliers,
      clock: c.options.clock,
      onShard: (p, e) => c.onShard(p, e),
      fetcher,
      run: (logic, input) => c.runJob('restore', logic, input),
      path: v.path,
      ...(o.version !== undefined && v.path === base ? { version: o.version } : {}),
      target,
      overwrite: o.overwrite === true,
      onBlock: (index, blockSize) => {
        const bytes = Math.max(0, Math.min(v.size, (index + 1) * blockSize) - index * blockSize);
        writing.set(v.path, Math.min(v.size, (writing.get(v.path) ?? 0) + bytes));
        report(v.path);
      }
    });
    if (!out.ok)
      failed.push({ path: v.path, code: out.code, message: out.message, lost: [...out.lost] });
    else bytesRestored += v.size;
    writing.delete(v.path);
    filesDone++;
    bytesDone += v.size;
    report(v.path);
  });
  checkCancel(o.signal, 'restore');
  return { files: chosen.length - failed.length, bytes: bytesRestored, failed };
}

/** Removes `path` (every version) from the catalog and its shards from the suppliers. */
export async function removeFile(c: CustomerStorage, path: string): Promise<number> {
  const ids = await c.catalog.removeFile(resolve(path));
  await deleteBackups(c, ids);
  await saveCatalog(c);
  c.refreshRedundancy();
  return ids.length;
}
