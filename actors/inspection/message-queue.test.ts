import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageQueue } from './message-queue.js';
import type { InspectMessage } from './types.js';

function drain(queue: MessageQueue) {
  const out: InspectMessage[] = [];
  const recorded: [string, InspectMessage][] = [];
  queue.drain(out, (key, m) => recorded.push([key, m]));
  return { out, recorded };
}

test('entries drain in order as the same plain objects literals would make', () => {
  const queue = new MessageQueue();
  const stopped: InspectMessage = { kind: 'node.detached', node: 'n', seq: 3, at: 7 };
  queue.event(1, 5, 'n', 'ping', undefined, 'x:1', 'n/x:1');
  queue.state(2, 6, 'n', 'x:1', { a: 'b' }, 'ping', [], undefined);
  queue.object(stopped);
  queue.event(4, 8, 'n', 'pong', 'x:1', 'x:2', undefined);
  const t = [{ source: 'm.a', targets: ['m.b'], event: 'go' }];
  queue.state(5, 9, 'n', 'x:2', 'b', 'go', t, 'n/x:2');
  assert.equal(queue.length, 5);
  const { out, recorded } = drain(queue);
  assert.deepEqual(out, [
    { kind: 'event', node: 'n', type: 'ping', to: 'x:1', seq: 1, at: 5 },
    { kind: 'state', node: 'n', sid: 'x:1', value: { a: 'b' }, event: 'ping', seq: 2, at: 6 },
    stopped,
    { kind: 'event', node: 'n', type: 'pong', to: 'x:2', from: 'x:1', seq: 4, at: 8 },
    { kind: 'state', node: 'n', sid: 'x:2', value: 'b', event: 'go', transitions: t, seq: 5, at: 9 }
  ]);
  assert.equal(out[2], stopped, 'objects are queued by reference');
  assert.deepEqual(Object.keys(out[3]!), ['kind', 'node', 'type', 'to', 'from', 'seq', 'at']);
  assert.equal(JSON.stringify(out[0]), JSON.stringify({ ...out[0] }));
  assert.deepEqual(
    recorded.map(([key, m]) => [key, m.kind]),
    [
      ['n/x:1', 'event'],
      ['n/x:1', 'state'],
      ['n/x:2', 'event'],
      ['n/x:2', 'state']
    ]
  );
  assert.equal(queue.length, 0);
  assert.deepEqual(drain(queue).out, []);
});

test('the queue grows past its first capacity, and clear forgets everything', () => {
  const queue = new MessageQueue();
  for (let i = 1; i <= 1000; i++) queue.event(i, i, 'n', 't', undefined, 'x:1', undefined);
  const { out } = drain(queue);
  assert.equal(out.length, 1000);
  assert.ok(out.every((m, i) => m.kind === 'event' && m.seq === i + 1 && m.at === i + 1));
  queue.event(1, 1, 'n', 't', undefined, 'x:1', undefined);
  queue.clear();
  assert.equal(queue.length, 0);
  assert.deepEqual(drain(queue).out, []);
});
