import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InspectionEvent, Observer } from 'xstate';
import { TestClock } from '../clock.js';
import { createInspectionBridge } from './create-inspection-bridge.js';
import { startTestTree } from './fixtures.js';
import type { InspectBatch, InspectMessage, StateDef } from './types.js';

/** A machine clock and a separate bridge clock, so each is stepped on purpose. */
function setupTree(options: { historySize?: number } = {}) {
  const machineClock = new TestClock();
  const bridgeClock = new TestClock(5000);
  const root = startTestTree(machineClock);
  const bridge = createInspectionBridge({ clock: bridgeClock, flushMs: 50, ...options });
  bridge.attach('n1', root);
  const batches: InspectBatch[] = [];
  const next = () => {
    bridgeClock.increment(50);
    return batches.at(-1) ?? [];
  };
  return { machineClock, bridgeClock, root, bridge, batches, next };
}

const ofKind = <K extends InspectMessage['kind']>(batch: InspectBatch, kind: K) =>
  batch.filter((m): m is Extract<InspectMessage, { kind: K }> => m.kind === kind);

function findState(root: StateDef, id: string): StateDef {
  const stack = [root];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (s.id === id) return s;
    stack.push(...s.states);
  }
  throw new Error(`no state ${id}`);
}

test('a new listener first receives the definitions and the snapshot of every node', () => {
  const { root, bridge, batches } = setupTree();
  bridge.subscribe((b) => batches.push(b), { snapshot: true });
  const [first] = batches;
  assert.ok(first);
  assert.deepEqual(
    first.map((m) => m.kind),
    ['definition', 'definition', 'snapshot']
  );
  const [snapshot] = ofKind(first, 'snapshot');
  const actors = snapshot!.nodes[0]!.actors;
  assert.deepEqual(
    actors.map((a) => [a.id, a.status, a.value]),
    [
      [root.id, 'active', { running: 'online' }],
      ['w', 'active', 'idle'],
      ['ears', 'active', undefined]
    ]
  );
  assert.equal(actors[1]!.systemId, 'worker');
  assert.equal(actors[1]!.parent, root.sessionId);
  assert.deepEqual(actors[0]!.supervision, { w: { restarts: 2, lastExit: 'crash' } });
});

test('definitions keep always, after (with delays), invoke, parallel and history', () => {
  const { bridge } = setupTree();
  const defs = ofKind(bridge.snapshot(), 'definition');
  const root = defs.find((d) => d.machineId === 'root')!.root;
  const worker = defs.find((d) => d.machineId === 'worker')!.root;
  assert.deepEqual(findState(root, 'root.booting').always, [
    { event: '', targets: ['root.running'], guard: 'ready' }
  ]);
  const [after] = findState(root, 'root.running.offline').after;
  assert.equal(after?.delay, 1000);
  assert.deepEqual(after?.targets, ['root.running.online']);
  const [patience] = findState(worker, 'worker.working').after;
  assert.equal(patience?.delay, 'patience');
  assert.equal(patience?.delayMs, 200);
  assert.deepEqual(findState(root, 'root.running').invoke, [{ id: 'ears', src: 'listener' }]);
  assert.equal(findState(root, 'root.paused').type, 'parallel');
  const hist = findState(root, 'root.running.hist');
  assert.equal(hist.type, 'history');
  assert.equal(hist.history, 'deep');
  assert.deepEqual(hist.historyTargets, ['root.running.online']);
  assert.deepEqual(root.initial, ['root.booting']);
});

test('events, state changes and delayed transitions are streamed in batches', () => {
  const { root, bridge, batches, next, machineClock } = setupTree();
  bridge.subscribe((b) => batches.push(b), { snapshot: true });
  root.send({ type: 'net.drop' });
  assert.equal(batches.length, 1, 'nothing is delivered before the flush interval');
  const batch = next();
  assert.deepEqual(ofKind(batch, 'event')[0], {
    kind: 'event',
    node: 'n1',
    type: 'net.drop',
    to: root.sessionId,
    seq: 1,
    at: 5000
  });
  const [state] = ofKind(batch, 'state');
  assert.deepEqual(state?.value, { running: 'offline' });
  assert.deepEqual(state?.transitions, [
    { source: 'root.running.online', targets: ['root.running.offline'], event: 'net.drop' }
  ]);

  machineClock.increment(1000);
  const delayed = next();
  const [tick] = ofKind(delayed, 'event');
  assert.equal(tick?.type, 'xstate.after.1000.root.running.offline');
  assert.equal(tick?.from, root.sessionId);
  assert.deepEqual(ofKind(delayed, 'state')[0]?.value, { running: 'online' });
});

test('sender → target, actors stopping and starting, and supervision changes', () => {
  const { root, bridge, batches, next } = setupTree();
  bridge.subscribe((b) => batches.push(b), { snapshot: true });
  const ears = root.getSnapshot().children.ears!.sessionId;
  root.send({ type: 'w.poke' });
  root.send({ type: 'pause' });
  root.send({ type: 'resume' });
  root.send({ type: 'bump' });
  const batch = next();
  const poke = ofKind(batch, 'event').find((e) => e.type === 'job.start');
  assert.equal(poke?.from, root.sessionId);
  assert.equal(poke?.to, root.getSnapshot().children.w!.sessionId);
  assert.deepEqual(ofKind(batch, 'actor.stopped')[0], {
    kind: 'actor.stopped',
    node: 'n1',
    sid: ears,
    status: 'stopped',
    seq: ofKind(batch, 'actor.stopped')[0]!.seq,
    at: 5000
  });
  const restarted = ofKind(batch, 'actor.started');
  assert.equal(restarted.length, 1);
  assert.equal(restarted[0]?.id, 'ears');
  assert.equal(restarted[0]?.parent, root.sessionId);
  assert.deepEqual(ofKind(batch, 'state').at(-1)?.value, { running: 'online' }, 'history restored');
  assert.deepEqual(ofKind(batch, 'supervision')[0]?.children, {
    w: { restarts: 3, lastExit: 'timeout' }
  });
});

