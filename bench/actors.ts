/**
 * Actor benchmarks (issue 2): events/s through one machine with and without the inspection bridge
 * listening, and the time and heap to start 10,000 idle per-peer actors under 50 × 200
 * sub-supervisors. Run: `node --import tsx --expose-gc bench/actors.ts`.
 *
 * Targets: ≥ 150,000 events/s with no listener; bridge overhead ≤ 25 %; 10,000 actors in ≤ 1 s at
 * ≤ 4 KiB each. Rates are medians of several rounds; figures are compared within one run.
 */
import { performance } from 'node:perf_hooks';
import { assign, createActor, setup } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { createInspectionBridge } from '../actors/inspection/index.js';
import { childSpec, startSupervisor, stopSupervisor } from '../actors/supervisor/index.js';
import { supervisorSpec } from '../actors/supervisor/index.js';
import type { SupervisorActor } from '../actors/supervisor/index.js';
import { machineNote, table, writeSection } from './report.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

/** A few states and an assign: the shape of most protocol steps. */
const counter = setup({
  types: { context: {} as { n: number }, events: {} as { type: 'tick' } | { type: 'toggle' } }
}).createMachine({
  id: 'counter',
  context: { n: 0 },
  initial: 'on',
  states: {
    on: { on: { tick: { actions: assign({ n: ({ context }) => context.n + 1 }) }, toggle: 'off' } },
    off: { on: { tick: { actions: assign({ n: ({ context }) => context.n - 1 }) }, toggle: 'on' } }
  }
});

/** An idle peer: pings on an `after` timer, accepts `peer.shutdown`. */
const peer = setup({
  types: { input: {} as { id: string }, context: {} as { id: string; pings: number } }
}).createMachine({
  id: 'peer',
  context: ({ input }) => ({ id: input.id, pings: 0 }),
  initial: 'online',
  states: {
    online: {
      after: {
        30_000: {
          target: 'online',
          reenter: true,
          actions: assign({ pings: ({ context }) => context.pings + 1 })
        }
      },
      on: { 'peer.shutdown': 'gone' }
    },
    gone: { type: 'final' }
  },
  output: { reason: 'shutdown' }
});

const EVENTS = 100_000;
const ROUNDS = 9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Mode = 'plain' | 'observer' | 'bridge';

/** Events per second through one actor in one round. */
function round(mode: Mode): number {
  const actor = createActor(counter, { id: 'bench' });
  const bridge = mode === 'bridge' ? createInspectionBridge({ flushMs: 50 }) : null;
  let delivered = 0;
  if (bridge) {
    bridge.attach('bench', actor);
    bridge.subscribe((batch) => (delivered += batch.length));
  }
  // XState's own inspection cost, without any bridge work: a no-op observer.
  if (mode === 'observer') actor.system.inspect(() => {});
  actor.start();
  const tick = { type: 'tick' } as const;
  const toggle = { type: 'toggle' } as const;
  const t0 = performance.now();
  for (let i = 1; i <= EVENTS; i++) {
    actor.send(i % 10 === 0 ? toggle : tick);
    // The bridge flushes on a 50 ms timer; a synchronous loop never yields, so flush here instead.
    if (bridge && i % 5000 === 0) bridge.flush();
  }
  bridge?.flush();
  const ms = performance.now() - t0;
  if (bridge && delivered < EVENTS) throw new Error(`bridge delivered only ${delivered} messages`);
  actor.stop();
  return (EVENTS / ms) * 1000;
}

/** Median events/s per mode; rounds interleave the modes so machine noise hits all of them. */
function eventsPerSecond(): Record<Mode, number> {
  const modes: Mode[] = ['plain', 'observer', 'bridge'];
  for (const m of modes) round(m); // warm-up
  const rates: Record<Mode, number[]> = { plain: [], observer: [], bridge: [] };
  for (let r = 0; r < ROUNDS; r++) for (const m of modes) rates[m].push(round(m));
  return {
    plain: median(rates.plain),
    observer: median(rates.observer),
    bridge: median(rates.bridge)
  };
}

const SUBS = 50;
const PER_SUB = 200;

function peerTree(): SupervisorActor {
  const subs = Array.from({ length: SUBS }, (_, s) =>
    supervisorSpec(`peers.${s}`, {
      intensity: 10,
      children: Array.from({ length: PER_SUB }, (_, p) => {
        const id = `peer.${s}.${p}`;
        return childSpec(id, peer, { input: { id }, restart: 'transient', shutdown: 1000 });
      })
    })
  );
  return startSupervisor({ id: 'bench', children: subs, onError: (e) => console.error(e) });
}

