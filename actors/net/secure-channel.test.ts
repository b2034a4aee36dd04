import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TestClock } from '../clock.js';
import { Session } from '../crypto/session.js';
import { completedXX } from '../crypto/test-kit.js';
import { createRandom } from '../random.js';
import { TransportError } from '../transports/errors.js';
import { createMemoryNetwork } from '../transports/memory.js';
import type { Transport } from '../transports/types.js';
import { FRAGMENT_BODY_BYTES, FRAGMENT_HEADER_BYTES, MAX_ENVELOPE_BYTES } from './fragments.js';
import { CHANNEL, TAG } from './frames.js';
import { SecureChannel } from './secure-channel.js';

/** Two ends of one XX handshake, thrice over: the same keys for three sender sessions. */
function sessions(): { a1: Session; a2: Session; a3: Session; b: () => Session } {
  const { initiator: ir, responder: rr } = completedXX();
  const keys = { c1: Buffer.from(ir.c1.key), c2: Buffer.from(ir.c2.key), h: ir.handshakeHash };
  return {
    a1: new Session(keys.c1, keys.c2, keys.h, null),
    a2: new Session(keys.c1, keys.c2, keys.h, null),
    a3: new Session(keys.c1, keys.c2, keys.h, null),
    b: () => new Session(Buffer.from(rr.c2.key), Buffer.from(rr.c1.key), rr.handshakeHash, null)
  };
}

/** A transport that records what is sent; it offers sendParts or sendOwned as asked. */
function recorder(parts: boolean, owned = false): Transport & { frames: Uint8Array[] } {
  const frames: Uint8Array[] = [];
  return {
    kind: 'record',
    address: 'me',
    maxFrameBytes: 1 << 20,
    frames,
    send: async (_to, frame) => void frames.push(Uint8Array.from(frame)),
    ...(parts
      ? {
          sendParts: async (_to: string, p: readonly Uint8Array[]) =>
            void frames.push(Uint8Array.from(Buffer.concat(p)))
        }
      : {}),
    ...(owned
      ? { sendOwned: async (_to: string, frame: Uint8Array) => void frames.push(frame) }
      : {}),
    onFrame: () => () => undefined,
    close: async () => undefined
  };
}

test('mediums with sendParts, sendOwned or only send get the same frames, and they open', async () => {
  const { a1, a2, a3, b } = sessions();
  const [withParts, plain, owning] = [recorder(true), recorder(false), recorder(true, true)];
  const clock = new TestClock();
  const senders = [withParts, plain, owning].map((raw, k) => {
    const ch = new SecureChannel({ raw, connect: () => undefined, clock });
    ch.install('peer', { nodeId: 'n', session: [a1, a2, a3][k]!, hid: 'h' });
    return ch;
  });
  const receiver = new SecureChannel({ raw: plain, connect: () => undefined, clock });
  receiver.install('peer', { nodeId: 'n', session: b(), hid: 'h' });
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.tuple(
          fc.constantFrom(CHANNEL.router, CHANNEL.liveness),
          fc.uint8Array({ maxLength: 70_000 })
        ),
        {
          maxLength: 8
        }
      ),
      async (messages) => {
        withParts.frames.length = plain.frames.length = owning.frames.length = 0;
        for (const [channel, payload] of messages) {
          const bounded = payload.subarray(0, 65_000);
          for (const ch of senders) await ch.write('peer', channel, bounded);
        }
        assert.deepEqual(withParts.frames, plain.frames);
        assert.deepEqual(
          owning.frames.map((f) => Uint8Array.from(f)),
          plain.frames
        );
        for (const [k, frame] of plain.frames.entries()) {
          assert.equal(frame[0], TAG.session);
          const opened = receiver.open('peer', frame.subarray(1));
          const [channel, payload] = messages[k]!;
          assert.deepEqual(opened, { channel, payload: Buffer.from(payload.subarray(0, 65_000)) });
        }
      }
    ),
    { numRuns: 20 }
  );
});

test('write reports no session with null and counts a failed send instead of throwing', async () => {
  const raw = recorder(true);
  raw.sendParts = () => Promise.reject(new Error('down'));
  const ch = new SecureChannel({ raw, connect: () => undefined, clock: new TestClock() });
  assert.equal(ch.write('nobody', CHANNEL.router, Uint8Array.of(1)), null);
  ch.install('peer', { nodeId: 'n', session: sessions().a1, hid: 'h' });
  await ch.write('peer', CHANNEL.router, Uint8Array.of(1));
  assert.equal(ch.stats().sendErrors, 1);
});

