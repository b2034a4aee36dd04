/**
 * Proxy throughput: the same acknowledged, end-to-end encrypted transfer (actors/proxy/transfer.ts)
 * from one node to a supplier over tcp on loopback, direct, through 1 hop and through 3 hops, in
 * one run, every node on its own 127.0.0.x address. Targets: 1 hop ≥ 0.6× direct, 3 hops ≥ 0.35×.
 * Rounds interleave the three paths; each path reports its median, each ratio the median of the
 * rounds' own ratios, because one short run on a shared machine swings by ±30 % or more.
 *
 * Which configuration this measures, and why: by default every node runs in this one thread, so
 * each hop's layer crypto is paid on the same CPU as both ends' — the pessimistic case, where the
 * ratio is bounded by CPU work per byte (a hop decrypts a layer and the builder seals one more,
 * about as much as the whole direct transfer's crypto). Real routers are separate nodes with their
 * own CPUs; `--workers` puts each router in its own worker thread to model that, while the two
 * ends stay together in this thread in every mode (so the direct baseline is measured the same
 * way), and the direct run starts no routers at all. On a 2-core machine the workers compete with
 * the ends for the same two cores, so there they do not model separate machines either; the
 * default is the figure the benchmarks page reports. See docs/proxy.md, "Throughput".
 *
 * Run: node --import tsx bench/proxy.ts [--mib 64] [--rounds 3] [--chunk 48] [--window 16]
 *      [--workers] [--cpu] [--no-write] [--paths direct,nat,privacy] [--prof DIR]   (--cpu prints, per run, process CPU / wall time, each
 *      thread's CPU / wall time and the event-loop utilisation of the main thread and each router)
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session as Inspector } from 'node:inspector/promises';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { generateKeyPair } from '../actors/crypto/primitives.js';
import {
  createProxyTransport,
  serveTransfers,
  staticDirectory,
  TransferClient
} from '../actors/proxy/index.js';
import { createProxyRouter } from '../actors/proxy/router-node.js';
import { createTcpTransport } from '../actors/transports/tcp.js';
import { ProxyNet } from '../actors/proxy/test-kit.js';
import { table, writeSection } from './report.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const CHUNK = arg('chunk', 48) * 1024;
const MIB = arg('mib', 64);
const COUNT = Math.ceil((MIB * 2 ** 20) / CHUNK);
const WINDOW = arg('window', 16);
const WORKERS = process.argv.includes('--workers');
const ROUNDS = arg('rounds', 3);
/** `--paths nat` runs only the paths named (comma-separated), e.g. to profile one of them. */
const PATHS = (() => {
  const i = process.argv.indexOf('--paths');
  const all = ['direct', 'nat', 'privacy'] as const;
  if (i < 0) return [...all];
  const want = String(process.argv[i + 1]).split(',');
  return all.filter((m) => want.includes(m));
})();

/** CPU ticks (user + system) of every thread of this process, by thread name and id (Linux). */
function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(`${name}#${tid}`, Number(f[11]) + Number(f[12]));
    }
  } catch {
    /* not Linux: no per-thread figures */
  }
  return out;
}

/**
 * With `--prof DIR`, a CPU profile of this thread over the timed transfer only (not the set-up or
 * the chunks' generation), written to DIR/<path>-<n>.cpuprofile: open it in Chrome's DevTools.
 */
