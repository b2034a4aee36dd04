/**
 * `bitdust backup <path>`, `restore <path> --into <dir> [--overwrite] [--version n]`, `ls`,
 * `versions <path>`, `suppliers`, `rm <path>`: handlers over a {@link StorageBackend} — the
 * running node's REST routes (server/routes/storage.ts) or a customer in this process (progress
 * bars then follow every file). Human units throughout; exit codes from args.ts.
 */
import { resolve } from 'node:path';
import {
  backupTree,
  removeFile,
  restoreTree,
  type BackupReport,
  type RestoreReport,
  type TreeProgress
} from '../../actors/storage/customer-files.js';
import type { CustomerStorage } from '../../actors/storage/customer.js';
import { EXIT } from './args.js';
import type { Io } from './main.js';

/** What the commands need from storage. */
export interface StorageBackend {
  backup(path: string, onProgress?: (p: TreeProgress) => void): Promise<BackupReport>;
  restore(
    o: { path: string; into: string; overwrite?: boolean; version?: number },
    onProgress?: (p: TreeProgress) => void
  ): Promise<RestoreReport>;
  files(): Promise<{ path: string; version: number; size: number; redundancy: string }[]>;
  versions(path: string): Promise<{ version: number; size: number; committedAt: number }[]>;
  suppliers(): Promise<{
    profile: string;
    suppliers: {
      position: number;
      supplierId?: string;
      status: string;
      score?: { passes: number; fails: number };
    }[];
    fired: { position: number; supplierId: string; code: string; reason: string }[];
  }>;
  remove(path: string): Promise<{ removedVersions: number }>;
}

