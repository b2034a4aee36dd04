/**
 * `bitdust backup <path>`, `restore <path> --into <dir> [--overwrite] [--version n]`, `rebuild`,
 * `ls`, `versions <path>`, `suppliers`, `rm <path>`: handlers over a {@link StorageBackend} — the
 * running node's REST routes (server/routes/storage.ts, jobs followed through their event stream,
 * server/routes/storage-jobs.ts) or a customer in this process. Backup, restore and rebuild show
 * their progress (progress.ts): a bar on a terminal, periodic lines elsewhere. Human units
 * throughout; exit codes from args.ts.
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
import type { RebuildOutput } from '../../machines/rebuild/machine.js';
import { EXIT } from './args.js';
import type { Io } from './main.js';
import { humanBytes, progressLine, progressPrinter, type Progress } from './progress.js';

/** What the commands need from storage. */
export interface StorageBackend {
  backup(path: string, onProgress?: (p: Progress) => void): Promise<BackupReport>;
  restore(
    o: { path: string; into: string; overwrite?: boolean; version?: number },
    onProgress?: (p: Progress) => void
  ): Promise<RestoreReport>;
  rebuild(onProgress?: (p: Progress) => void): Promise<RebuildOutput>;
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
  /** The retention policy; with `keepVersions`, sets it first. */
  retention(keepVersions?: number): Promise<{ keepVersions: number }>;
  /** Jobs the node runs or ran lately (a running node's only). */
  jobs?(): Promise<JobSummary[]>;
  /** Follows job `id` to its end (a running node's only). */
  follow?(id: string, onProgress?: (p: Progress) => void): Promise<unknown>;
  /** Asks job `id` to stop (a running node's only); the job as it is then. */
  cancelJob?(id: string): Promise<JobSummary>;
}

/** A job as `GET /api/storage/jobs` lists it. */
export interface JobSummary {
  readonly id: string;
  readonly kind: 'backup' | 'restore' | 'rebuild';
  readonly state: 'running' | 'done' | 'failed' | 'cancelled';
  readonly cancelling?: boolean;
  readonly progress?: Progress;
  readonly result?: unknown;
  readonly error?: { code: string; message: string };
}

/** One server-sent event. */
export interface StreamEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Splits a text/event-stream into events (comment lines are keep-alives and are skipped). */
export async function* parseEvents(
  chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>
): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of chunks) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) yield { event, data: JSON.parse(data.join('\n')) as unknown };
    }
  }
}

/**
 * The running node's REST routes as a backend; `call` sends one authenticated request. With
 * `events` (an authenticated GET of an event stream), backup, restore and rebuild run as jobs
 * whose progress is followed live; without it they use the routes that answer when done.
 */
export function remoteBackend(
  call: (method: string, path: string, body?: unknown) => Promise<unknown>,
  events?: (path: string) => AsyncIterable<StreamEvent>
): StorageBackend {
  const q = (p: string) => encodeURIComponent(p);
  const job = async <R>(body: object, onProgress?: (p: Progress) => void): Promise<R> => {
    const { job } = (await call('POST', '/api/storage/jobs', body)) as { job: { id: string } };
    return follow<R>(job.id, onProgress);
  };
  const follow = async <R>(id: string, onProgress?: (p: Progress) => void): Promise<R> => {
    const job = { id };
    for await (const e of events!(`/api/storage/jobs/${job.id}/events`)) {
      const data = e.data as { progress?: Progress; result?: R; code?: string; message?: string };
      if (e.event === 'progress' && data.progress) onProgress?.(data.progress);
      else if (e.event === 'done') return data.result as R;
      else if (e.event === 'failed') throw new Error(`${data.code}: ${data.message}`);
    }
    // The stream ended without a verdict (a dropped connection): ask for the job's state.
    const view = (await call('GET', `/api/storage/jobs/${job.id}`)) as {
      state: string;
      result?: R;
      error?: { code: string; message: string };
    };
    if (view.state === 'done') return view.result as R;
    if (view.state === 'failed' || view.state === 'cancelled') {
      throw new Error(`${view.error?.code}: ${view.error?.message}`);
    }
    throw new Error(`job ${job.id} is still running; its event stream ended`);
  };
  return {
    backup: async (path, onProgress) =>
      events
        ? job<BackupReport>({ kind: 'backup', path }, onProgress)
        : ((await call('POST', '/api/storage/backup', { path })) as BackupReport),
    restore: async (o, onProgress) =>
      events
        ? job<RestoreReport>({ kind: 'restore', ...o }, onProgress)
        : ((await call('POST', '/api/storage/restore', o)) as RestoreReport),
    rebuild: async (onProgress) =>
      events
        ? job<RebuildOutput>({ kind: 'rebuild' }, onProgress)
        : ((await call('POST', '/api/storage/rebuild')) as RebuildOutput),
    files: async () => ((await call('GET', '/api/storage/files')) as { files: never[] }).files,
    versions: async (path) =>
      ((await call('GET', `/api/storage/versions?path=${q(path)}`)) as { versions: never[] })
        .versions,
    suppliers: async () => (await call('GET', '/api/storage/suppliers')) as never,
    remove: async (path) => (await call('DELETE', `/api/storage/files?path=${q(path)}`)) as never,
    retention: async (keepVersions) =>
      (await (keepVersions === undefined
        ? call('GET', '/api/storage/policy')
        : call('PUT', '/api/storage/policy', { keepVersions }))) as { keepVersions: number },
    jobs: async () => ((await call('GET', '/api/storage/jobs')) as { jobs: JobSummary[] }).jobs,
    cancelJob: async (id) =>
      ((await call('DELETE', `/api/storage/jobs/${q(id)}`)) as { job: JobSummary }).job,
    ...(events ? { follow: (id: string, on?: (p: Progress) => void) => follow(id, on) } : {})
  };
}

