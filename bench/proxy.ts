/**
 * Proxy throughput: the same acknowledged, end-to-end encrypted transfer (actors/proxy/transfer.ts)
 * from one node to a supplier over tcp on loopback, direct, through 1 hop and through 3 hops, in
 * one run, every node on its own 127.0.0.x address (all in this one process, so every hop's
 * crypto shares one thread with the ends' unless --workers puts each router in its own worker
 * thread, as separate nodes would be). Targets: 1 hop ≥ 0.6× direct, 3 hops ≥ 0.35×.
 *
 * Run: node --import tsx bench/proxy.ts [--mib 24] [--no-write]
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
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
const CHUNK = 48 * 1024;
const MIB = arg('mib', 24);
const COUNT = Math.ceil((MIB * 2 ** 20) / CHUNK);
const WINDOW = 16;
const WORKERS = process.argv.includes('--workers');

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
      out.push({ info: r.info, stop: async () => {} });
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
      stop: async () => void (await w.terminate())
    });
  }
  return out;
}

async function run(mode: 'direct' | 'nat' | 'privacy'): Promise<number> {
  const net = new ProxyNet();
  const stops: (() => Promise<void>)[] = [];
  try {
    const rs = await routers(net);
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
    await client.put(chunks);
    const seconds = (performance.now() - t0) / 1000;
    if (server.counters.puts < COUNT) throw new Error('transfer incomplete');
    client.close();
    await node.close();
    await supplier.close();
    return (COUNT * CHUNK) / 2 ** 20 / seconds;
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
  const direct = await run('direct');
  const one = await run('nat');
  const three = await run('privacy');
  const fmt = (x: number) => x.toFixed(1);
  const rows = [
    ['direct', fmt(direct), '1.00×', '—'],
    ['1 hop (NAT)', fmt(one), `${(one / direct).toFixed(2)}×`, '≥ 0.6×'],
    ['3 hops (privacy)', fmt(three), `${(three / direct).toFixed(2)}×`, '≥ 0.35×']
  ];
  const body = [
    '## Proxy',
    '',
    `\`bench/proxy.ts\`: ${MIB} MiB in ${CHUNK / 1024} KiB chunks, acknowledged with ${WINDOW} in flight, end-to-end`,
    'Noise inside the circuit, tcp on loopback with every node on its own 127.0.0.x, all in one',
    WORKERS
      ? 'process, each router in its own worker thread (as separate nodes would be).'
      : 'process (one thread carries every hop and both ends).',
    '',
    table(['path', 'MiB/s', 'vs direct', 'target'], rows)
  ].join('\n');
  console.log(body);
  if (!process.argv.includes('--no-write')) writeSection('proxy', body);
}
