import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createActor, type InspectionEvent } from 'xstate';
import { TestClock } from '../clock.js';
import { createInspectionBridge } from './create-inspection-bridge.js';
import { startTestTree, workerMachine } from './fixtures.js';
import { canIntercept, watchInspection } from './intercept.js';
import type { InspectBatch } from './types.js';

type Internal = { _sendInspectionEvent: (ev: InspectionEvent) => void };
const hook = (system: unknown) => system as Internal;

// Pins the XState internal the bridge relies on. If this fails after an XState upgrade, the bridge
// still works (it falls back to system.inspect) but pays XState's full inspection cost again.
test('XState routes every inspection event through system._sendInspectionEvent', () => {
  const actor = createActor(workerMachine, { clock: new TestClock() });
  assert.equal(canIntercept(actor.system), true);
  const seen: InspectionEvent[] = [];
  const original = hook(actor.system)._sendInspectionEvent;
  hook(actor.system)._sendInspectionEvent = (ev) => {
    seen.push(ev);
    original(ev);
  };
  actor.start();
  actor.send({ type: 'job.start' });
  const types = new Set<string>(seen.map((e) => e.type));
  for (const t of ['@xstate.event', '@xstate.snapshot', '@xstate.microstep'])
    assert.ok(types.has(t));
  const micro = seen.find((e) => e.type === '@xstate.microstep' && e.event.type === 'job.start');
  assert.ok(micro && micro.type === '@xstate.microstep');
  assert.equal(micro.actorRef, actor);
  assert.deepEqual((micro.snapshot as unknown as { value: unknown }).value, 'working');
  const [t] = micro._transitions as unknown as {
    source: { id: string };
    target: { id: string }[];
    eventType: string;
  }[];
  assert.deepEqual(
    [t?.source.id, t?.target[0]?.id, t?.eventType],
    ['worker.idle', 'worker.working', 'job.start']
  );
  const sent = seen.find((e) => e.type === '@xstate.event' && e.event.type === 'job.start');
  assert.ok(sent && sent.type === '@xstate.event');
  assert.equal(sent.actorRef, actor);
  assert.equal(sent.sourceRef, undefined);
});

test('an intercepting watch sees events, keeps other observers fed and restores the hook', () => {
  const actor = createActor(workerMachine, { clock: new TestClock() }).start();
  const system = actor.system;
  const original = hook(system)._sendInspectionEvent;
  const others: string[] = [];
  system.inspect((ev) => others.push(ev.type));
  const seen: string[] = [];
  const watch = watchInspection(system, (ev) => seen.push(ev.type));
  assert.equal(watch.route, 'intercept');
  assert.notEqual(hook(system)._sendInspectionEvent, original);
  actor.send({ type: 'job.start' });
  assert.ok(seen.includes('@xstate.event') && seen.includes('@xstate.microstep'));
  assert.deepEqual(others, seen, 'the other observer got the same events');
  watch.unsubscribe();
  assert.equal(hook(system)._sendInspectionEvent, original);
  const before = seen.length;
  actor.send({ type: 'job.done' });
  assert.equal(seen.length, before);
});

test('watches stacked on one system unwind in any order', () => {
  const actor = createActor(workerMachine, { clock: new TestClock() }).start();
  const system = actor.system;
  const original = hook(system)._sendInspectionEvent;
  const a: string[] = [];
  const b: string[] = [];
  const wa = watchInspection(system, (ev) => a.push(ev.type));
  const wb = watchInspection(system, (ev) => b.push(ev.type));
  wa.unsubscribe();
  actor.send({ type: 'job.start' });
  assert.equal(a.length, 0, 'the first watch is a pass-through once ended');
  assert.ok(b.length > 0);
  wb.unsubscribe();
  const before = b.length;
  actor.send({ type: 'job.done' });
  assert.equal(b.length, before);
  assert.notEqual(
    hook(system)._sendInspectionEvent,
    original,
    'the ended watch stays in the chain'
  );
});

test('without the internal hook, a watch falls back to system.inspect', () => {
  const observers = new Set<(ev: InspectionEvent) => void>();
  const system = {
    inspect(fn: (ev: InspectionEvent) => void) {
      observers.add(fn);
      return { unsubscribe: () => observers.delete(fn) };
    }
  };
  assert.equal(canIntercept(system), false);
  assert.equal(canIntercept(Object.freeze({ ...system, _sendInspectionEvent: () => {} })), false);
  const seen: InspectionEvent[] = [];
  const watch = watchInspection(system as never, (ev) => seen.push(ev));
  assert.equal(watch.route, 'observer');
  assert.equal(observers.size, 1);
  watch.unsubscribe();
  assert.equal(observers.size, 0);
});

test('the bridge intercepts only while someone listens, and the stream is unchanged', () => {
  const root = startTestTree(new TestClock());
  const original = hook(root.system)._sendInspectionEvent;
  const bridge = createInspectionBridge({ clock: new TestClock(), flushMs: 50 });
  bridge.attach('n1', root);
  assert.equal(hook(root.system)._sendInspectionEvent, original, 'no cost before a listener');
  const batches: InspectBatch[] = [];
  const unsubscribe = bridge.subscribe((b) => batches.push(b));
  assert.notEqual(hook(root.system)._sendInspectionEvent, original);
  root.send({ type: 'w.poke' });
  root.send({ type: 'net.drop' });
  bridge.flush();
  const batch = batches.flat();
  const poke = batch.find((m) => m.kind === 'event' && m.type === 'job.start');
  assert.ok(poke && poke.kind === 'event' && poke.from === root.sessionId);
  const states = batch.filter((m) => m.kind === 'state');
  assert.deepEqual(
    states.map((m) => m.value),
    ['working', { running: 'offline' }]
  );
  assert.deepEqual(bridge.getHistory('n1', root.sessionId).at(-1), states.at(-1));
  unsubscribe();
  assert.equal(hook(root.system)._sendInspectionEvent, original, 'restored on unsubscribe');
});

test('a system.inspect wrapped after attach is honoured (the observer route)', () => {
  const root = startTestTree(new TestClock());
  const bridge = createInspectionBridge({ clock: new TestClock() });
  bridge.attach('n1', root);
  const original = hook(root.system)._sendInspectionEvent;
  let relayed = 0;
  const inspect = root.system.inspect.bind(root.system);
  root.system.inspect = (observer) =>
    inspect((ev: InspectionEvent) => {
      relayed++;
      if (typeof observer === 'function') observer(ev);
    });
  const batches: InspectBatch[] = [];
  bridge.subscribe((b) => batches.push(b));
  assert.equal(hook(root.system)._sendInspectionEvent, original, 'not intercepted');
  root.send({ type: 'net.drop' });
  bridge.flush();
  assert.ok(relayed > 0);
  assert.ok(batches.flat().some((m) => m.kind === 'state'));
});
