import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as elkBundled from 'elkjs/lib/elk.bundled.js';
import { serializeMachine } from '../../../actors/inspection/serialize-machine.js';
import { rootMachine } from '../../../actors/inspection/fixtures.js';
import { handshakeMachine } from '../../../machines/handshake/machine.js';
import { activeStateIds } from './active.js';
import { machineGraph, transitionLabel } from './graph.js';
import { ChartLayouts, type Layouter } from './layout.js';

/** elkjs in-process (its fake worker): the same layout code the page runs in a Web Worker. */
type Elk = new () => { layout(graph: unknown): Promise<unknown> };
const ELK = (elkBundled as unknown as { default: Elk & { default?: Elk } }).default;
const elk = new (ELK.default ?? ELK)();
const inProcess: Layouter = { layout: (g) => elk.layout(g) as ReturnType<Layouter['layout']> };

test('a machine with compound, parallel and history states lays out into absolute geometry', async () => {
  const def = serializeMachine(rootMachine);
  const geometry = await new ChartLayouts(inProcess).get(def);
  const ids = geometry.states.map((s) => s.id);
  for (const id of [
    'root',
    'root.booting',
    'root.running.online',
    'root.running.hist',
    'root.paused.a'
  ]) {
    assert.ok(ids.includes(id), id);
  }
  const box = (id: string) => geometry.states.find((s) => s.id === id)!;
  const inside = (c: string, p: string) =>
    box(c).x >= box(p).x &&
    box(c).y >= box(p).y &&
    box(c).x + box(c).w <= box(p).x + box(p).w &&
    box(c).y + box(c).h <= box(p).y + box(p).h;
  assert.ok(inside('root.running.online', 'root.running'), 'children sit inside their parent');
  assert.ok(inside('root.paused.b', 'root.paused'));
  assert.equal(box('root.paused.a').parentType, 'parallel');
  const labels = geometry.edges.map((e) => e.label?.text).filter(Boolean);
  assert.ok(labels.includes('net.drop'));
  assert.ok(labels.includes('after 1 s'), labels.join(', '));
  assert.ok(labels.includes('always [ready]'));
  assert.ok(geometry.initials.length >= 2, 'initial dots of root and running');
  const drop = geometry.edges.find((e) => e.event === 'net.drop')!;
  const end = drop.points.at(-1)!;
  const offline = box('root.running.offline');
  assert.ok(
    Math.abs(end.x - offline.x) <= offline.w + 1 && Math.abs(end.y - offline.y) <= offline.h + 1,
    'edge points are absolute (they end at the target box)'
  );
});

test('the handshake machine: guards and named delays label its transitions', () => {
  const { meta } = machineGraph(serializeMachine(handshakeMachine).root);
  const labels = [...meta.edges.values()].map((e) => e.label);
  assert.ok(labels.includes('always [verifiedPeer]'));
  assert.ok(
    labels.some((l) => l.startsWith('after stepTimeout')),
    labels.join(' | ')
  );
  assert.equal(transitionLabel({ event: 'x', targets: [], delay: 2500 }, 'after'), 'after 2.5 s');
  assert.equal(transitionLabel({ event: 'x', targets: [], delay: 250 }, 'after'), 'after 250 ms');
});

test('active states follow the value, parallel regions included', () => {
  const root = serializeMachine(rootMachine).root;
  assert.deepEqual([...activeStateIds(root, { running: 'offline' })].sort(), [
    'root',
    'root.running',
    'root.running.offline'
  ]);
  assert.deepEqual([...activeStateIds(root, { paused: { a: {}, b: {} } })].sort(), [
    'root',
    'root.paused',
    'root.paused.a',
    'root.paused.b'
  ]);
  assert.deepEqual([...activeStateIds(root, 'nonsense')], ['root']);
});
