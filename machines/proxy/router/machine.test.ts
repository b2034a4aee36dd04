import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, fromPromise, SimulatedClock } from 'xstate';
import { routerMachine } from './machine.js';

describe('router machine', () => {
  it('accepts up to capacity, then refuses with a plain reason', async () => {
    const log: string[] = [];
    const actor = createActor(
      routerMachine.provide({
        actions: {
          acceptRoute: (_, { key }) => void log.push(`accept ${key}`),
          refuseRoute: (_, { key, reason }) => void log.push(`refuse ${key}: ${reason}`)
        }
      }),
      { input: { maxCircuits: 2 } }
    ).start();
    actor.send({ type: 'route.open', key: 'x' });
    actor.send({ type: 'router.start' });
    await Promise.resolve();
    await Promise.resolve();
    for (const key of ['a', 'b', 'c']) actor.send({ type: 'route.open', key });
    assert.deepEqual(actor.getSnapshot().value, { serving: 'full' });
    actor.send({ type: 'route.close', key: 'a' });
    assert.deepEqual(actor.getSnapshot().value, { serving: 'open' });
    assert.deepEqual(log, [
      'refuse x: router stopped',
      'accept a',
      'accept b',
      'refuse c: router full: 2 of 2 circuits in use'
    ]);
    assert.equal(actor.getSnapshot().context.refused, 2);
    actor.stop(); // its reannounce timer runs on real time
  });

  it('retries a failed announcement after reannounceMs, and announces again when asked', async () => {
    const clock = new SimulatedClock();
    let calls = 0;
    let dhtUp = false;
    const actor = createActor(
      routerMachine.provide({
        actors: {
          announce: fromPromise(async () => {
            calls++;
            if (!dhtUp) throw new Error('no node stored the record');
            return true;
          })
        }
      }),
      { input: { reannounceMs: 5_000 }, clock }
    ).start();
    const settle = async () => {
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };
    actor.send({ type: 'router.start' });
    await settle();
    assert.equal(calls, 1);
    assert.equal(actor.getSnapshot().context.announceError, 'no node stored the record');
    clock.increment(4_999);
    await settle();
    assert.equal(calls, 1);
    clock.increment(1);
    await settle();
    assert.equal(calls, 2);
    dhtUp = true;
    actor.send({ type: 'router.announce' });
    await settle();
    assert.equal(calls, 3);
    assert.equal(actor.getSnapshot().context.announced, true);
    assert.equal(actor.getSnapshot().context.announceError, null);
    clock.increment(60_000);
    await settle();
    assert.equal(calls, 3, 'an announcement that worked is not repeated on a timer');
    actor.stop();
  });
});
