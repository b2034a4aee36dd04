import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor } from 'xstate';
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
});