test('a state value is sent only when it changes', () => {
  const { root, bridge, batches, next } = setupTree();
  bridge.subscribe((b) => batches.push(b), { snapshot: true });
  root.send({ type: 'unknown.event' });
  root.send({ type: 'bump' });
  const batch = next();
  assert.equal(ofKind(batch, 'event').length, 2);
  assert.equal(ofKind(batch, 'state').length, 0);
});

test('each definition reaches a listener once, before the first message naming it', () => {
  const { root, bridge, batches, next } = setupTree();
  const late: InspectBatch[] = [];
  bridge.subscribe((b) => batches.push(b), { snapshot: true });
  bridge.subscribe((b) => late.push(b));
  root.send({ type: 'hire' });
  root.send({ type: 'hire' });
  const batch = next();
  assert.equal(ofKind(batch, 'definition').length, 0, 'had it from the snapshot');
  assert.equal(ofKind(batch, 'actor.started').length, 2);
  const kinds = late[0]!.map((m) => m.kind);
  assert.equal(kinds.filter((k) => k === 'definition').length, 1);
  assert.ok(kinds.indexOf('definition') < kinds.indexOf('actor.started'));
});

test('no inspection callback runs while nobody listens', () => {
  const { root, bridge, batches, next } = setupTree();
  let delivered = 0;
  const system = root.system;
  const inspect = system.inspect.bind(system);
  system.inspect = (observer) =>
    inspect((ev: InspectionEvent) => {
      delivered++;
      if (typeof observer === 'function') observer(ev);
      else (observer as Observer<InspectionEvent>).next?.(ev);
    });
  root.send({ type: 'net.drop' });
  next();
  assert.equal(delivered, 0);
  assert.equal(bridge.listening, false);

  const unsubscribe = bridge.subscribe((b) => batches.push(b));
  root.send({ type: 'w.poke' });
  assert.ok(delivered > 0);
  unsubscribe();
  assert.equal(bridge.listening, false);
  const before = delivered;
  root.send({ type: 'pause' });
  root.send({ type: 'resume' });
  next();
  assert.equal(delivered, before, 'unsubscribed from the system');
  assert.equal(batches.length, 0, 'nothing queued before unsubscribing was delivered');
});

test('per-actor history is bounded and ordered oldest first', () => {
  const { root, bridge, next } = setupTree({ historySize: 4 });
  bridge.subscribe(() => {}, { snapshot: true });
  for (let i = 0; i < 5; i++) {
    root.send({ type: 'net.drop' });
    root.send({ type: 'unknown' });
  }
  next();
  const history = bridge.getHistory('n1', root.sessionId);
  assert.equal(history.length, 4);
  assert.deepEqual(
    history.map((h) => (h.kind === 'event' ? h.type : 'state')),
    ['net.drop', 'unknown', 'net.drop', 'unknown']
  );
  assert.ok(history.every((h, i) => i === 0 || h.seq > history[i - 1]!.seq));
});

test('context on demand is sanitized; unknown actors give undefined', () => {
  const { root, bridge } = setupTree();
  const ctx = bridge.getContext('n1', root.sessionId);
  assert.deepEqual(ctx?.value, {
    ready: true,
    blob: { bytes: 32 },
    hires: 0,
    children: { w: { restarts: 2, lastExit: 'crash' } }
  });
  assert.equal(bridge.getContext('n1', 'x:nope'), undefined);
  assert.equal(bridge.getContext('nope', root.sessionId), undefined);
});

test('attach and detach while listening announce the node', () => {
  const { bridge, batches, next } = setupTree();
  bridge.subscribe((b) => batches.push(b), { snapshot: true });
  const other = startTestTree(new TestClock());
  bridge.attach('n2', other);
  bridge.detach('n1');
  const batch = next();
  assert.deepEqual(
    batch.map((m) => m.kind),
    ['node.attached', 'node.detached']
  );
  assert.throws(() => bridge.attach('n2', other), /ERR_INSPECT_NODE_ATTACHED/);
  other.send({ type: 'net.drop' });
  assert.ok(ofKind(next(), 'state').length === 1);
});

test('a throwing listener does not stop the others', () => {
  const machineClock = new TestClock();
  const bridgeClock = new TestClock();
  const errors: unknown[] = [];
  const bridge = createInspectionBridge({ clock: bridgeClock, onError: (e) => errors.push(e) });
  const root = startTestTree(machineClock);
  bridge.attach('n1', root);
  const got: InspectBatch[] = [];
  bridge.subscribe(() => {
    throw new Error('listener bug');
  });
  bridge.subscribe((b) => got.push(b));
  root.send({ type: 'net.drop' });
  bridge.flush();
  assert.equal(got.length, 1);
  assert.equal(errors.length, 1);
});
