import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { peerMachine } from './machine.js';
import type { PeerActor, PeerSendParams } from './machine.js';

/**
 * Two nodes' views of each other, back to back: A's actor for peer B and B's actor for peer A.
 * What one sends is delivered to the other synchronously unless the link is cut.
 */
function pair(clock: TestClock) {
  const link = { up: true, sent: [] as string[] };
  const actors: { a?: PeerActor; b?: PeerActor } = {};
  const make = (self: 'a' | 'b') => {
    const other = self === 'a' ? 'b' : 'a';
    const logic = peerMachine.provide({
      actions: {
        send: (_, params: PeerSendParams) => {
          link.sent.push(`${self}:${params.type}#${params.body.seq}`);
          // Deliver after the current step, the way a transport would.
          if (link.up)
            queueMicrotask(() => actors[other]?.send({ type: params.type, ...params.body }));
        }
      }
    });
    return createActor(logic, {
      clock,
      input: { peerId: other, pingIntervalMs: 10_000, timeoutMs: 3_000 }
    });
  };
  actors.a = make('a');
  actors.b = make('b');
  return { a: actors.a, b: actors.b, link };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('peer machine', () => {
  it('connects both ways and keeps the link alive with pings', async () => {
    const clock = new TestClock();
    const { a, b, link } = pair(clock);
    a.start();
    b.start();
    await settle();
    assert.equal(a.getSnapshot().value, 'connected');
    assert.equal(b.getSnapshot().value, 'connected');
    clock.increment(10_000);
    assert.equal(a.getSnapshot().value, 'checking');
    await settle();
    assert.equal(a.getSnapshot().value, 'connected');
    assert.equal(a.getSnapshot().context.pongs, 2);
    assert.ok(link.sent.includes('a:peer.ping#2'));
  });

  it('backs off exponentially while the peer stays silent', async () => {
    const clock = new TestClock();
    const { a, link } = pair(clock);
    link.up = false;
    a.start();
    clock.increment(3_000);
    assert.equal(a.getSnapshot().value, 'offline');
    clock.increment(1_000); // first backoff: 1 s
    assert.equal(a.getSnapshot().value, 'connecting');
    clock.increment(3_000);
    assert.equal(a.getSnapshot().value, 'offline');
    clock.increment(1_999); // second backoff: 2 s
    assert.equal(a.getSnapshot().value, 'offline');
    clock.increment(1);
    assert.equal(a.getSnapshot().value, 'connecting');
  });

  it('declares a connected peer offline after three missed keep-alives', async () => {
    const clock = new TestClock();
    const { a, b, link } = pair(clock);
    a.start();
    b.start();
    await settle();
    link.up = false;
    clock.increment(10_000);
    for (let missed = 0; missed < 2; missed++) {
      clock.increment(3_000);
      assert.equal(a.getSnapshot().value, 'checking');
    }
    clock.increment(3_000);
    assert.equal(a.getSnapshot().value, 'offline');
  });

  it('ignores a stale pong and answers pings while offline, reconnecting at once', async () => {
    const clock = new TestClock();
    const { a, link } = pair(clock);
    link.up = false;
    a.start();
    a.send({ type: 'peer.pong', seq: 0 }); // the current ping is #1
    assert.equal(a.getSnapshot().value, 'connecting');
    clock.increment(3_000);
    assert.equal(a.getSnapshot().value, 'offline');
    a.send({ type: 'peer.ping', seq: 7 });
    assert.equal(a.getSnapshot().value, 'connecting');
    assert.ok(link.sent.includes('a:peer.pong#7'));
    a.send({ type: 'peer.pong', seq: a.getSnapshot().context.seq });
    assert.equal(a.getSnapshot().value, 'connected');
  });
});
