/**
 * Walks a tree to back up: regular files with their size and mtime, and what could not be read —
 * a directory or file we may not open (`unreadable`) or one that vanished between the listing and
 * the look (`vanished`). Problems are reported, never fatal: the rest of the tree goes on.
 * Symbolic links and special files are skipped (reported as `skipped`). Bounded by `maxEntries`.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';

/** A file to back up. */
export interface ScannedFile {
  readonly path: string;
  /** Path relative to the scanned root, with `/` separators. */
  readonly rel: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Something the scan or the backup could not take. */
export interface ScanProblem {
  readonly path: string;
  readonly kind: 'unreadable' | 'vanished' | 'skipped' | 'failed';
  readonly detail: string;
}

const kindOf = (err: unknown): ScanProblem['kind'] => {
  const code = (err as { code?: string }).code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? 'vanished' : 'unreadable';
};

/** The file-system calls a scan makes (tests race them: an entry that vanishes mid-scan). */
export interface ScanFs {
  lstat: typeof lstat;
  readdir: (path: string) => Promise<string[]>;
}

/** Options of {@link scanTree}. */
export interface ScanOptions {
  readonly maxEntries?: number;
  readonly fs?: ScanFs;
}

/** Lists the regular files under `root` (a file root lists itself). */
export async function scanTree(
  root: string,
  { maxEntries = 1_000_000, fs = { lstat, readdir: (p) => readdir(p) } }: ScanOptions = {}
): Promise<{ files: ScannedFile[]; problems: ScanProblem[] }> {
  const base = resolve(root);
  const files: ScannedFile[] = [];
  const problems: ScanProblem[] = [];
  const stack: string[] = [base];
  let seen = 0;
  while (stack.length > 0 && seen < maxEntries) {
    const path = stack.pop()!;
    seen++;
    let st;
    try {
      st = await fs.lstat(path);
    } catch (err) {
      problems.push({ path, kind: kindOf(err), detail: (err as Error).message });
      continue;
    }
    if (st.isDirectory()) {
      try {
        const names = await fs.readdir(path);
        for (const name of names.sort().reverse()) stack.push(join(path, name));
      } catch (err) {
        problems.push({ path, kind: kindOf(err), detail: (err as Error).message });
      }
    } else if (st.isFile()) {
      const rel = relative(base, path).split('\\').join('/') || (path.split('/').pop() ?? path);
      files.push({ path, rel, size: st.size, mtimeMs: Math.floor(st.mtimeMs) });
    } else {
      problems.push({ path, kind: 'skipped', detail: 'not a regular file' });
    }
  }
  if (stack.length > 0) {
    problems.push({ path: base, kind: 'skipped', detail: `more than ${maxEntries} entries` });
  }
  return { files, problems };
}
