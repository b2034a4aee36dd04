import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ReplayWindow } from './replay-window.js';
import { MAX_PLAINTEXT, Session, type SessionOptions } from './session.js';
import { completedXX } from './test-kit.js';

function pair(opts?: SessionOptions): [Session, Session] {
  const { initiator, responder } = completedXX();
  return [
    Session.fromHandshake(initiator, true, opts),
    Session.fromHandshake(responder, false, opts)
  ];
}

const text = (b: Uint8Array): string => Buffer.from(b).toString();

test('a replayed frame is rejected, a fresh one accepted', () => {
  const [a, b] = pair();
  const f = a.send(Buffer.from('one'));
  assert.equal(text(b.receive(f)), 'one');
  assert.throws(() => b.receive(f), { code: 'ERR_NOISE_REPLAY' });
  assert.equal(text(b.receive(a.send(Buffer.from('two')))), 'two');
});

test('reordering within the window is accepted exactly once; beyond it is refused', () => {
  const [a, b] = pair({ replayWindow: 8, rekeyInterval: 64 });
  const frames = Array.from({ length: 20 }, (_, i) => a.send(Buffer.from(`m${i}`)));
  assert.equal(text(b.receive(frames[10]!)), 'm10');
  assert.equal(text(b.receive(frames[4]!)), 'm4');
  assert.throws(() => b.receive(frames[4]!), { code: 'ERR_NOISE_REPLAY' });
  assert.throws(() => b.receive(frames[2]!), { code: 'ERR_NOISE_REPLAY' });
  assert.equal(text(b.receive(frames[3]!)), 'm3');
});

test('any permutation with duplicates delivers every message once (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.nat(29), { minLength: 1, maxLength: 80 }), (order) => {
      const [a, b] = pair({ replayWindow: 8, rekeyInterval: 8 });
      const frames = Array.from({ length: 30 }, (_, i) => a.send(Buffer.from(`m${i}`)));
      const got = new Set<string>();
      for (const i of order) {
        try {
          const m = text(b.receive(frames[i]!));
          assert.ok(!got.has(m), `duplicate ${m}`);
          got.add(m);
        } catch (err) {
          assert.equal((err as { code?: string }).code, 'ERR_NOISE_REPLAY');
        }
      }
      assert.ok(got.size >= 1);
    }),
    { numRuns: 60 }
  );
});

test('keys roll over every interval and on request, on both sides alike', () => {
  const [a, b] = pair({ rekeyInterval: 4, replayWindow: 4 });
  for (let i = 0; i < 13; i++) assert.equal(text(b.receive(a.send(Buffer.from(`x${i}`)))), `x${i}`);
  a.rekey();
  assert.equal(a.sendNonce, 16);
  const f = a.send(Buffer.from('after rekey'));
  assert.equal(text(b.receive(f)), 'after rekey');
  // A straggler from the previous epoch still decrypts with the kept key.
  const [c, d] = pair({ rekeyInterval: 4, replayWindow: 4 });
  const early = [0, 1, 2, 3, 4, 5].map((i) => c.send(Buffer.from(`y${i}`)));
  assert.equal(text(d.receive(early[5]!)), 'y5');
  assert.equal(text(d.receive(early[3]!)), 'y3');
});

test('tampered, truncated and oversized frames are refused without changing state', () => {
  const [a, b] = pair();
  const f = Buffer.from(a.send(Buffer.from('payload')));
  const bad = Buffer.from(f);
  bad[bad.length - 1]! ^= 1;
  assert.throws(() => b.receive(bad), { code: 'ERR_NOISE_DECRYPT' });
  const renumbered = Buffer.from(f);
  renumbered[7]! ^= 1;
  assert.throws(() => b.receive(renumbered), { code: 'ERR_NOISE_DECRYPT' });
  assert.throws(() => b.receive(f.subarray(0, 10)), { code: 'ERR_NOISE_FRAME' });
  assert.equal(text(b.receive(f)), 'payload');
  assert.throws(() => a.send(new Uint8Array(MAX_PLAINTEXT + 1)), { code: 'ERR_NOISE_TOO_LARGE' });
  assert.equal(b.receive(a.send(new Uint8Array(MAX_PLAINTEXT))).byteLength, MAX_PLAINTEXT);
  a.destroy();
  assert.throws(() => a.send(Buffer.from('x')), { code: 'ERR_NOISE_CLOSED' });
});

test('the replay window slides and forgets correctly', () => {
  const w = new ReplayWindow(4);
  assert.equal(w.check(0), 'ok');
  w.commit(0);
  assert.equal(w.check(0), 'duplicate');
  w.commit(9);
  assert.equal(w.check(5), 'too-old');
  assert.equal(w.check(6), 'ok');
  assert.equal(w.check(9), 'duplicate');
  assert.throws(() => new ReplayWindow(0), RangeError);
});
