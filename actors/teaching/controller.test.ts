import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from 'xstate';
import { TestClock } from '../clock.js';
import { createIdentity } from '../identity/identity.js';
import { startTestTree } from '../inspection/fixtures.js';
import { TeachingController, TeachingError } from './controller.js';
import { startHandshakeLab } from './handshake-lab.js';
import { TeachingClock } from './teaching-clock.js';

const fields = { contacts: { tcp: ['tcp://127.0.0.1:7000'] }, services: ['supplier'] };

function teaching() {
  const clock = new TeachingClock({ host: new TestClock(0), start: 0, paused: true });
  return { clock, controller: new TeachingController(clock) };
}

test('accepted events come from the definition, with guards evaluated', () => {
  const { clock, controller } = teaching();
  const root = startTestTree(clock);
  controller.register('n1', root);
  const { events, value } = controller.events('n1', root.sessionId);
  assert.deepEqual(value, { running: 'online' });
  const types = events.map((e) => e.type);
  for (const t of ['bump', 'hire', 'net.drop', 'pause', 'w.poke']) assert.ok(types.includes(t), t);
  assert.ok(!types.includes('resume'), 'resume belongs to paused');
  const drop = events.find((e) => e.type === 'net.drop')!;
  assert.deepEqual(drop.targets, ['root.running.offline']);
  assert.equal(drop.enabled, true);
});

test('inject: taken transitions report before/after; events of other states are refused', () => {
  const { clock, controller } = teaching();
  const root = startTestTree(clock);
  controller.register('n1', root);
  const result = controller.inject('n1', root.sessionId, { type: 'net.drop' });
  assert.deepEqual(result, {
    type: 'net.drop',
    enabled: true,
    taken: true,
    before: { running: 'online' },
    after: { running: 'offline' },
    status: 'active'
  });
  assert.throws(
    () => controller.inject('n1', root.sessionId, { type: 'resume' }),
    (e: unknown) => e instanceof TeachingError && e.code === 'ERR_TEACHING_NOT_ACCEPTED'
  );
  assert.throws(
    () => controller.inject('n1', 'x:999', { type: 'bump' }),
    (e: unknown) => e instanceof TeachingError && e.code === 'ERR_TEACHING_NOT_FOUND'
  );
  clock.step(1000);
  assert.deepEqual(root.getSnapshot().value, { running: 'online' }, 'the after delay on the clock');
});

test('narration is bounded and read by cursor', () => {
  const clock = new TeachingClock({ host: new TestClock(0), start: 0 });
  const controller = new TeachingController(clock, { keep: 3 });
  for (let i = 1; i <= 5; i++) controller.narrate(`line ${i}`);
  const feed = controller.feed(0);
  assert.deepEqual(
    feed.narration.map((l) => l.text),
    ['line 3', 'line 4', 'line 5']
  );
  assert.equal(controller.feed(feed.next).narration.length, 0);
  assert.equal(feed.clock.mode, 'running');
});

test('the handshake lab runs the real Noise XX handshake, one message per clock step', async () => {
  const { clock, controller } = teaching();
  const a = createIdentity(fields, 0);
  const b = createIdentity(fields, 0);
  const frames: string[] = [];
  const lab = startHandshakeLab({
    clock,
    initiator: a,
    responder: b,
    latencyMs: 300,
    onFrame: (from, f) => frames.push(`${from}:${f.step}`)
  });
  controller.register('lab', lab.root);
  const initiator = lab.root.getSnapshot().children.initiator!;
  const responder = lab.root.getSnapshot().children.responder!;
  const awaiting = (s: { value: unknown }) => s.value === 'awaiting';
  await waitFor(initiator, awaiting, { timeout: 5000 });
  await waitFor(responder, awaiting, { timeout: 5000 });
  assert.deepEqual(frames, ['initiator:0'], 'paused: the first message waits on the wire');

  const cancel = controller
    .events('lab', responder.sessionId)
    .events.find((e) => e.type === 'handshake.cancel');
  assert.equal(cancel?.enabled, true);

  // Each step delivers the frame on the wire; the other side answers (async crypto) or finishes.
  for (let i = 0; i < 6 && lab.root.getSnapshot().value !== 'finished'; i++) {
    const sent = lab.root.getSnapshot().context.frames;
    clock.step(300);
    await waitFor(lab.root, (s) => s.context.frames > sent || s.value === 'finished', {
      timeout: 5000
    });
  }
  assert.deepEqual(frames, ['initiator:0', 'responder:1', 'initiator:2']);
  assert.deepEqual(lab.results(), { initiator: 'established', responder: 'established' });
  assert.equal(lab.root.getSnapshot().value, 'finished');
  lab.stop();
});
