import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestClock } from '../clock.js';
import { actorTree, findActor } from './actor-tree.js';
import { startTestTree } from './fixtures.js';
import { RingBuffer } from './ring-buffer.js';

test('actorTree shows ids, machines, states, statuses and restart bookkeeping', () => {
  const root = startTestTree(new TestClock());
  root.send({ type: 'w.poke' });
  const tree = actorTree(root);
  assert.equal(tree.sid, root.sessionId);
  assert.equal(tree.machineId, 'root');
  assert.deepEqual(tree.value, { running: 'online' });
  assert.deepEqual(
    tree.children.map((c) => [c.id, c.machineId, c.value, c.restarts, c.lastExit, c.systemId]),
    [
      ['w', 'worker', 'working', 2, 'crash', 'worker'],
      ['ears', undefined, undefined, undefined, undefined, undefined]
    ]
  );
  assert.equal(findActor(root, tree.children[0]!.sid)?.id, 'w');
  root.stop();
  assert.equal(actorTree(root).status, 'stopped');
});

test('the ring buffer keeps the last N items, oldest first', () => {
  const ring = new RingBuffer<number>(3);
  for (let i = 1; i <= 5; i++) ring.push(i);
  assert.deepEqual(ring.toArray(), [3, 4, 5]);
  assert.equal(ring.size, 3);
  assert.equal(ring.total, 5);
  assert.throws(() => new RingBuffer(0), RangeError);
});
