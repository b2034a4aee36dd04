import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestClock } from '../../actors/clock.js';
import { createInspectionBridge } from '../../actors/inspection/create-inspection-bridge.js';
import { startTestTree } from '../../actors/inspection/fixtures.js';
import { formatValue, InspectorModel } from './model.js';

test('the model follows the bridge: snapshot, state changes, restarts, actors coming and going', () => {
  const bridgeClock = new TestClock();
  const root = startTestTree(new TestClock());
  const bridge = createInspectionBridge({ clock: bridgeClock });
  bridge.attach('n1', root);
  const model = new InspectorModel();
  bridge.subscribe((batch) => model.apply(batch), { snapshot: true });
  const view = model.nodes.get('n1')!;
  assert.equal(view.root, root.sessionId);
  const w = model.children(view, root.sessionId).find((a) => a.id === 'w')!;
  assert.deepEqual(model.restarts(view, w), { restarts: 2, lastExit: 'crash' });

  root.send({ type: 'w.poke' });
  root.send({ type: 'bump' });
  root.send({ type: 'pause' });
  bridgeClock.increment(50);
  assert.equal(view.actors.get(w.sid)!.value, 'working');
  assert.equal(model.restarts(view, w)?.restarts, 3);
  const live = () =>
    model
      .children(view, root.sessionId)
      .filter((a) => a.status === 'active')
      .map((a) => a.id);
  assert.deepEqual(live(), ['w'], 'the invoked listener stopped with its state');
  assert.equal(view.retired.length, 1, 'and stays visible as stopped');
  root.send({ type: 'resume' });
  bridgeClock.increment(50);
  assert.deepEqual(live(), ['w', 'ears']);
  assert.ok(model.definitions.has(view.actors.get(root.sessionId)!.machine!));
  assert.equal(model.labels.get(w.sid), 'w');
  const copy = new InspectorModel();
  copy.apply([...model.definitions.values(), model.toSnapshot()]);
  assert.equal(copy.nodes.get('n1')!.actors.size, view.actors.size);
  root.stop();
  bridgeClock.increment(50);
  assert.equal(view.actors.get(root.sessionId)!.status, 'stopped');
});

test('state values read as one line', () => {
  assert.equal(formatValue('idle'), 'idle');
  assert.equal(formatValue({ running: 'online' }), 'running.online');
  assert.equal(formatValue({ paused: { a: {}, b: {} } }), 'paused.{a, b}');
  assert.equal(formatValue(undefined), '');
});
