/**
 * Storage benchmark: back up and restore 1 GiB of mixed files on an in-process devnet of real
 * nodes (LMDB, Noise sessions, router, the WASM coder) with 14 suppliers at 10+4 and one spare,
 * then the time to rebuild one lost supplier's shards on its replacement; in the same run, restic
 * (Debian package, local repository) backing up and restoring the same tree. Figures are MB/s of
 * file data; the targets are ratios to restic's in this run. Before the timed runs the customer
 * backs up and restores a 64 MiB tree of its own (JIT warm-up, as on a node that has been running).
 * After the node, the same tree goes through the storage path's required work with no node around
 * it (support/storage-floor.ts), so the report shows how much of the gap to restic is the node's
 * and how much is the work itself.
 * Run: node --import tsx --expose-gc bench/storage.ts [MiB, default 1024]; or BENCH_STORAGE_MIB=128
 * for a quick run (the recorded figure is 1 GiB).
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupTree, restoreTree } from '../actors/storage/customer-files.js';
import { diffTrees, makeTree } from '../test/support/storage-data.js';
import { storageDevnet } from '../test/support/storage-devnet.js';
import { table, writeSection } from './report.js';
import { openStorageFloor, type FloorMode } from './support/storage-floor.js';

const MiB = 1024 * 1024;
const size = Number(process.argv[2] ?? process.env.BENCH_STORAGE_MIB ?? 1024) * MiB;
const now = () => Number(process.hrtime.bigint()) / 1e9;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const mbps = (bytes: number, s: number) => bytes / 1e6 / s;

/** CPU seconds of this process (all threads) and of its waited-for children (restic). */
function cpu(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    children = (Number(f[13]) + Number(f[14])) / 100; // cutime + cstime, in clock ticks
  } catch {
    // not Linux: children's CPU is left out
  }
  return (own.user + own.system) / 1e6 + children;
}
/**
 * The event loop's own scheduling (Linux /proc/thread-self/schedstat): seconds on a core, and
 * seconds it was ready to run but waited for one (every thread of the process shares 2 cores).
 */
function loop(): { run: number; wait: number } {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return { run: run! / 1e9, wait: wait! / 1e9 };
  } catch {
    return { run: NaN, wait: NaN };
  }
}
/**
 * Writes and deletes 2 GiB of page cache, so the operation timed next finds that much freshly
 * freed memory. On a VM that hands free memory back to its host (as this one does, within about
 * 20 s), the first touch of a page costs ~2.5 ms per MB of kernel time, against ~0.3 for a page
 * freed just before: without this, whichever tool runs right after the other deletes a tree pays
 * far less for its writes (LMDB maps, repository, restored files) than the one before it.
 */
function warmPages(dir: string): void {
  const path = join(dir, 'warm-pages.bin');
  const chunk = Buffer.alloc(4 * MiB);
  const fd = openSync(path, 'w');
  try {
    for (let i = 0; i < 512; i++) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}
const cpuOf: number[] = [];
const loopOf: { run: number; wait: number }[] = [];

async function timed<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  gc();
  const t0 = now();
  const c0 = cpu();
  const l0 = loop();
  const out = await fn();
  cpuOf.push(cpu() - c0);
  const l1 = loop();
  loopOf.push({ run: l1.run - l0.run, wait: l1.wait - l0.wait });
  return [out, now() - t0];
}

