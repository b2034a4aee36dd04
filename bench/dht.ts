/**
 * DHT lookup benchmark: a 200-node devnet of routers and DHT nodes on one memory network (5–40 ms
 * per frame, simulated clock), all joined through one seed; then lookups of random existing node
 * ids from random nodes. Reports hops (median, p90) against the target median ≤ log2 N, queries
 * per lookup, simulated latency and CPU time per lookup. Run:
 *   node --import tsx --expose-gc bench/dht.ts
 */
import { performance } from 'node:perf_hooks';
import { drive } from '../actors/router/fixtures.js';
import { dhtDevnet } from '../actors/dht/fixtures.js';
import type { TestClock } from '../actors/clock.js';
import { table, writeSection } from './report.js';

const N = Number(process.env.DHT_NODES ?? 200);
const LOOKUPS = Number(process.env.DHT_LOOKUPS ?? 400);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
};

async function bench(k: number) {
  const net = dhtDevnet(N, { seed: 2024, dht: { k } });
  const clock = net.clock as TestClock;
  const { members, random } = net;
  const run = async <T>(p: Promise<T>): Promise<T> => {
    let out: { v: T } | undefined;
    p.then((v) => (out = { v }));
    if (!(await drive(clock, () => out !== undefined, { stepMs: 5, maxSteps: 20_000 }))) {
      throw new Error('lookup did not finish');
    }
    return (out as { v: T }).v;
  };
  const joinStart = performance.now();
  for (const m of members.slice(1)) await run(m.dht.bootstrap([members[0]!.dht.contact]));
  const joinMs = performance.now() - joinStart;
  (globalThis as { gc?: () => void }).gc?.();

  const hops: number[] = [];
  const queries: number[] = [];
  const latency: number[] = [];
  let found = 0;
  const start = performance.now();
  for (let i = 0; i < LOOKUPS; i++) {
    const from = members[random.int(N)]!;
    const target = members[random.int(N)]!;
    if (from === target) continue;
    const t0 = clock.now();
    const out = await run(from.dht.findNode(target.dht.id));
    latency.push(clock.now() - t0);
    if (out.contact?.id === target.dht.id) found++;
    hops.push(out.hops);
    queries.push(out.queries);
  }
  const cpuMs = (performance.now() - start) / hops.length;
  const tables = members.map((m) => m.dht.table.size);
  await net.network.close();
  return {
    k,
    found: `${found}/${hops.length}`,
    hopsMedian: quantile(hops, 0.5),
    hopsP90: quantile(hops, 0.9),
    queriesMedian: quantile(queries, 0.5),
    latencyMedian: quantile(latency, 0.5),
    latencyP90: quantile(latency, 0.9),
    cpuMs,
    tableMedian: quantile(tables, 0.5),
    joinS: joinMs / 1000
  };
}

const results = [];
for (const k of [20, 8]) {
  const r = await bench(k);
  console.log(r);
  results.push(r);
}
const target = Math.log2(N);
const body = [
  `### DHT lookups (${N}-node devnet)`,
  '',
  `${N} DHT nodes over routers on one memory network (frames delayed 5–40 ms, simulated clock), ` +
    `joined one by one through a single seed; then ${LOOKUPS} find-node lookups of random ` +
    `existing nodes from random nodes, α = 3. Hops = query rounds before the target was known ` +
    `(0: already in the initiator's table; 1: one of the first α queried named it). Latency runs ` +
    `to convergence (the k closest answered), not to first sight. ` +
    `Target: median hops ≤ log2 N = ${target.toFixed(2)}.`,
  '',
  table(
    [
      'k',
      'found',
      'hops median',
      'hops p90',
      'queries median',
      'latency median (sim ms)',
      'latency p90 (sim ms)',
      'CPU ms / lookup',
      'table size median',
      'join all (s)'
    ],
    results.map((r) => [
      r.k,
      r.found,
      r.hopsMedian,
      r.hopsP90,
      r.queriesMedian,
      r.latencyMedian,
      r.latencyP90,
      r.cpuMs.toFixed(2),
      r.tableMedian,
      r.joinS.toFixed(1)
    ])
  ),
  '',
  results.every((r) => r.hopsMedian <= target) ? 'Target met for every k.' : '**Target missed.**'
].join('\n');
writeSection('dht', body);
