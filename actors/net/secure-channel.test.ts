import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TestClock } from '../clock.js';
import { Session } from '../crypto/session.js';
import { completedXX } from '../crypto/test-kit.js';
import type { Transport } from '../transports/types.js';
import { CHANNEL, TAG } from './frames.js';
import { SecureChannel } from './secure-channel.js';

/** Two ends of one XX handshake, twice over: the same keys for two sender sessions. */
function sessions(): { a1: Session; a2: Session; b: () => Session } {
  const { initiator: ir, responder: rr } = completedXX();
  const keys = { c1: Buffer.from(ir.c1.key), c2: Buffer.from(ir.c2.key), h: ir.handshakeHash };
  return {
    a1: new Session(keys.c1, keys.c2, keys.h, null),
    a2: new Session(keys.c1, keys.c2, keys.h, null),
    b: () => new Session(Buffer.from(rr.c2.key), Buffer.from(rr.c1.key), rr.handshakeHash, null)
  };
}

/** A transport that records what is sent; with `parts`, it offers sendParts. */
function recorder(parts: boolean): Transport & { frames: Uint8Array[] } {
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
    onFrame: () => () => undefined,
    close: async () => undefined
  };
}

test('a medium with sendParts gets the same frames as one without, and they open', async () => {
  const { a1, a2, b } = sessions();
  const [withParts, plain] = [recorder(true), recorder(false)];
  const clock = new TestClock();
  const senders = [withParts, plain].map((raw, k) => {
    const ch = new SecureChannel({ raw, connect: () => undefined, clock });
    ch.install('peer', { nodeId: 'n', session: k === 0 ? a1 : a2, hid: 'h' });
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
        withParts.frames.length = plain.frames.length = 0;
        for (const [channel, payload] of messages) {
          const bounded = payload.subarray(0, 65_000);
          for (const ch of senders) await ch.write('peer', channel, bounded);
        }
        assert.deepEqual(withParts.frames, plain.frames);
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
