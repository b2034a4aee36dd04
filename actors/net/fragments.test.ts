import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TestClock } from '../clock.js';
import {
  FRAGMENT_BODY_BYTES,
  FRAGMENT_HEADER_BYTES,
  fragmentPieces,
  MAX_ENVELOPE_BYTES,
  Reassembler,
  splitEnvelope
} from './fragments.js';

/** A deterministic envelope of `n` bytes. */
const envelope = (n: number, seed = 1) => {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
};

describe('fragments', () => {
  it('splits 1 MiB into 17 even parts that each fit one Noise message', () => {
    const parts = splitEnvelope(7, envelope(MAX_ENVELOPE_BYTES));
    assert.equal(parts.length, 17);
    for (const p of parts) assert.ok(p.byteLength - 12 <= FRAGMENT_BODY_BYTES);
  });

  it('reassembles any order of fragments, with duplicates refused', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: FRAGMENT_BODY_BYTES + 1, max: 6 * FRAGMENT_BODY_BYTES }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.func(fc.integer()),
        (size, id, rank) => {
          const clock = new TestClock();
          const r = new Reassembler({ clock });
          const data = envelope(size, id);
          const parts = splitEnvelope(id, data);
          const order = parts.map((p, i) => ({ p, k: rank(i) })).sort((x, y) => x.k - y.k);
          let out: Uint8Array | null = null;
          for (const [n, { p }] of order.entries()) {
            out = r.accept('peer', p);
            if (n < parts.length - 1) assert.equal(out, null);
          }
          assert.ok(out && Buffer.from(out).equals(data));
          assert.equal(r.stats().pending, 0);
          // A fragment of a completed message starts a new one that can never complete.
          assert.equal(r.accept('peer', parts[0]!), null);
          assert.equal(r.accept('peer', parts[0]!), null);
          assert.equal(r.stats().dropped.duplicate, 1);
        }
      ),
      { numRuns: 25 }
    );
  });

  it('cuts pieces as views of the caller’s parts, wherever the parts are cut', () => {
    fc.assert(
      fc.property(
        // Sizes around every fragment-count boundary: n · body + δ.
        fc.integer({ min: 2, max: 16 }),
        fc.integer({ min: -3, max: 3 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (n, delta, cutSeeds) => {
          const size = Math.min(MAX_ENVELOPE_BYTES, n * FRAGMENT_BODY_BYTES + delta);
          const data = envelope(size, n);
          const cuts = [...new Set(cutSeeds.map((c) => c % (size + 1)))].sort((a, b) => a - b);
          const ends = [...cuts, size];
          const parts = ends.map((end, i) => data.subarray(i === 0 ? 0 : ends[i - 1], end));
          const fragments = fragmentPieces(n, parts);
          assert.deepEqual(
            fragments.map((f) => Buffer.concat(f)),
            splitEnvelope(n, data)
          );
          for (const pieces of fragments) {
            assert.equal(pieces[0]!.byteLength, FRAGMENT_HEADER_BYTES);
            for (const p of pieces.slice(1)) assert.equal(p.buffer, data.buffer, 'copied');
          }
          const r = new Reassembler({ clock: new TestClock() });
          let out: Uint8Array | null = null;
          for (const f of fragments) out = r.accept('p', Buffer.concat(f));
          assert.ok(out && Buffer.from(out).equals(data));
        }
      ),
      { numRuns: 60 }
    );
  });

  it('refuses oversized, inconsistent and truncated fragments', () => {
    const r = new Reassembler({ clock: new TestClock(), maxMessageBytes: 200_000 });
    const big = splitEnvelope(1, envelope(300_000));
    assert.equal(r.accept('a', big[0]!), null);
    assert.equal(r.stats().dropped.oversized, 1);
    const parts = splitEnvelope(2, envelope(150_000));
    assert.equal(r.accept('a', parts[0]!.subarray(0, 100)), null);
    assert.equal(r.accept('a', Uint8Array.of(1, 2, 3)), null);
    r.accept('a', parts[0]!);
    const other = splitEnvelope(2, envelope(140_000));
    assert.equal(r.accept('a', other[1]!), null, 'same id, other total: the message is dropped');
    assert.equal(r.stats().dropped.malformed, 3);
    assert.equal(r.stats().pending, 0);
  });

  it('bounds a flood of incomplete messages per peer and in total, and times them out', () => {
    const clock = new TestClock();
    const r = new Reassembler({
      clock,
      maxPendingPerPeer: 4,
      maxPendingBytesPerPeer: 1 << 20,
      maxPendingBytes: 2 << 20,
      timeoutMs: 5_000
    });
    const size = 3 * FRAGMENT_BODY_BYTES;
    for (let id = 0; id < 200; id++) r.accept('mallory', splitEnvelope(id, envelope(size))[0]!);
    let s = r.stats();
    assert.equal(s.pending, 4);
    assert.ok(s.pendingBytes <= 1 << 20);
    assert.equal(s.dropped.evicted, 196);
    for (let i = 0; i < 20; i++) {
      r.accept(`peer-${i}`, splitEnvelope(0, envelope(MAX_ENVELOPE_BYTES))[0]!);
    }
    s = r.stats();
    assert.ok(s.pendingBytes <= 2 << 20, `${s.pendingBytes} B held`);
    // A legitimate message still gets through the flood.
    const good = splitEnvelope(9, envelope(size, 9));
    let out: Uint8Array | null = null;
    for (const p of good) out = r.accept('alice', p);
    assert.ok(out && Buffer.from(out).equals(envelope(size, 9)));
    clock.increment(5_001);
    s = r.stats();
    assert.equal(s.pending, 0);
    assert.equal(s.pendingBytes, 0);
    assert.ok(s.dropped.timeout >= 1);
  });

  it('forgets what a peer had in flight when its session ends', () => {
    const r = new Reassembler({ clock: new TestClock() });
    r.accept('a', splitEnvelope(1, envelope(100_000))[0]!);
    r.accept('b', splitEnvelope(1, envelope(100_000))[0]!);
    r.forget('a');
    assert.equal(r.stats().pending, 1);
    assert.equal(r.stats().pendingBytes, 100_000);
  });
});