const base = mkdtempSync(join(tmpdir(), 'bd-bench-storage-'));
const src = join(base, 'src');
const net = await storageDevnet({
  suppliers: 15,
  k: 10,
  m: 4,
  policy: () => ({ capacityBytes: 8192 * MiB, maxCustomerBytes: 4096 * MiB }),
  // Default parallelism (4 files, 4 blocks in flight each); a long timeout for 1 GiB in flight.
  customer: { neededBytes: 1024 * MiB, timeoutMs: 60_000 },
  baseDir: join(base, 'devnet')
});
let stopped = false;
try {
  makeTree(src, size, 4242);
  await net.ready({ rebuilt: true });
  const c = net.customer();
  // The node has been running: a small tree of its own is backed up and restored first, so the
  // timed runs measure the storage path compiled, not V8 compiling it (restic is compiled Go).
  const warm = join(base, 'warm-up');
  makeTree(join(warm, 'src'), 64 * MiB, 99);
  await backupTree(c, join(warm, 'src'));
  await restoreTree(c, { path: join(warm, 'src'), into: join(warm, 'out') });
  rmSync(warm, { recursive: true, force: true });
  warmPages(base);
  const [backup, tBackup] = await timed(() => backupTree(c, src));
  if (backup.problems.length > 0) throw new Error(JSON.stringify(backup.problems.slice(0, 3)));
  const out = join(base, 'out');
  warmPages(base);
  const [restore, tRestore] = await timed(() => restoreTree(c, { path: src, into: out }));
  if (restore.failed.length > 0) throw new Error(JSON.stringify(restore.failed.slice(0, 3)));
  if (diffTrees(src, join(out, 'src')).length > 0) throw new Error('restore differs');
  rmSync(out, { recursive: true, force: true });

  // One supplier lost for good: fire it at once (no offline wait), time hire + rebuild.
  const lost = c.seats()[3]!.supplierId!;
  net.kill(net.suppliers.findIndex((s) => s.id === lost));
  const before = c.rebuilds.length;
  const [, tRebuild] = await timed(async () => {
    c.fire(3, 'bench: supplier lost');
    await net.firedAtLeast(1);
    await net.ready({ rebuilt: true, timeoutMs: 600_000 });
  });
  const rebuilt = c.rebuilds.slice(before).find((r) => r.ok && r.sent > 0);
  const shardBytes = rebuilt?.ok ? rebuilt.sent : 0;
  // Nothing of the node runs while the floor and restic are timed.
  stopped = true;
  await net.stop();

  // The same tree through the required work alone, in three scopes (support/storage-floor.ts).
  const floors: { mode: FloorMode; backup: number; restore: number; cpu: [number, number] }[] = [];
  for (const mode of ['full', 'no-links', 'customer-only'] as const) {
    const dir = join(base, `floor-${mode}`);
    const floor = await openStorageFloor(dir, mode, { k: 10, m: 4, parallelFiles: 4, window: 4 });
    try {
      warmPages(base);
      const [, tb] = await timed(() => floor.backup(src));
      warmPages(base);
      const [, tr] = await timed(() => floor.restore(join(dir, 'out')));
      if (diffTrees(src, join(dir, 'out')).length > 0) throw new Error(`${mode} restore differs`);
      const [cb, cr] = cpuOf.slice(-2) as [number, number];
      floors.push({ mode, backup: tb, restore: tr, cpu: [cb, cr] });
    } finally {
      await floor.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // restic on the same tree, local repository, same machine, same run.
  if (!existsSync('/usr/bin/restic')) throw new Error('restic is missing: apt-get install restic');
  const repo = join(base, 'restic-repo');
  const env = { ...process.env, RESTIC_PASSWORD: 'bench', RESTIC_CACHE_DIR: join(base, 'rc') };
  const restic = (...args: string[]) =>
    execFileSync('/usr/bin/restic', ['--repo', repo, '--quiet', ...args], { env, stdio: 'pipe' });
  restic('init');
  warmPages(base);
  const [, tResticBackup] = await timed(() => restic('backup', src));
  const rout = join(base, 'restic-out');
  mkdirSync(rout);
  warmPages(base);
  const [, tResticRestore] = await timed(() => restic('restore', 'latest', '--target', rout));
  const [resticBackupCpu, resticRestoreCpu] = cpuOf.slice(-2) as [number, number];

  const rows = [
    ['backup', mbps(size, tBackup).toFixed(1), mbps(size, tResticBackup).toFixed(1)],
    ['restore', mbps(size, tRestore).toFixed(1), mbps(size, tResticRestore).toFixed(1)]
  ].map(([op, ours, theirs]) => [op!, ours!, theirs!, (Number(ours) / Number(theirs)).toFixed(2)]);
  const scope: Record<FloorMode, string> = {
    full: 'customer, Noise links, 14 suppliers',
    'no-links': 'customer, 14 suppliers, no links',
    'customer-only': "customer only (pieces kept in memory: restic's scope)"
  };
  const cores = availableParallelism();
  // The ratio a run would reach if its CPU time were spread over every core for its whole length.
  const bound = (cpuSeconds: number, restic: number) => (restic / (cpuSeconds / cores)).toFixed(2);
  const floorRows = [
    ['BitDust node (above)', tBackup, tRestore, cpuOf[0]!, cpuOf[1]!] as const,
    ...floors.map((f) => [scope[f.mode], f.backup, f.restore, f.cpu[0], f.cpu[1]] as const)
  ].map(([what, tb, tr, cb, cr]) => [
    what,
    `${mbps(size, tb).toFixed(0)} (${(tResticBackup / tb).toFixed(2)}×)`,
    `${mbps(size, tr).toFixed(0)} (${(tResticRestore / tr).toFixed(2)}×)`,
    `${cb.toFixed(1)} / ${cr.toFixed(1)}`,
    `${bound(cb, tResticBackup)}× / ${bound(cr, tResticRestore)}×`
  ]);
  const body = [
    `### Storage: ${size / MiB} MiB of mixed files, 10+4 over 14 suppliers (in-process devnet)`,
    '',
    table(['operation', 'BitDust MB/s', 'restic MB/s', 'ratio (target ≥ 1.0)'], rows),
    '',
    `Rebuild of one lost supplier's shards (fire, hire, list, fetch k, reconstruct, send): ` +
      `${tRebuild.toFixed(1)} s for ${shardBytes} shards.`,
    '',
    `CPU seconds (all threads): BitDust backup ${cpuOf[0]!.toFixed(1)}, restore ` +
      `${cpuOf[1]!.toFixed(1)}; restic backup ${resticBackupCpu.toFixed(1)}, restore ` +
      `${resticRestoreCpu.toFixed(1)} (the devnet's suppliers run in the same process). The event ` +
      `loop (customer and all 14 suppliers) ran ${loopOf[0]!.run.toFixed(1)} s of the backup's ` +
      `${tBackup.toFixed(1)} s and waited ${loopOf[0]!.wait.toFixed(1)} s for a core; restore ` +
      `${loopOf[1]!.run.toFixed(1)} s of ${tRestore.toFixed(1)} s, waiting ` +
      `${loopOf[1]!.wait.toFixed(1)} s.`,
    '',
    'BitDust: blocks compressed where a sample shows it pays (compression auto), every shard',
    "through a Noise session and the router, acknowledged only once durable in the supplier's",
    'LMDB, shards as large as one router frame allows. restic: local repository, default',
    'settings (compression auto, deduplication), same tree, same run. The tree is half random',
    'files, half text and zeros. Each timed run starts right after 2 GiB of page cache was',
    "written and freed, so none pays this VM's first-touch cost for fresh memory. Before them",
    'the customer backed up and restored a 64 MiB tree of its own (JIT warm-up, as on a node',
    'that has been running; restic is compiled ahead of time).',
    '',
    '#### The required work alone',
    '',
    'The same tree through only the work the design requires, driven by a plain loop with no',
    'node around it (bench/support/storage-floor.ts: the block pool, Noise sessions and',
    'fragment-sized frames, the supplier stores on LMDB; no router, XState, DHT or catalog).',
    'MB/s with the ratio to restic in this run; the last column is the ratio each run would',
    `reach if its CPU time were spread over all ${cores} cores for its whole length.`,
    '',
    table(
      ['run', 'backup MB/s', 'restore MB/s', 'CPU-s backup / restore', 'CPU-bound ratio'],
      [
        ...floorRows,
        [
          'restic',
          `${mbps(size, tResticBackup).toFixed(0)} (1.00×)`,
          `${mbps(size, tResticRestore).toFixed(0)} (1.00×)`,
          `${resticBackupCpu.toFixed(1)} / ${resticRestoreCpu.toFixed(1)}`,
          `${bound(resticBackupCpu, tResticBackup)}× / ${bound(resticRestoreCpu, tResticRestore)}×`
        ]
      ]
    )
  ].join('\n');
  console.log(body);
  writeSection('storage', body);
} finally {
  if (!stopped) await net.stop();
  rmSync(base, { recursive: true, force: true });
}
