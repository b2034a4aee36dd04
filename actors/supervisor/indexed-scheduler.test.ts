/**
 * The indexed scheduler keeps XState's timer semantics: stopping an actor cancels exactly its own
 * delayed events, timers still fire, `cancel` still cancels, and repeating timers do not pile up.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assign, cancel, createActor, raise, setup, spawnChild, stopChild } from 'xstate';
import { TestClock } from '../clock.js';
import { indexScheduler } from './indexed-scheduler.js';

const pinger = setup({ types: { context: {} as { pings: number } } }).createMachine({
  context: { pings: 0 },
  initial: 'online',
  states: {
    online: {
      after: {
        100: {
          target: 'online',
          reenter: true,
          actions: assign({ pings: ({ context }) => context.pings + 1 })
        }
      }
    }
  }
});

const parent = setup({ actors: { pinger } }).createMachine({
  entry: [spawnChild('pinger', { id: 'a' }), spawnChild('pinger', { id: 'b' })],
  on: {
    'test.stop_a': { actions: stopChild('a') },
    'test.later': { actions: raise({ type: 'test.noop' }, { delay: 500, id: 'later' }) },
    'test.anon': { actions: raise({ type: 'test.noop' }, { delay: 500 }) },
    'test.cancel': { actions: cancel('later') }
  }
});

/** SimulatedClock fires only timers due by the new time, so step through each period. */
const advance = (clock: TestClock, ms: number) => {
  for (let t = 0; t < ms; t += 100) clock.increment(100);
};

const scheduled = (actor: { system: { getSnapshot(): { _scheduledEvents: object } } }) =>
  Object.keys(actor.system.getSnapshot()._scheduledEvents);

describe('indexed scheduler', () => {
  it('stopping one actor cancels only its timers; the others keep firing', () => {
    const clock = new TestClock();
    const root = createActor(parent, { clock });
    indexScheduler(root.system);
    indexScheduler(root.system); // idempotent
    root.start();
    const [a, b] = ['a', 'b'].map((id) => root.getSnapshot().children[id]!);
    advance(clock, 1000);
    assert.equal(a!.getSnapshot().context.pings, 10);
    assert.equal(scheduled(root).length, 2, 'repeating timers do not pile up');
    root.send({ type: 'test.stop_a' });
    assert.equal(scheduled(root).length, 1);
    advance(clock, 1000);
    assert.equal(a!.getSnapshot().context.pings, 10);
    assert.equal(b!.getSnapshot().context.pings, 20);
    root.stop();
    assert.deepEqual(scheduled(root), []);
  });

  it('delayed events fire, cancel cancels, and anonymous ones get an id', () => {
    const clock = new TestClock();
    const root = createActor(parent, { clock });
    indexScheduler(root.system);
    root.start();
    root.send({ type: 'test.later' });
    root.send({ type: 'test.anon' });
    assert.equal(scheduled(root).length, 4);
    assert.ok(scheduled(root).some((k) => k.endsWith('.bd.1')));
    root.send({ type: 'test.cancel' });
    assert.equal(scheduled(root).length, 3);
    clock.increment(500);
    assert.equal(scheduled(root).length, 2);
    root.stop();
    assert.deepEqual(scheduled(root), []);
  });
});