/**
 * Two channels over a real memory network, the receiver dispatching as inbound.ts does; `tamper`
 * may change a raw frame in flight (a byte flip), as an attacker on the medium could.
 */
function linked(tamper: (frame: Uint8Array) => void = () => undefined) {
  const clock = new TestClock();
  const net = createMemoryNetwork({ clock, random: createRandom(3) });
  const [rawA, rawB] = [net.transport('a'), net.transport('b')];
  const { a1, b } = sessions();
  const sender = new SecureChannel({ raw: rawA, connect: () => undefined, clock });
  const receiver = new SecureChannel({ raw: rawB, connect: () => undefined, clock });
  sender.install('b', { nodeId: 'nb', session: a1, hid: 'h' });
  receiver.install('a', { nodeId: 'na', session: b(), hid: 'h' });
  const got: Uint8Array[] = [];
  let forged = 0;
  receiver.transport.onFrame((_from, frame) => got.push(frame));
  rawB.onFrame((from, frame) => {
    tamper(frame);
    let opened;
    try {
      opened = receiver.open(from, frame.subarray(1));
    } catch {
      return void forged++;
    }
    if (opened?.channel === CHANNEL.router) receiver.deliver(from, opened.payload);
    if (opened?.channel === CHANNEL.fragment) receiver.deliverFragment(from, opened.payload);
  });
  return { clock, sender, receiver, got, forged: () => forged };
}

test('envelopes sent as pieces arrive whole, at every size around the fragment boundaries', async () => {
  const { clock, sender, receiver, got } = linked();
  // One session message holds FRAGMENT_HEADER_BYTES more than a fragment's share of a message.
  const single = FRAGMENT_BODY_BYTES + FRAGMENT_HEADER_BYTES;
  const sent: Buffer[] = [];
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.integer({ min: 0, max: 16 }).map((n) => n * FRAGMENT_BODY_BYTES),
        fc.constant(single)
      ),
      fc.integer({ min: -2, max: 2 }),
      fc.array(fc.nat(), { maxLength: 4 }),
      async (base, delta, cutSeeds) => {
        const n = base % 251;
        const size = Math.max(0, Math.min(MAX_ENVELOPE_BYTES, base + delta));
        const data = Buffer.alloc(size);
        for (let i = 0; i < size; i++) data[i] = (i * 13 + n) & 0xff;
        const cuts = [...new Set(cutSeeds.map((c) => c % (size + 1)))].sort((x, y) => x - y);
        const ends = [...cuts, size];
        const parts = ends.map((end, i) => data.subarray(i === 0 ? 0 : ends[i - 1], end));
        const before = got.length;
        await sender.transport.sendParts!('b', parts);
        await clock.increment(1);
        assert.equal(got.length, before + 1);
        assert.ok(Buffer.from(got[before]!).equals(data));
        sent.push(data);
        assert.deepEqual(Buffer.concat(parts), data, 'the sender’s parts were written');
      }
    ),
    { numRuns: 40 }
  );
  // Every frame handed over is the router's own: none changed while later ones were opened.
  assert.equal(got.length, sent.length);
  for (const [i, frame] of got.entries()) assert.ok(Buffer.from(frame).equals(sent[i]!), `${i}`);
  assert.equal(receiver.stats().reassembly.pending, 0);
  await assert.rejects(
    sender.transport.sendParts!('b', [new Uint8Array(MAX_ENVELOPE_BYTES), Uint8Array.of(1)]),
    (err) => err instanceof TransportError && err.code === 'ERR_TRANSPORT_FRAME_TOO_LARGE'
  );
  assert.equal(sender.stats().framesOut > 0, true);
});

test('a flipped byte anywhere in a fragment loses the envelope, never corrupts it', async () => {
  let flip: { frame: number; at: number } | null = null;
  let seen = 0;
  const { clock, sender, got, forged } = linked((frame) => {
    if (flip && seen++ === flip.frame) frame[1 + (flip.at % (frame.byteLength - 1))]! ^= 0x40;
  });
  await fc.assert(
    fc.asyncProperty(fc.nat(4), fc.nat(), async (frame, at) => {
      const data = Buffer.alloc(4 * FRAGMENT_BODY_BYTES + 100, frame + 1); // five fragments
      flip = { frame, at };
      seen = 0;
      got.length = 0;
      const before = forged();
      await sender.transport.sendParts!('b', [data.subarray(0, 10), data.subarray(10)]);
      await clock.increment(1);
      assert.equal(got.length, 0);
      assert.equal(forged(), before + 1);
    }),
    { numRuns: 25 }
  );
});