export { humanBytes };

/** Progress to `io`: a redrawn bar on a terminal, plain periodic lines elsewhere. */
function printer(label: string, io: Io) {
  return progressPrinter(label, {
    tty: io.tty === true,
    write: (chunk) => (io.write ? io.write(chunk) : io.out(chunk)),
    line: io.out
  });
}

/** Runs `fn` with a progress printer that is ended whatever happens. */
async function withProgress<T>(
  label: string,
  io: Io,
  fn: (onProgress: (p: Progress) => void) => Promise<T>
): Promise<T> {
  const p = printer(label, io);
  try {
    return await fn((x) => p.update(x));
  } finally {
    p.end();
  }
}

const usage = (io: Io, text: string) => {
  io.err(`usage: bitdust ${text}`);
  return EXIT.usage;
};

/** `bitdust backup <path>`. */
export async function backupCommand(b: StorageBackend, args: string[], io: Io): Promise<number> {
  if (args.length !== 1) return usage(io, 'backup <path>');
  const path = resolve(args[0]!);
  return backupSummary(await withProgress('backup', io, (on) => b.backup(path, on)), io);
}

function backupSummary(report: BackupReport, io: Io): number {
  io.out(
    `backed up ${report.files} files (${humanBytes(report.bytes)}), ${report.unchanged} unchanged, ` +
      `${humanBytes(report.storedBytes)} stored on suppliers`
  );
  for (const p of report.problems) io.err(`  ${p.kind}: ${p.path} (${p.detail})`);
  return report.problems.some((p) => p.kind !== 'skipped') ? EXIT.failure : EXIT.ok;
}

function restoreSummary(report: RestoreReport, io: Io): number {
  io.out(`restored ${report.files} files (${humanBytes(report.bytes)})`);
  for (const f of report.failed) io.err(`  ${f.code}: ${f.path}: ${f.message}`);
  return report.failed.length > 0 ? EXIT.failure : EXIT.ok;
}

function rebuildSummary(out: RebuildOutput, io: Io): number {
  if (!out.ok) {
    io.err(`rebuild failed: ${out.code}: ${out.message}`);
    return EXIT.failure;
  }
  io.out(
    `rebuilt ${out.sent} shards in ${out.blocks} blocks` +
      (out.unsent > 0 ? `, ${out.unsent} not sent (a position did not take them)` : '')
  );
  for (const name of out.lost) io.err(`  lost beyond repair: ${name}`);
  return out.lost.length > 0 || out.unsent > 0 ? EXIT.failure : EXIT.ok;
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
  const options = {
    path: resolve(path),
    into: resolve(args[into + 1]!),
    overwrite: args.includes('--overwrite'),
    ...(version !== undefined ? { version } : {})
  };
  return restoreSummary(await withProgress('restore', io, (on) => b.restore(options, on)), io);
}

/** `bitdust rebuild`: puts back every shard missing at a hired position. */
export async function rebuildCommand(b: StorageBackend, args: string[], io: Io): Promise<number> {
  if (args.length !== 0) return usage(io, 'rebuild');
  return rebuildSummary(await withProgress('rebuild', io, (on) => b.rebuild(on)), io);
}

/**
 * `bitdust jobs` lists the node's storage jobs; `bitdust jobs <id>` follows one to its end (a
 * job outlives the command that started it) and prints its summary; `bitdust jobs cancel <id>`
 * asks a running one to stop (it ends `cancelled` at its next step).
 */
