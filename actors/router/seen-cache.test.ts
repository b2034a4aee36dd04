import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SeenCache } from './seen-cache.js';

const entry = (ts: number, receivedAt: number) => ({
  type: 'cmd.data',
  ts,
  receivedAt,
  reply: undefined
});

describe('seen cache', () => {
  it('forgets by age without raising the floor', () => {
    const cache = new SeenCache(10, 100);
    cache.add('a', entry(5, 0), 0);
    cache.add('b', entry(50, 50), 50);
    cache.prune(101);
    assert.equal(cache.get('a'), undefined);
    assert.ok(cache.get('b'));
    assert.equal(cache.floor, -1);
  });

  it('raises the floor over every entry evicted for room', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        (stamps, capacity) => {
          const cache = new SeenCache(capacity, 1e9);
          stamps.forEach((ts, i) => cache.add(`k${i}`, entry(ts, i), i));
          assert.ok(cache.size <= capacity);
          // Soundness: whatever the cache forgot is refused by the floor.
          stamps.forEach((ts, i) => assert.ok(cache.get(`k${i}`) || ts <= cache.floor));
        }
      ),
      { numRuns: 200 }
    );
  });

  it('refuses a zero capacity', () => {
    assert.throws(() => new SeenCache(0, 1), RangeError);
  });
});
