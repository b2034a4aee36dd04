/**
 * The transport compliance suite: memory, tcp and nats all run it, so the router above them can
 * rely on one behaviour. The harness hides how a medium makes progress: the memory harness advances
 * a TestClock, a socket harness yields to real I/O — the suite itself never sleeps.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TransportError, type TransportErrorCode } from './errors.js';
import type { Transport } from './types.js';

/** What a transport implementation hands the suite for each test. */
export interface TransportHarness {
  /** Opens one more endpoint (a new node); the harness chooses its address. */
  open(): Promise<Transport>;
  /** Lets in-flight frames make progress: advance a simulated clock, or await I/O once. */
  tick(): Promise<void>;
  /** An address of this kind where nobody listens. */
  unreachableAddress(): string;
  /** True when `send` to a dead or unknown address rejects with ERR_TRANSPORT_UNREACHABLE. */
  rejectsUnreachable: boolean;
  /** Most ticks to wait for a condition before failing (default 1000). */
  maxTicks?: number;
}

/** Setup and teardown of one fresh harness per test; teardown closes what `open` made. */
export interface TransportComplianceHooks {
  setup(): Promise<TransportHarness>;
  teardown(harness: TransportHarness): Promise<void>;
}

interface Received {
  from: string;
  frame: Uint8Array;
}

/** Collects everything an endpoint receives. */
function inbox(t: Transport): Received[] {
  const got: Received[] = [];
  t.onFrame((from, frame) => got.push({ from, frame }));
  return got;
}

const rejectsWith = (p: Promise<unknown>, code: TransportErrorCode): Promise<void> =>
  assert.rejects(p, (err) => err instanceof TransportError && err.code === code);

/** Deterministic filler, so a corrupted or misplaced byte shows. */
function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 7) & 0xff;
  return out;
}

