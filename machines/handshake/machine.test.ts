import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createActor, waitFor, type Actor } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import {
  decodeHandshakeFrame,
  encodeHandshakeFrame,
  provideHandshake,
  type HandshakeDeps
} from '../../actors/crypto/handshake-actors.js';
import type { Session } from '../../actors/crypto/session.js';
import { createIdentity, type LocalIdentity } from '../../actors/identity/identity.js';
import type { HandshakeInput, HandshakeOutput } from './machine.js';
import type { HandshakeFrame, HandshakePatternName } from './messages.js';

type HS = Actor<ReturnType<typeof provideHandshake>>;
const alice = createIdentity({ contacts: { memory: ['memory://alice'] }, services: [] }, 1);
const bob = createIdentity({ contacts: { memory: ['memory://bob'] }, services: ['supplier'] }, 1);
const TIMEOUT = 1000;

/** Hook on the wire: return null to drop, or other bytes to tamper. */
type Tap = (from: 'i' | 'r', bytes: Uint8Array, frame: HandshakeFrame) => Uint8Array | null;

interface Run {
  clock: TestClock;
  initiator: HS;
  responder: () => HS | undefined;
  wire: Uint8Array[];
}

/** Two real machines back to back through an in-test relay that encodes every frame to bytes. */
function start(opts: {
  pattern: HandshakePatternName;
  init?: Partial<HandshakeInput>;
  initDeps?: Partial<HandshakeDeps>;
  respDeps?: Partial<HandshakeDeps>;
  tap?: Tap;
}): Run {
  const clock = new TestClock();
  const wire: Uint8Array[] = [];
  let responder: HS | undefined;
  const deliver = (from: 'i' | 'r', frame: HandshakeFrame) => {
    let bytes = encodeHandshakeFrame(frame);
    const tapped = opts.tap ? opts.tap(from, bytes, frame) : bytes;
    if (tapped === null) return;
    bytes = tapped;
    wire.push(bytes);
    queueMicrotask(() => {
      const decoded = decodeHandshakeFrame(bytes);
      if (from === 'r') return initiator.send({ type: 'frame.received', frame: decoded });
      if (!responder) {
        const f = decoded as HandshakeFrame;
        const logic = provideHandshake({ identity: bob, ...opts.respDeps }, (fr) =>
          deliver('r', fr)
        );
        responder = createActor(logic, {
          clock,
          input: {
            role: 'responder',
            hid: f.hid,
            pattern: f.pattern,
            firstFrame: f,
            timeoutMs: TIMEOUT
          }
        });
        responder.start();
      } else responder.send({ type: 'frame.received', frame: decoded });
    });
  };
  const logic = provideHandshake({ identity: alice, ...opts.initDeps }, (f) => deliver('i', f));
  const initiator: HS = createActor(logic, {
    clock,
    input: {
      role: 'initiator',
      hid: 'hs-00000001',
      pattern: opts.pattern,
      timeoutMs: TIMEOUT,
      maxRetries: 2,
      ...opts.init
    }
  });
  initiator.start();
  return { clock, initiator, responder: () => responder, wire };
}

const done = async (a: HS): Promise<HandshakeOutput> =>
  (await waitFor(a, (s) => s.status === 'done')).output!;
const settle = () => new Promise<void>((r) => setImmediate(r));

function assertCrossing(a: HandshakeOutput, b: HandshakeOutput): void {
  assert.equal(a.status, 'established');
  assert.equal(b.status, 'established');
  if (a.status !== 'established' || b.status !== 'established') return;
  const sa = a.session as Session;
  const sb = b.session as Session;
  assert.equal(Buffer.from(sb.receive(sa.send(Buffer.from('hello bob')))).toString(), 'hello bob');
  assert.equal(
    Buffer.from(sa.receive(sb.send(Buffer.from('hello alice')))).toString(),
    'hello alice'
  );
  assert.equal(a.peerId, bob.document.body.id);
  assert.equal(b.peerId, alice.document.body.id);
}

const bobKnown = { remoteStatic: bob.keys.noise.publicKey, expectedPeerId: bob.document.body.id };

for (const pattern of ['XX', 'XK', 'IK'] as const) {
  test(`${pattern}: both sides establish matching sessions`, async () => {
    const run = start({ pattern, init: pattern === 'XX' ? {} : bobKnown });
    const a = await done(run.initiator);
    const b = await done(run.responder()!);
    assertCrossing(a, b);
    assert.equal(run.wire.length, pattern === 'IK' ? 2 : 3);
  });
}

test('XX with SHA256 works too, and a hash mismatch fails', async () => {
  const ok = start({ pattern: 'XX', initDeps: { hash: 'SHA256' }, respDeps: { hash: 'SHA256' } });
  assertCrossing(await done(ok.initiator), await done(ok.responder()!));
  const bad = start({ pattern: 'XX', initDeps: { hash: 'SHA256' } });
  const out = await done(bad.initiator);
  assert.equal(out.status === 'failed' && out.reason.code, 'decrypt');
});

test('XX never puts a static or identity key on the wire in clear', async () => {
  const run = start({ pattern: 'XX' });
  assertCrossing(await done(run.initiator), await done(run.responder()!));
  const secrets = [alice, bob].flatMap((p) => [p.keys.noise.publicKey, p.keys.identityPublic]);
  for (const frame of run.wire) {
    for (const key of secrets) assert.equal(Buffer.from(frame).indexOf(Buffer.from(key)), -1);
  }
});

