import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createActor, setup } from 'xstate';
import { TestClock } from '../clock.js';
import { TeachingClock } from './teaching-clock.js';
import { TimerHeap } from './timer-heap.js';

/** A teaching clock whose "real" time is a TestClock: nothing here depends on wall time. */
function clocks(options: { scale?: number; paused?: boolean } = {}) {
  const host = new TestClock(1000);
  const clock = new TeachingClock({ host, start: 0, ...options });
  return { host, clock };
}

test('running at scale 1 follows the host clock and fires timers in due order', () => {
  const { host, clock } = clocks();
  const fired: string[] = [];
  clock.setTimeout(() => fired.push('b'), 200);
  clock.setTimeout(() => fired.push('a'), 100);
  clock.setTimeout(() => fired.push('a2'), 100);
  host.increment(150);
  assert.equal(clock.now(), 150);
  assert.deepEqual(fired, ['a', 'a2']);
  host.increment(50);
  assert.deepEqual(fired, ['a', 'a2', 'b']);
});

test('a slowed clock takes longer in host time; setScale keeps virtual time continuous', () => {
  const { host, clock } = clocks({ scale: 0.5 });
  const fired: number[] = [];
  clock.setTimeout(() => fired.push(clock.now()), 100);
  host.increment(100);
  assert.equal(clock.now(), 50);
  assert.deepEqual(fired, []);
  host.increment(100);
  assert.deepEqual(fired, [100]);
  clock.setScale(2);
  assert.equal(clock.now(), 100);
  host.increment(10);
  assert.equal(clock.now(), 120);
  assert.throws(() => clock.setScale(0), RangeError);
});

test('paused: time stands still; step fires exactly what falls due, in order, chains included', () => {
  const { host, clock } = clocks({ paused: true });
  const fired: [string, number][] = [];
  clock.setTimeout(() => {
    fired.push(['first', clock.now()]);
    clock.setTimeout(() => fired.push(['chained', clock.now()]), 50);
  }, 100);
  const cancelled = clock.setTimeout(() => fired.push(['cancelled', clock.now()]), 120);
  clock.setTimeout(() => fired.push(['late', clock.now()]), 500);
  clock.clearTimeout(cancelled);
  host.increment(10_000);
  assert.deepEqual(fired, []);
  assert.equal(clock.state().pending, 2);
  assert.equal(clock.step(200), 2);
  assert.deepEqual(fired, [
    ['first', 100],
    ['chained', 150]
  ]);
  assert.equal(clock.now(), 200);
  assert.equal(clock.stepToNext(), 1);
  assert.deepEqual(fired.at(-1), ['late', 500]);
  assert.deepEqual(clock.state(), { mode: 'paused', scale: 1, now: 500, pending: 0 });
});

test('resume continues from the paused time; a throwing timer does not stop the others', () => {
  const errors: unknown[] = [];
  const host = new TestClock(0);
  const clock = new TeachingClock({ host, start: 0, paused: true, onError: (e) => errors.push(e) });
  const fired: number[] = [];
  clock.setTimeout(() => {
    throw new Error('boom');
  }, 10);
  clock.setTimeout(() => fired.push(clock.now()), 10);
  host.increment(1000);
  clock.resume();
  assert.equal(clock.now(), 0);
  host.increment(10);
  assert.deepEqual(fired, [10]);
  assert.equal(errors.length, 1);
});

test('XState delays run on the teaching clock', () => {
  const { clock } = clocks({ paused: true });
  const machine = setup({}).createMachine({
    initial: 'a',
    states: { a: { after: { 1000: 'b' } }, b: {} }
  });
  const actor = createActor(machine, { clock }).start();
  clock.step(999);
  assert.equal(actor.getSnapshot().value, 'a');
  clock.step(1);
  assert.equal(actor.getSnapshot().value, 'b');
});

test('the heap compacts cancelled timers and keeps order', () => {
  const heap = new TimerHeap();
  for (let i = 1; i <= 300; i++) heap.push({ id: i, due: (i * 7919) % 1000, fn: () => {} });
  for (let i = 1; i <= 300; i += 2) heap.cancel(i);
  assert.equal(heap.size, 150);
  let last = -1;
  for (let t = heap.pop(); t; t = heap.pop()) {
    assert.ok(t.id % 2 === 0);
    assert.ok(t.due >= last);
    last = t.due;
  }
});
