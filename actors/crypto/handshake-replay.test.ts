import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestClock } from '../clock.js';
import { HandshakeReplayFilter } from './handshake-replay.js';

test('a repeated first message is refused until it expires; capacity is bounded', () => {
  const clock = new TestClock(1000);
  const f = new HandshakeReplayFilter(clock, 5000, 3);
  const m = (b: number) => new Uint8Array(48).fill(b);
  assert.equal(f.admit(m(1)), true);
  assert.equal(f.admit(m(1)), false);
  clock.increment(5000);
  assert.equal(f.admit(m(1)), true);
  for (const b of [2, 3, 4, 5]) assert.equal(f.admit(m(b)), true);
  assert.ok(f.size <= 3);
});