test('a tampered frame fails the handshake with a reason', async () => {
  const run = start({
    pattern: 'XX',
    tap: (from, bytes, frame) => {
      if (from !== 'r') return bytes;
      const noise = Buffer.from(frame.noise);
      noise[40]! ^= 0x10;
      return encodeHandshakeFrame({ ...frame, noise });
    }
  });
  const out = await done(run.initiator);
  assert.equal(out.status, 'failed');
  assert.equal(out.status === 'failed' && out.reason.code, 'decrypt');
  assert.match(out.status === 'failed' ? out.reason.message : '', /ERR_NOISE_DECRYPT/);
});

test('a lost reply is retransmitted on timeout, then fails after the retry limit', async () => {
  const run = start({ pattern: 'XX', tap: (from, bytes) => (from === 'r' ? null : bytes) });
  const sentByInitiator = () => run.wire.length;
  await waitFor(run.initiator, (s) => s.matches('awaiting'));
  await settle();
  assert.equal(sentByInitiator(), 1);
  run.clock.increment(TIMEOUT - 1);
  assert.equal(sentByInitiator(), 1);
  run.clock.increment(1);
  assert.equal(sentByInitiator(), 2);
  run.clock.increment(TIMEOUT);
  assert.equal(sentByInitiator(), 3);
  assert.ok(run.initiator.getSnapshot().matches('awaiting'));
  run.clock.increment(TIMEOUT);
  const out = await done(run.initiator);
  assert.equal(out.status === 'failed' && out.reason.code, 'timeout');
  assert.equal(sentByInitiator(), 3);
  // The byte-identical retransmits let the responder ignore or answer them; it saw the first.
  assert.deepEqual(run.wire[1], run.wire[0]);
});

test('a peer repeating its previous frame gets ours again', async () => {
  let dropped = false;
  const run = start({
    pattern: 'XX',
    tap: (from, bytes) => {
      if (from === 'r' && !dropped) {
        dropped = true;
        return null;
      }
      return bytes;
    }
  });
  await waitFor(run.initiator, (s) => s.matches('awaiting'));
  await settle();
  run.clock.increment(TIMEOUT); // initiator retransmits step 0; the responder resends step 1
  assertCrossing(await done(run.initiator), await done(run.responder()!));
});

test('a wrong identity signature is refused', async () => {
  // Mallory claims Bob's identity key and id but can only sign with her own secret key.
  const mallory = createIdentity({ contacts: {}, services: [] }, 1);
  const impostor: LocalIdentity = {
    keys: { ...mallory.keys, identityPublic: bob.keys.identityPublic },
    document: bob.document
  };
  const run = start({ pattern: 'XX', respDeps: { identity: impostor, sendDocument: false } });
  const out = await done(run.initiator);
  assert.equal(out.status === 'failed' && out.reason.code, 'identity');
  assert.match(out.status === 'failed' ? out.reason.message : '', /bad Noise key signature/);
});

test('meeting another node than the one dialled is refused', async () => {
  const run = start({ pattern: 'XX', init: { expectedPeerId: alice.document.body.id } });
  const out = await done(run.initiator);
  assert.equal(out.status === 'failed' && out.reason.code, 'identity');
});

test('XK towards a stale Noise key fails to decrypt', async () => {
  const stale = createIdentity({ contacts: {}, services: [] }, 1).keys.noise.publicKey;
  const run = start({ pattern: 'XK', init: { ...bobKnown, remoteStatic: stale } });
  await waitFor(run.initiator, (s) => s.matches('awaiting'));
  await settle();
  const out = await done(run.responder()!);
  assert.equal(out.status === 'failed' && out.reason.code, 'decrypt');
});

test('a replayed first message never establishes a session', async () => {
  const run = start({ pattern: 'XX' });
  assertCrossing(await done(run.initiator), await done(run.responder()!));
  // The attacker replays Alice's step 0 to a fresh Bob: he answers, but step 2 never comes.
  const replay = start({
    pattern: 'XX',
    tap: (from, bytes) => (from === 'i' ? run.wire[0]! : bytes)
  });
  await waitFor(replay.initiator, (s) => s.status === 'done');
  const r = replay.responder()!;
  await waitFor(r, (s) => s.matches('awaiting'));
  // It retransmits step 1 (maxRetries, default 3) and then gives up.
  for (let i = 0; i < 4; i++) {
    await settle();
    replay.clock.increment(TIMEOUT);
  }
  const out = await done(r);
  assert.equal(out.status === 'failed' && out.reason.code, 'timeout');
});

test('malformed and out-of-protocol frames fail with a reason; cancel is final', async () => {
  const run = start({ pattern: 'XX', tap: (from, bytes) => (from === 'r' ? null : bytes) });
  await waitFor(run.initiator, (s) => s.matches('awaiting'));
  run.initiator.send({ type: 'frame.received', frame: { v: 2, junk: true } });
  const out = await done(run.initiator);
  assert.equal(out.status === 'failed' && out.reason.code, 'malformed');
  const run2 = start({ pattern: 'XX', tap: (from, bytes) => (from === 'r' ? null : bytes) });
  await waitFor(run2.initiator, (s) => s.matches('awaiting'));
  const frame = decodeHandshakeFrame(run2.wire[0]!) as HandshakeFrame;
  run2.initiator.send({ type: 'frame.received', frame: { ...frame, pattern: 'IK', step: 1 } });
  const out2 = await done(run2.initiator);
  assert.equal(out2.status === 'failed' && out2.reason.code, 'protocol');
  const run3 = start({ pattern: 'XX' });
  run3.initiator.send({ type: 'handshake.cancel' });
  const out3 = await done(run3.initiator);
  assert.equal(out3.status === 'failed' && out3.reason.code, 'cancelled');
});