/** Start 10,000 peers under 50 sub-supervisors: time, heap per actor, graceful stop time. */
async function tenThousandPeers() {
  await stopSupervisor(peerTree(), 10_000); // warm-up (JIT), then a clean measurement
  gc!();
  gc!();
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const root = peerTree();
  const startMs = performance.now() - t0;
  gc!();
  gc!();
  const heap1 = process.memoryUsage().heapUsed;
  const subs = Object.values(root.getSnapshot().children as Record<string, AnyActorRef>);
  const live = subs.reduce(
    (n, sub) => n + Object.keys((sub.getSnapshot() as { children: object }).children).length,
    0
  );
  if (live !== SUBS * PER_SUB) throw new Error(`expected ${SUBS * PER_SUB} peers, got ${live}`);
  const t1 = performance.now();
  await stopSupervisor(root, 10_000);
  const stopMs = performance.now() - t1;
  return {
    startMs,
    bytesPerActor: (heap1 - heap0) / live,
    stopMs
  };
}

async function main() {
  const rates = eventsPerSecond();
  const peers = await tenThousandPeers();
  process.exit(report(rates, peers));
}

function report(rates: Record<Mode, number>, peers: Awaited<ReturnType<typeof tenThousandPeers>>) {
  const { plain, observer, bridge: bridged } = rates;
  const overhead = 1 - bridged / plain;
  const fmt = (n: number) => Math.round(n).toLocaleString('en');
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  const ok = (pass: boolean) => (pass ? 'met' : '**missed**');
  const kib = peers.bytesPerActor / 1024;
  const rows: (string | number)[][] = [
    ['events/s, one machine, no listener', fmt(plain), '≥ 150,000', ok(plain >= 150_000)],
    ['events/s, a no-op `system.inspect` observer (XState alone)', fmt(observer), '—', '—'],
    ['events/s, inspection bridge subscribed', fmt(bridged), '—', '—'],
    ['bridge overhead (vs no listener)', pct(overhead), '≤ 25 %', ok(overhead <= 0.25)],
    ['of which XState inspection alone', pct(1 - observer / plain), '—', '—'],
    [
      `start ${SUBS * PER_SUB} idle peers (${SUBS} × ${PER_SUB})`,
      `${peers.startMs.toFixed(0)} ms`,
      '≤ 1 s',
      ok(peers.startMs <= 1000)
    ],
    ['heap per idle peer (after gc)', `${kib.toFixed(2)} KiB`, '≤ 4 KiB', ok(kib <= 4)],
    [`graceful stop of ${SUBS * PER_SUB} peers`, `${peers.stopMs.toFixed(0)} ms`, '—', '—']
  ];
  const body = [
    '## Actors',
    '',
    '`node --import tsx --expose-gc bench/actors.ts`. Events: 100,000 sends (9 ticks with an assign, 1 state change) ' +
      `through one machine, median of ${ROUNDS} interleaved rounds per mode; with the bridge, the real \`createInspectionBridge\` ` +
      '(actors/inspection) attached and one listener subscribed, flushed every 5,000 events (its 50 ms timer cannot fire ' +
      'inside a synchronous loop). Peers: a root supervisor of 50 sub-supervisors × 200 peer machines, each with a ' +
      '30 s `after` ping timer (a real timer); heap delta after gc, divided by the number of peers (it includes the ' +
      'sub-supervisors, the child specs and the records in their contexts).',
    '',
    table(['measure', 'result', 'target', ''], rows),
    '',
    'Why the bridge overhead misses its target: once any `system.inspect` observer exists, XState 5.33 builds ' +
      'and spreads (`{ ...event, rootId }`) an inspection event per relayed event, microstep, action and snapshot; ' +
      'with a no-op observer that alone is the second row (a CPU profile puts ~20 % of the time in ' +
      '`sendInspectionEvent` and ~15 % in GC). The bridge adds its own per-message work on top (NodeTracker ' +
      '`#handle`, Map/Set updates, `readSupervision` on each snapshot). No bridge can get under 25 % on a machine this ' +
      'cheap while XState inspects every step; a heavier machine pays proportionally less.',
    '',
    'The 10,000-peer stop relies on `indexScheduler` (actors/supervisor): XState 5.33 scans every scheduled event ' +
      'of the system whenever an actor stops, which made this stop quadratic (~15 s) before the index.'
  ].join('\n');
  writeSection('actors', body);
  console.log(body);
  console.log(`\n${machineNote()}`);
  return 0;
}

void main();