async function startProfile(mode: string): Promise<(() => Promise<void>) | null> {
  const i = process.argv.indexOf('--prof');
  if (i < 0) return null;
  const inspector = new Inspector();
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 200 });
  await inspector.post('Profiler.start');
  return async () => {
    const { profile } = await inspector.post('Profiler.stop');
    const file = `${process.argv[i + 1]}/${mode}-${Date.now()}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    inspector.disconnect();
  };
}

/** A router in a worker thread: posts its address and Noise key, runs until terminated. */
async function routerWorker(host: string): Promise<void> {
  const transport = await createTcpTransport({ host });
  const keys = generateKeyPair();
  createProxyRouter({ transport, staticKeyPair: keys });
  parentPort?.postMessage({ address: transport.address, noiseKey: Buffer.from(keys.publicKey) });
}

async function routers(net: ProxyNet) {
  if (!WORKERS) {
    const out = [];
    for (let i = 0; i < 3; i++) {
      const r = await net.router(`127.0.0.${20 + i}`);
      r.transport.record = false;
      out.push({ info: r.info, stop: async () => {}, elu: undefined });
    }
    return out;
  }
  const out = [];
  for (let i = 0; i < 3; i++) {
    // Node 20 does not apply `--import tsx` to a worker's .ts entry: a JS entry registers tsx.
    const entry = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const w = new Worker(entry, { eval: true, workerData: { host: `127.0.0.${20 + i}` } });
    const [m] = (await once(w, 'message')) as [{ address: string; noiseKey: Uint8Array }];
    out.push({
      info: { address: m.address, noiseKey: new Uint8Array(m.noiseKey) },
      stop: async () => void (await w.terminate()),
      elu: (since?: EventLoopUtilization) => w.performance.eventLoopUtilization(since)
    });
  }
  return out;
}

/** One timed transfer: MiB per second of wall time, and per second of the process's CPU time. */
interface Run {
  wall: number;
  cpu: number;
}

async function run(mode: 'direct' | 'nat' | 'privacy'): Promise<Run> {
  const net = new ProxyNet();
  const stops: (() => Promise<void>)[] = [];
  try {
    // The direct path uses no router: none runs (with --workers, no idle threads beside it).
    const rs = mode === 'direct' ? [] : await routers(net);
    stops.push(...rs.map((r) => r.stop));
    const keys = generateKeyPair();
    const supplierBase = await net.endpoint('127.0.0.30');
    supplierBase.record = false;
    const supplier = createProxyTransport({ base: supplierBase, mode: 'direct' });
    const server = serveTransfers(supplier, keys);
    const base = await net.endpoint('127.0.0.31');
    base.record = false;
    const node = createProxyTransport({
      base,
      mode,
      directory: staticDirectory(rs.map((r) => r.info)),
      timing: { pingIntervalMs: 60_000 }
    });
    await node.whenReady();
    const client = new TransferClient(node, supplier.address, keys.publicKey, {
      timeoutMs: 10_000,
      window: WINDOW
    });
    await client.open();
    const chunks = Array.from({ length: COUNT }, () => randomBytes(CHUNK));
    await client.put(chunks.slice(0, WINDOW * 2)); // warm-up: connections, JIT
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const ticks0 = threadTicks();
    const elu0 = [performance.eventLoopUtilization(), ...rs.map((r) => r.elu?.())];
    const profile = await startProfile(mode);
    await client.put(chunks);
    await profile?.();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (process.argv.includes('--cpu')) {
      // Event-loop utilisation per thread (main, then each router worker): a thread near 1 is
      // the bottleneck; every thread well below 1 means the path waits rather than computes.
      const elu = [
        performance.eventLoopUtilization(elu0[0]),
        ...rs.map((r, i) => r.elu?.(elu0[i + 1]))
      ].map((e) => (e ? e.utilization.toFixed(2) : '-'));
      // Per-thread CPU share of the wall time (100 ticks/s): main, workers, GC and libuv threads.
      const busy = [...threadTicks()]
        .map(
          ([n, t]) => [n.replace(/#.*/, ''), (t - (ticks0.get(n) ?? 0)) / 100 / seconds] as const
        )
        .filter(([, x]) => x >= 0.02)
        .map(([n, x]) => `${n}=${x.toFixed(2)}`);
      console.error(mode, 'threads', busy.join(' '));
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      console.error(
        mode,
        // MiB per second of the whole process's CPU: what load from elsewhere changes least.
        'MiB/cpu-s',
        ((COUNT * CHUNK) / 2 ** 20 / cpuSeconds).toFixed(1),
        'user/sys s',
        `${(cpu.user / 1e6).toFixed(2)}/${(cpu.system / 1e6).toFixed(2)}`,
        'cpu/wall',
        (cpuSeconds / seconds).toFixed(2),
        'elu main,routers',
        elu.join(' ')
      );
    }
    if (server.counters.puts < COUNT) throw new Error('transfer incomplete');
    client.close();
    await node.close();
    await supplier.close();
    const mib = (COUNT * CHUNK) / 2 ** 20;
    return { wall: mib / seconds, cpu: mib / ((cpu.user + cpu.system) / 1e6) };
  } finally {
    await net.close();
    for (const stop of stops) await stop();
  }
}

if (!isMainThread) {
  await routerWorker((workerData as { host: string }).host);
} else {
  await main();
}

async function main(): Promise<void> {
  // Rounds interleave the three paths, so a burst of load from elsewhere on the machine hits all
  // three alike; each path's figure is its median over the rounds.
  const runs: Record<'direct' | 'nat' | 'privacy', Run[]> = { direct: [], nat: [], privacy: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of PATHS) runs[mode].push(await run(mode));
    console.error(
      `round ${r + 1}: ${PATHS.map((m) => `${m} ${runs[m][r]?.wall.toFixed(1)}`).join(', ')} MiB/s` +
        ` (per CPU-second: ${PATHS.map((m) => runs[m][r]?.cpu.toFixed(1)).join(', ')})`
    );
  }
  if (PATHS.length < 3) return; // a partial run (profiling) has no ratios to report
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;
  // A ratio compares runs seconds apart within one round; its median over rounds is steadier than
  // a ratio of medians taken from different rounds.
  // The CPU ratio compares work per byte (the whole process's CPU time, GC threads included):
  // what load from elsewhere on a shared machine disturbs far less than wall time.
  const ratio = (xs: Run[], k: keyof Run = 'wall') =>
    median(xs.map((x, r) => x[k] / (runs.direct[r] as Run)[k]));
  const x = (v: number) => `${v.toFixed(2)}×`;
  const fmt = (x: number) => x.toFixed(1);
  const rows = [
    ['direct', fmt(median(runs.direct.map((r) => r.wall))), '1.00×', '1.00×', '—'],
    ...(['nat', 'privacy'] as const).map((m) => [
      m === 'nat' ? '1 hop (NAT)' : '3 hops (privacy)',
      fmt(median(runs[m].map((r) => r.wall))),
      x(ratio(runs[m])),
      x(ratio(runs[m], 'cpu')),
      m === 'nat' ? '≥ 0.6×' : '≥ 0.35×'
    ])
  ];
  const body = [
    '## Proxy',
    '',
    `\`bench/proxy.ts\`: ${MIB} MiB in ${CHUNK / 1024} KiB chunks, acknowledged with ${WINDOW} in flight, end-to-end`,
    `(medians of ${ROUNDS} interleaved rounds; a ratio is the median of the rounds' own ratios)`,
    'Noise inside the circuit, tcp on loopback with every node on its own 127.0.0.x, all in one',
    WORKERS
      ? 'process, each router in its own worker thread (as separate nodes would be).'
      : 'process (one thread carries every hop and both ends).',
    "The CPU column compares MiB per second of the process's CPU time (all its threads): work per",
    'byte, which other load on the machine disturbs far less than the wall-time figures.',
    '',
    table(['path', 'MiB/s', 'vs direct', 'vs direct, per CPU-second', 'target'], rows)
  ].join('\n');
  console.log(body);
  if (!process.argv.includes('--no-write')) writeSection('proxy', body);
}
