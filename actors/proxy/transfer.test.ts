import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_PLAINTEXT, Session } from '../crypto/session.js';
import { op, parseOp, sealedFrame, transferFrame } from './transfer.js';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const hash = randomBytes(64);

test('sealedFrame is byte for byte the frame of transferFrame(3, sid, send(op(…)))', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
      // Around the small/bulk seal boundary and up to a real chunk; undefined = no bytes (an ack).
      fc.option(fc.integer({ min: 0, max: MAX_PLAINTEXT - 9 }), { nil: undefined }),
      (code, reqId, index, size) => {
        const [a, b] = [new Session(k1, k2, hash, null), new Session(k1, k2, hash, null)];
        const peer = new Session(k2, k1, hash, null);
        const sid = randomBytes(8);
        const bytes = size === undefined ? undefined : randomBytes(size);
        const frame = sealedFrame(a, sid, code, reqId, index, bytes);
        const expected = transferFrame(3, sid, b.send(op(code, reqId, index, bytes)));
        assert.deepEqual(Buffer.from(frame), Buffer.from(expected));
        const o = parseOp(peer.receive(frame.subarray(10)));
        assert.deepEqual([o.code, o.reqId, o.index], [code, reqId, index]);
        assert.deepEqual(Buffer.from(o.bytes), Buffer.from(bytes ?? []));
      }
    ),
    { numRuns: 60 }
  );
});

test('a sealedFrame altered in flight fails authentication', () => {
  const a = new Session(k1, k2, hash, null);
  const peer = new Session(k2, k1, hash, null);
  const frame = sealedFrame(a, randomBytes(8), 1, 7, 3, randomBytes(48 << 10));
  frame[frame.byteLength - 100] = (frame[frame.byteLength - 100] as number) ^ 1;
  assert.throws(() => peer.receive(frame.subarray(10)), { code: 'ERR_NOISE_DECRYPT' });
});