/** The running node's REST routes as a backend; `call` sends one authenticated request. */
export function remoteBackend(
  call: (method: string, path: string, body?: unknown) => Promise<unknown>
): StorageBackend {
  const q = (p: string) => encodeURIComponent(p);
  return {
    backup: async (path) => (await call('POST', '/api/storage/backup', { path })) as BackupReport,
    restore: async (o) => (await call('POST', '/api/storage/restore', o)) as RestoreReport,
    files: async () => ((await call('GET', '/api/storage/files')) as { files: never[] }).files,
    versions: async (path) =>
      ((await call('GET', `/api/storage/versions?path=${q(path)}`)) as { versions: never[] })
        .versions,
    suppliers: async () => (await call('GET', '/api/storage/suppliers')) as never,
    remove: async (path) => (await call('DELETE', `/api/storage/files?path=${q(path)}`)) as never
  };
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function humanBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[u]}`;
}

/** `[#######.............]  35%  350 MiB / 1.0 GiB  12/40 files`. */
export function progressBar(p: TreeProgress, width = 24): string {
  const frac =
    p.bytesTotal > 0
      ? p.bytesDone / p.bytesTotal
      : p.filesTotal > 0
        ? p.filesDone / p.filesTotal
        : 1;
  const fill = Math.round(frac * width);
  const pct = String(Math.round(frac * 100)).padStart(3);
  return `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}%  ${humanBytes(p.bytesDone)} / ${humanBytes(p.bytesTotal)}  ${p.filesDone}/${p.filesTotal} files`;
}

const usage = (io: Io, text: string) => {
  io.err(`usage: bitdust ${text}`);
  return EXIT.usage;
};

/** `bitdust backup <path>`. */
export async function backupCommand(b: StorageBackend, args: string[], io: Io): Promise<number> {
  if (args.length !== 1) return usage(io, 'backup <path>');
  const report = await b.backup(resolve(args[0]!), (p) => io.out(progressBar(p)));
  io.out(
    `backed up ${report.files} files (${humanBytes(report.bytes)}), ${report.unchanged} unchanged`
  );
  for (const p of report.problems) io.err(`  ${p.kind}: ${p.path} (${p.detail})`);
  return report.problems.some((p) => p.kind !== 'skipped') ? EXIT.failure : EXIT.ok;
}

/** `bitdust restore <path> --into <dir> [--overwrite] [--version n]`. */
export async function restoreCommand(b: StorageBackend, args: string[], io: Io): Promise<number> {
  const into = args.indexOf('--into');
  const ver = args.indexOf('--version');
  const values = new Set([into, ver].filter((i) => i >= 0).map((i) => i + 1));
  const path = args.find((a, i) => !a.startsWith('--') && !values.has(i));
  if (!path || into < 0 || !args[into + 1]) {
    return usage(io, 'restore <path> --into <dir> [--overwrite] [--version n]');
  }
  const version = ver >= 0 ? Number(args[ver + 1]) : undefined;
  if (version !== undefined && !(Number.isInteger(version) && version > 0)) {
    return usage(io, 'restore: --version takes a positive integer');
  }
  const report = await b.restore(
    {
      path: resolve(path),
      into: resolve(args[into + 1]!),
      overwrite: args.includes('--overwrite'),
      ...(version !== undefined ? { version } : {})
    },
    (p) => io.out(progressBar(p))
  );
  io.out(`restored ${report.files} files (${humanBytes(report.bytes)})`);
  for (const f of report.failed) io.err(`  ${f.code}: ${f.path}: ${f.message}`);
  return report.failed.length > 0 ? EXIT.failure : EXIT.ok;
}

/** `bitdust ls`. */
export async function lsCommand(b: StorageBackend, _args: string[], io: Io): Promise<number> {
  for (const f of await b.files()) {
    io.out(`${humanBytes(f.size).padStart(10)}  v${f.version}  ${f.path}  (${f.redundancy})`);
  }
  return EXIT.ok;
}

/** `bitdust versions <path>`. */
export async function versionsCommand(b: StorageBackend, args: string[], io: Io): Promise<number> {
  if (args.length !== 1) return usage(io, 'versions <path>');
  for (const v of await b.versions(resolve(args[0]!))) {
    io.out(
      `v${v.version}  ${humanBytes(v.size).padStart(10)}  ${new Date(v.committedAt).toISOString()}`
    );
  }
  return EXIT.ok;
}

/** `bitdust suppliers`. */
export async function suppliersCommand(
  b: StorageBackend,
  _args: string[],
  io: Io
): Promise<number> {
  const s = await b.suppliers();
  io.out(`profile ${s.profile}`);
  for (const p of s.suppliers) {
    const score = p.score ? `  audits ${p.score.passes} passed, ${p.score.fails} failed` : '';
    io.out(
      `  ${String(p.position).padStart(3)}  ${p.status.padEnd(10)} ${p.supplierId ?? '(vacant)'}${score}`
    );
  }
  for (const f of s.fired)
    io.out(`  fired at ${f.position}: ${f.supplierId} — ${f.code}: ${f.reason}`);
  return EXIT.ok;
}

/** `bitdust rm <path>`. */
export async function rmCommand(b: StorageBackend, args: string[], io: Io): Promise<number> {
  if (args.length !== 1) return usage(io, 'rm <path>');
  const { removedVersions } = await b.remove(resolve(args[0]!));
  io.out(`removed ${removedVersions} versions of ${resolve(args[0]!)}`);
  return EXIT.ok;
}

/** A customer in this process as a backend: progress bars follow every file. */
export function localBackend(c: CustomerStorage): StorageBackend {
  return {
    backup: (path, onProgress) => backupTree(c, path, onProgress),
    restore: (o, onProgress) => restoreTree(c, { ...o, ...(onProgress ? { onProgress } : {}) }),
    files: async () => {
      const live = await c.holdings.redundancy(c.catalog, (p) => c.seats()[p]?.status === 'hired');
      const text = new Map(live.map((r) => [r.path, r.text]));
      const all = await Promise.all(
        (await c.catalog.files()).map((f) => c.catalog.version(f.path))
      );
      return all.map((v) => ({
        path: v.path,
        version: v.version,
        size: v.size,
        redundancy: text.get(v.path) ?? 'unknown'
      }));
    },
    versions: (path) => c.catalog.versions(path),
    suppliers: async () => ({
      profile: `rs/${c.k}+${c.m}`,
      suppliers: c.supplierViews(),
      fired: c.fired()
    }),
    remove: async (path) => ({ removedVersions: await removeFile(c, path) })
  };
}