export async function jobsCommand(b: StorageBackend, args: string[], io: Io): Promise<number> {
  const cancelling = args[0] === 'cancel';
  if (cancelling ? args.length !== 2 : args.length > 1) return usage(io, 'jobs [id | cancel <id>]');
  if (!b.jobs || !b.follow || !b.cancelJob) {
    io.err('bitdust: jobs live in a running node');
    return EXIT.notRunning;
  }
  const all = await b.jobs();
  if (cancelling) {
    const known = all.find((j) => j.id === args[1]);
    if (known?.state !== 'running') {
      io.err(
        `bitdust: ${known ? `job ${known.id} has already ended (${known.state})` : `no job ${args[1]}`}`
      );
      return EXIT.failure;
    }
    const job = await b.cancelJob(known.id);
    io.out(`${job.id}  ${job.kind.padEnd(7)}  cancelling (it stops at its next step)`);
    return EXIT.ok;
  }
  if (args.length === 0) {
    for (const j of all) {
      const state =
        j.state === 'failed'
          ? `failed ${j.error?.code}: ${j.error?.message}`
          : j.state === 'cancelled' || j.cancelling
            ? j.state === 'cancelled'
              ? 'cancelled'
              : 'cancelling'
            : j.progress
              ? `${j.state}  ${progressLine('', j.progress, j.progress.elapsedMs ?? 0).trim()}`
              : j.state;
      io.out(`${j.id}  ${j.kind.padEnd(7)}  ${state}`);
    }
    if (all.length === 0) io.out('no storage jobs');
    return EXIT.ok;
  }
  const job = all.find((j) => j.id === args[0]);
  if (!job) {
    io.err(`bitdust: no job ${args[0]}`);
    return EXIT.failure;
  }
  const result = await withProgress(job.kind, io, (on) => b.follow!(job.id, on));
  if (job.kind === 'backup') return backupSummary(result as BackupReport, io);
  if (job.kind === 'restore') return restoreSummary(result as RestoreReport, io);
  return rebuildSummary(result as RebuildOutput, io);
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

/** `bitdust retention [n]`: how many versions of each file are kept; `n` sets it. */
export async function retentionCommand(b: StorageBackend, args: string[], io: Io): Promise<number> {
  const n = args.length === 1 ? Number(args[0]) : undefined;
  if (args.length > 1 || (n !== undefined && !(Number.isInteger(n) && n >= 1 && n <= 10_000))) {
    return usage(io, 'retention [versions to keep, 1 to 10000]');
  }
  const { keepVersions } = await b.retention(n);
  io.out(
    `keeping ${keepVersions} version${keepVersions === 1 ? '' : 's'} of each file` +
      (n !== undefined ? ' (older ones go at the next backup of each file)' : '')
  );
  return EXIT.ok;
}

/** `bitdust rm <path>`. */
export async function rmCommand(b: StorageBackend, args: string[], io: Io): Promise<number> {
  if (args.length !== 1) return usage(io, 'rm <path>');
  const { removedVersions } = await b.remove(resolve(args[0]!));
  io.out(`removed ${removedVersions} versions of ${resolve(args[0]!)}`);
  return EXIT.ok;
}

const fromTree =
  (on?: (p: Progress) => void) =>
  (p: TreeProgress): void =>
    on?.({
      bytesDone: p.bytesDone,
      bytesTotal: p.bytesTotal,
      itemsDone: p.filesDone,
      itemsTotal: p.filesTotal,
      items: 'files',
      current: p.file
    });

/** A customer in this process as a backend: progress follows every file. */
export function localBackend(c: CustomerStorage): StorageBackend {
  return {
    backup: (path, onProgress) => backupTree(c, path, fromTree(onProgress)),
    restore: (o, onProgress) => restoreTree(c, { ...o, onProgress: fromTree(onProgress) }),
    rebuild: (onProgress) =>
      c.rebuild([], (p) =>
        onProgress?.({
          bytesDone: p.bytesDone,
          bytesTotal: p.bytesTotal,
          itemsDone: p.blocksDone,
          itemsTotal: p.blocksTotal,
          items: 'blocks'
        })
      ),
    files: async () => {
      const live = await c.liveRedundancy();
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
    remove: async (path) => ({ removedVersions: await removeFile(c, path) }),
    retention: async (keepVersions) => {
      if (keepVersions !== undefined) await c.catalog.setPolicy({ keepVersions });
      return c.catalog.policy();
    }
  };
}
