import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestClock } from '../../actors/clock.js';
import { createInspectionBridge } from '../../actors/inspection/create-inspection-bridge.js';
import { startTestTree } from '../../actors/inspection/fixtures.js';
import type { InspectMessage } from '../../actors/inspection/types.js';
import { EventLog } from './event-log.js';
import { Metrics } from './metrics.js';
import { InspectorModel } from './model.js';
import { parseTrace, TraceRecorder } from './trace.js';
import { treeRows } from './tree-rows.js';

function watched() {
  const bridgeClock = new TestClock();
  const root = startTestTree(new TestClock());
  const bridge = createInspectionBridge({ clock: bridgeClock });
  bridge.attach('n1', root);
  const model = new InspectorModel();
  const log = new EventLog(50);
  const recorder = new TraceRecorder(5);
  const seen: InspectMessage[] = [];
  bridge.subscribe(
    (batch) => {
      model.apply(batch);
      log.add(batch, model);
      recorder.add(batch);
      seen.push(...batch);
    },
    { snapshot: true }
  );
  return { root, model, log, recorder, seen, flush: () => bridgeClock.increment(50) };
}

test('the log names senders and targets and filters by node, actor and type', () => {
  const { root, log, flush } = watched();
  root.send({ type: 'w.poke' });
  root.send({ type: 'net.drop' });
  flush();
  const poke = log.filter({ type: 'job', eventsOnly: true });
  assert.equal(poke.length, 1);
  assert.equal(poke[0]!.fromName, 'root');
  assert.equal(poke[0]!.toName, 'w');
  assert.equal(log.filter({ actor: root.sessionId, eventsOnly: true }).length >= 3, true);
  assert.ok(
    log
      .filter({ type: 'net.drop' })
      .some((e) => e.kind === 'state' && e.value === 'running.offline')
  );
  assert.equal(log.filter({ node: 'other' }).length, 0);
});

test('tree rows: search keeps the path to a match; collapsing hides children; thousands scale', () => {
  const { model, root, flush } = watched();
  for (let i = 0; i < 2000; i++) root.send({ type: 'hire' });
  flush();
  const all = treeRows(model, { search: '', status: '', collapsed: new Set() });
  assert.ok(all.length > 2000);
  const found = treeRows(model, { search: 'extra-1999', status: '', collapsed: new Set() });
  assert.deepEqual(
    found.map((r) => r.actor?.id ?? r.node),
    ['n1', root.sessionId, 'extra-1999']
  );
  const collapsed = treeRows(model, { search: '', status: '', collapsed: new Set(['n1']) });
  assert.equal(collapsed.length, 1);
  const metrics = new Metrics();
  assert.equal(metrics.read(model, 0)[0]!.actors > 2000, true);
});

test('a saved trace replays to the same picture, however small the window', () => {
  const { root, model, recorder, flush } = watched();
  for (let i = 0; i < 4; i++) root.send({ type: i % 2 ? 'net.drop' : 'hire' });
  root.send({ type: 'bump' });
  flush();
  const file = parseTrace(JSON.stringify(recorder.save()));
  const replay = new InspectorModel();
  replay.apply(file.messages);
  const view = (m: InspectorModel) =>
    [...m.nodes.get('n1')!.actors.values()].map((a) => [a.id, a.status, a.value, a.supervision]);
  assert.deepEqual(view(replay), view(model));
  assert.throws(() => parseTrace('{"format":"other"}'), /not a trace/);
  assert.throws(() => parseTrace('nope'), /not JSON/);
});