/** Registers the suite under `describe(name)`. */
export function transportCompliance(name: string, hooks: TransportComplianceHooks): void {
  describe(`Transport compliance: ${name}`, () => {
    let h: TransportHarness;
    beforeEach(async () => {
      h = await hooks.setup();
    });
    afterEach(() => hooks.teardown(h));

    const until = async (cond: () => boolean, what: string): Promise<void> => {
      for (let i = 0; i < (h.maxTicks ?? 1000); i++) {
        if (cond()) return;
        await h.tick();
      }
      assert.fail(`gave up waiting for ${what}`);
    };

    it('delivers frames both ways, intact, from the sender address', async () => {
      const [a, b] = [await h.open(), await h.open()];
      assert.ok(a.kind && a.address && a.address !== b.address && a.maxFrameBytes > 0);
      const [inA, inB] = [inbox(a), inbox(b)];
      await a.send(b.address, pattern(100, 1));
      await b.send(a.address, new Uint8Array(0));
      await until(() => inA.length === 1 && inB.length === 1, 'one frame each way');
      assert.deepEqual(inB[0], { from: a.address, frame: pattern(100, 1) });
      assert.deepEqual(inA[0], { from: b.address, frame: new Uint8Array(0) });
    });

    it('keeps send order between two endpoints, each frame once', async () => {
      const [a, b] = [await h.open(), await h.open()];
      const got = inbox(b);
      for (let i = 0; i < 300; i++) await a.send(b.address, Uint8Array.of(i >> 8, i & 0xff));
      await until(() => got.length >= 300, '300 frames');
      for (let i = 0; i < 3; i++) await h.tick(); // any duplicate would show up now
      assert.deepEqual(
        got.map((r) => (r.frame[0] as number) * 256 + (r.frame[1] as number)),
        Array.from({ length: 300 }, (_, i) => i)
      );
    });

    it('carries a frame of exactly the cap, and refuses one byte more', async () => {
      const [a, b] = [await h.open(), await h.open()];
      const got = inbox(b);
      const max = a.maxFrameBytes;
      await rejectsWith(
        a.send(b.address, new Uint8Array(max + 1)),
        'ERR_TRANSPORT_FRAME_TOO_LARGE'
      );
      await a.send(b.address, pattern(max, 2));
      await a.send(b.address, pattern(max - 1, 3));
      await until(() => got.length === 2, 'two large frames');
      assert.deepEqual(got[0]?.frame, pattern(max, 2));
      assert.deepEqual(got[1]?.frame, pattern(max - 1, 3));
    });

    it('lets the sender reuse its buffer once send resolved', async () => {
      const [a, b] = [await h.open(), await h.open()];
      const got = inbox(b);
      const buf = pattern(64, 4);
      await a.send(b.address, buf);
      buf.fill(0);
      await until(() => got.length === 1, 'the frame');
      assert.deepEqual(got[0]?.frame, pattern(64, 4));
    });

    it('sends pieces as one frame, interleaved in order with send, within the same cap', async () => {
      const [a, b] = [await h.open(), await h.open()];
      if (!a.sendParts) return; // optional: the medium has only `send`
      const got = inbox(b);
      const max = a.maxFrameBytes;
      const whole = pattern(max, 5);
      // Cut at uneven places, with an empty piece: the receiver sees only the joined frame.
      const cuts = [0, 1, 1, 100, Math.floor(max / 3), max - 1, max];
      const pieces = cuts.slice(1).map((end, i) => whole.subarray(cuts[i], end));
      await rejectsWith(
        a.sendParts(b.address, [...pieces, Uint8Array.of(0)]),
        'ERR_TRANSPORT_FRAME_TOO_LARGE'
      );
      await a.sendParts(b.address, pieces);
      await a.send(b.address, Uint8Array.of(9));
      await a.sendParts(b.address, [Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)]);
      await a.sendParts(b.address, []);
      await until(() => got.length === 4, 'four frames');
      assert.deepEqual(
        got.map((r) => r.frame),
        [whole, Uint8Array.of(9), Uint8Array.of(1, 2, 3), new Uint8Array(0)]
      );
      // Lent pieces stay the sender's: the medium never wrote them.
      assert.deepEqual(Buffer.concat(pieces), Buffer.from(pattern(max, 5)));
    });

    it('takes a frame given up with sendOwned, in order with send, within the same cap', async () => {
      const [a, b] = [await h.open(), await h.open()];
      if (!a.sendOwned) return; // optional: the medium has only `send`
      const got = inbox(b);
      const max = a.maxFrameBytes;
      await rejectsWith(
        a.sendOwned(b.address, new Uint8Array(max + 1)),
        'ERR_TRANSPORT_FRAME_TOO_LARGE'
      );
      await a.sendOwned(b.address, pattern(max, 6));
      await a.send(b.address, Uint8Array.of(9));
      await a.sendOwned(b.address, new Uint8Array(0));
      await until(() => got.length === 3, 'three frames');
      assert.deepEqual(
        got.map((r) => r.frame),
        [pattern(max, 6), Uint8Array.of(9), new Uint8Array(0)]
      );
    });

    it('rejects sends on a closed endpoint, and close is idempotent', async () => {
      const [a, b] = [await h.open(), await h.open()];
      await a.close();
      await a.close();
      await rejectsWith(a.send(b.address, Uint8Array.of(1)), 'ERR_TRANSPORT_CLOSED');
    });

    it('handles an unreachable peer without breaking', async () => {
      const [a, b] = [await h.open(), await h.open()];
      const got = inbox(b);
      const dead = await h.open();
      const deadAddress = dead.address;
      await dead.close();
      for (const to of [h.unreachableAddress(), deadAddress]) {
        const sent = a.send(to, Uint8Array.of(1));
        if (h.rejectsUnreachable) await rejectsWith(sent, 'ERR_TRANSPORT_UNREACHABLE');
        else await sent.catch((err) => assert.equal(err.code, 'ERR_TRANSPORT_UNREACHABLE'));
      }
      await a.send(b.address, Uint8Array.of(2));
      await until(() => got.length === 1, 'the frame after the failures');
    });

    it('stops delivering to an unsubscribed handler', async () => {
      const [a, b] = [await h.open(), await h.open()];
      const kept = inbox(b);
      const gone: Uint8Array[] = [];
      const off = b.onFrame((_from, f) => gone.push(f));
      off();
      await a.send(b.address, Uint8Array.of(1));
      await until(() => kept.length === 1, 'the frame');
      assert.equal(gone.length, 0);
    });

    it('connects many peers all to all', async () => {
      const peers: Transport[] = [];
      for (let i = 0; i < 12; i++) peers.push(await h.open());
      const boxes = peers.map(inbox);
      for (const from of peers) {
        for (const to of peers)
          if (from !== to) await from.send(to.address, pattern(32, peers.indexOf(from)));
      }
      await until(() => boxes.every((b) => b.length === 11), 'every frame');
      boxes.forEach((box, i) => {
        const senders = box.map((r) => r.from).sort();
        assert.deepEqual(
          senders,
          peers
            .filter((_, j) => j !== i)
            .map((p) => p.address)
            .sort()
        );
        for (const r of box) {
          const j = peers.findIndex((p) => p.address === r.from);
          assert.deepEqual(r.frame, pattern(32, j));
        }
      });
    });

    it('accepts concurrent sends and keeps each sender in order', async () => {
      const target = await h.open();
      const senders = [await h.open(), await h.open(), await h.open(), await h.open()];
      const got = inbox(target);
      await Promise.all(
        senders.flatMap((s, k) =>
          Array.from({ length: 100 }, (_, i) => s.send(target.address, Uint8Array.of(k, i)))
        )
      );
      await until(() => got.length >= 400, '400 frames');
      senders.forEach((s, k) => {
        const seq = got.filter((r) => r.from === s.address).map((r) => r.frame[1]);
        assert.deepEqual(
          seq,
          Array.from({ length: 100 }, (_, i) => i),
          `sender ${k} in order`
        );
        assert.ok(got.filter((r) => r.from === s.address).every((r) => r.frame[0] === k));
      });
    });
  });
}
