import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { provideHandshake } from '../../actors/crypto/handshake-actors.js';
import { createIdentity } from '../../actors/identity/identity.js';
import type { HandshakeFrame } from '../handshake/messages.js';
import { peerMachine } from './machine.js';
import type { PeerActor, PeerInput, PreparedHandshake } from './machine.js';

const ids = {
  a: createIdentity({ contacts: {}, services: [] }, 1),
  b: createIdentity({ contacts: {}, services: [] }, 1)
};
type Side = 'a' | 'b';
const timing = { pingIntervalMs: 10_000, timeoutMs: 3_000, handshakeRetries: 1 };

/**
 * Two nodes' views of each other with the real Noise handshake between them: A's actor for peer
 * B and B's actor for peer A. B's actor is started by A's first frame unless `both` initiate.
 * Frames are delivered after the current step; `drop` decides which are lost.
 */
function pair(clock: TestClock, opts: { both?: boolean } = {}) {
  const link = {
    up: true,
    drop: (_from: Side, _f: HandshakeFrame) => false,
    sent: [] as string[],
    sessions: { a: 0, b: 0 },
    dropped: { a: 0, b: 0 }
  };
  const actors: Partial<Record<Side, PeerActor>> = {};
  let hids = 0;
  const last: Partial<Record<Side, HandshakeFrame>> = {};
  const make = (self: Side, input: Partial<PeerInput> = {}): PeerActor => {
    const other: Side = self === 'a' ? 'b' : 'a';
    const deliver = (fn: () => void) => link.up && queueMicrotask(fn);
    const logic = peerMachine.provide({
      actors: {
        prepare: fromPromise<PreparedHandshake, { peerId: string; nodeId: string | null }>(
          async () => ({
            hid: `handshake-${self}-${(hids += 1)}`,
            pattern: 'XX' as const,
            remoteStatic: null
          })
        ),
        handshake: provideHandshake({ identity: ids[self] }, (frame) => {
          last[self] = frame;
          link.sent.push(`${self}:hs${frame.step}`);
          if (link.drop(self, frame)) return;
          deliver(() => {
            const peer = actors[other];
            if (peer) return peer.send({ type: 'peer.handshake', frame, yields: other === 'b' });
            actors[other] = make(other, { firstFrame: frame });
            actors[other].start();
          });
        })
      },
      actions: {
        send: (_, p) => {
          link.sent.push(`${self}:${p.type}#${p.body.seq}`);
          deliver(() => actors[other]?.send({ type: p.type, seq: p.body.seq }));
        },
        established: () => void link.sessions[self]++,
        resendFinal: () => {
          const frame = last[self];
          if (frame)
            deliver(() => actors[other]?.send({ type: 'peer.handshake', frame, yields: false }));
        },
        dropSession: () => void link.dropped[self]++
      }
    });
    return createActor(logic, { clock, input: { ...timing, ...input, peerId: other } });
  };
  actors.a = make('a');
  if (opts.both) actors.b = make('b');
  return { actors, link };
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};
const state = (a: PeerActor | undefined) => String(a?.getSnapshot().value);

describe('peer machine', () => {
  it('handshakes (XX, B started as responder), then keeps the session alive with pings', async () => {
    const clock = new TestClock();
    const { actors, link } = pair(clock);
    actors.a!.start();
    await settle();
    assert.equal(state(actors.a), 'connected');
    assert.equal(state(actors.b), 'connected');
    assert.equal(actors.b!.getSnapshot().context.nodeId, ids.a.document.body.id);
    assert.deepEqual(link.sessions, { a: 1, b: 1 });
    clock.increment(10_000);
    assert.equal(state(actors.a), 'checking');
    await settle();
    assert.equal(state(actors.a), 'connected');
    assert.ok(actors.a!.getSnapshot().context.pongs >= 1);
  });

  it('backs off exponentially while the peer stays silent', async () => {
    const clock = new TestClock();
    const { actors, link } = pair(clock);
    link.up = false;
    actors.a!.start();
    await settle();
    assert.equal(state(actors.a), 'handshaking');
    for (let i = 0; i < 2; i++) {
      clock.increment(3_000); // one wait, then one retransmission, of 3 s each
      await settle();
    }
    assert.equal(state(actors.a), 'offline');
    assert.match(actors.a!.getSnapshot().context.lastFailure ?? '', /^timeout/);
    clock.increment(1_000); // first backoff: 1 s
    await settle();
    assert.equal(state(actors.a), 'handshaking');
    for (let i = 0; i < 2; i++) {
      clock.increment(3_000);
      await settle();
    }
    clock.increment(1_999); // second backoff: 2 s
    await settle();
    assert.equal(state(actors.a), 'offline');
    clock.increment(1);
    await settle();
    assert.equal(state(actors.a), 'handshaking');
  });

  it('answers a responder that lost our final message, so both sides agree', async () => {
    const clock = new TestClock();
    const { actors, link } = pair(clock);
    let lost = false;
    link.drop = (from, f) => from === 'a' && f.step === 2 && !lost && (lost = true);
    actors.a!.start();
    await settle();
    assert.equal(state(actors.a), 'connected');
    assert.equal(state(actors.b), 'handshaking');
    clock.increment(3_000); // B repeats message 1; A sends its final message again
    await settle();
    assert.equal(state(actors.b), 'connected');
    assert.equal(actors.a!.getSnapshot().context.resends, 1);
  });

  it('settles a simultaneous open: only the side that yields answers', async () => {
    const clock = new TestClock();
    const { actors, link } = pair(clock, { both: true });
    actors.a!.start();
    actors.b!.start();
    await settle();
    assert.equal(state(actors.a), 'connected');
    assert.equal(state(actors.b), 'connected');
    assert.equal(actors.b!.getSnapshot().context.role, 'responder');
    assert.deepEqual(link.sessions, { a: 1, b: 1 });
  });

  it('declares a connected peer offline after missed keep-alives, dropping the session', async () => {
    const clock = new TestClock();
    const { actors, link } = pair(clock);
    actors.a!.start();
    await settle();
    link.up = false;
    clock.increment(10_000);
    for (let missed = 0; missed < 2; missed++) {
      clock.increment(3_000);
      assert.equal(state(actors.a), 'checking');
    }
    clock.increment(3_000);
    assert.equal(state(actors.a), 'offline');
    assert.equal(link.dropped.a, 1);
  });
});
