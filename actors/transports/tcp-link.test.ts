/**
 * The tcp link over time: reconnect after the remote restarts (with backoff on the TestClock),
 * keepalive that tells a dead peer from an idle one, backpressure and the stall timeout, and one
 * connection reused both ways.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { TransportError } from './errors.js';
import { TcpKit, until } from './tcp-test-kit.js';

const isCode = (code: string) => (err: unknown) =>
  err instanceof TransportError && err.code === code;

describe('tcp transport: link', () => {
  let kit: TcpKit;
  beforeEach(() => void (kit = new TcpKit()));
  afterEach(() => kit.close());

  it('reuses one connection both ways', async () => {
    const [a, b] = [await kit.open(), await kit.open()];
    const [inA, inB] = [[] as string[], [] as string[]];
    a.onFrame((from) => inA.push(from));
    b.onFrame((from) => inB.push(from));
    await a.send(b.address, Uint8Array.of(1));
    await until(() => inB.length === 1, 'a → b');
    await b.send(a.address, Uint8Array.of(2));
    await until(() => inA.length === 1, 'b → a');
    assert.deepEqual([inA, inB], [[b.address], [a.address]]);
    assert.equal(a.stats().dialed + b.stats().dialed, 1);
    assert.equal(a.stats().accepted + b.stats().accepted, 1);
  });

  it('gives owning handlers private frames beside a borrower, and takes sendParts whole', async () => {
    const [a, b] = [await kit.open(), await kit.open()];
    const kept: Uint8Array[] = [];
    const borrowed: number[] = [];
    b.onFrame((_from, f) => borrowed.push(f.byteLength), { borrow: true });
    b.onFrame((_from, f) => kept.push(f));
    // Large frames straddle socket reads, so the decoder joins them in its reused buffer.
    const sizes = [70_000, 65_000, 3, 90_000];
    for (const [i, n] of sizes.entries()) {
      const bytes = new Uint8Array(n).fill(i + 1);
      if (i % 2 === 0) await a.send(b.address, bytes);
      else await a.sendParts?.(b.address, [bytes.subarray(0, 7), bytes.subarray(7)]);
    }
    await until(() => kept.length === sizes.length, 'all frames');
    assert.deepEqual(borrowed, sizes);
    kept.forEach((f, i) => assert.deepEqual(f, new Uint8Array(sizes[i]!).fill(i + 1)));
  });

  it('refuses a sendParts frame above the cap before writing anything', async () => {
    const [a, b] = [await kit.open({ maxFrameBytes: 100 }), await kit.open()];
    const parts = [new Uint8Array(60), new Uint8Array(41)];
    await assert.rejects(
      a.sendParts?.(b.address, parts) ?? Promise.resolve(),
      isCode('ERR_TRANSPORT_FRAME_TOO_LARGE')
    );
    assert.equal(a.stats().dialed, 0);
  });

  it('reconnects on the next send after the remote restarts, after its backoff', async () => {
    const a = await kit.open({ backoffMs: 500 });
    let b = await kit.open();
    const port = Number(b.address.split(':')[2]);
    const downs: string[] = [];
    a.onPeerDown?.((peer, reason) => downs.push(`${peer} ${reason}`));
    await a.send(b.address, Uint8Array.of(1));
    await b.close();
    await until(() => downs.length === 1, 'the peer-down report');
    assert.deepEqual(downs, [`${b.address} closed`]);

    await assert.rejects(a.send(b.address, Uint8Array.of(2)), isCode('ERR_TRANSPORT_UNREACHABLE'));
    b = await kit.open({ port });
    const got: number[] = [];
    b.onFrame((_from, f) => got.push(f[0] as number));
    // Within the backoff the send fails fast, without dialing; after it, it dials again.
    await assert.rejects(a.send(b.address, Uint8Array.of(3)), /backing off/);
    kit.clock.increment(500);
    await a.send(b.address, Uint8Array.of(4));
    await until(() => got.length === 1, 'the frame after the restart');
    assert.deepEqual(got, [4]);
    assert.equal(a.stats().dialFailures, 1);
    assert.equal(a.stats().dialed, 3);
  });

  it('doubles the backoff per failed dial, up to the cap', async () => {
    const a = await kit.open({ backoffMs: 100, maxBackoffMs: 300 });
    const dead = 'tcp://127.0.0.1:1';
    for (const wait of [100, 200, 300, 300]) {
      await assert.rejects(a.send(dead, Uint8Array.of(1)), /ECONNREFUSED/);
      kit.clock.increment(wait - 1);
      await assert.rejects(a.send(dead, Uint8Array.of(1)), /backing off/);
      kit.clock.increment(1);
    }
    assert.equal(a.stats().dialFailures, 4);
  });

  it('pings an idle peer and keeps the link while it answers', async () => {
    const opts = { pingIntervalMs: 1000, deadAfterMs: 3000 };
    const [a, b] = [await kit.open(opts), await kit.open(opts)];
    const downs: string[] = [];
    a.onPeerDown?.((peer) => downs.push(peer));
    await a.send(b.address, Uint8Array.of(1));
    await until(() => b.stats().framesIn === 1, 'the first frame');
    for (let i = 1; i <= 6; i++) {
      kit.clock.increment(1000);
      // Both sides ping when idle; wait until a's ping was answered before moving time on.
      await until(() => a.stats().pingsSent >= i && b.stats().pingsSent >= i, `ping ${i}`);
      for (let k = 0; k < 20; k++) await yieldToIo();
    }
    assert.deepEqual(downs, []);
    assert.equal(a.stats().open, 1);
  });

  it('declares a silent peer lost after the dead-peer timeout', async () => {
    const a = await kit.open({ pingIntervalMs: 1000, deadAfterMs: 3000 });
    const hung = await kit.silentServer();
    const downs: string[] = [];
    a.onPeerDown?.((peer, reason) => downs.push(`${peer} ${reason}`));
    await a.send(hung, Uint8Array.of(1));
    for (let i = 0; i < 3; i++) kit.clock.increment(1000);
    await until(() => downs.length === 1, 'the peer-down report');
    assert.deepEqual(downs, [`${hung} lost`]);
    assert.equal(a.stats().closed['idle-timeout'], 1);
    assert.ok(a.stats().pingsSent >= 2);
  });

  it('waits for drain above the high-water mark, refuses past the cap, closes when stalled', async () => {
    const a = await kit.open({
      highWaterMark: 256 * 1024,
      maxQueuedBytes: 1024 * 1024,
      stallTimeoutMs: 5000
    });
    const hung = await kit.silentServer();
    const frame = new Uint8Array(64 * 1024);
    const sends: Array<{ settled: boolean; outcome: Promise<unknown> }> = [];
    let refused: unknown = null;
    // Fill the kernel buffers of a peer that never reads (bounded: at most 256 MiB offered).
    for (let i = 0; i < 4096 && !refused; i++) {
      const s = { settled: false, outcome: Promise.resolve() as Promise<unknown> };
      s.outcome = a.send(hung, frame).then(
        () => ((s.settled = true), null),
        (err: unknown) => ((s.settled = true), err)
      );
      sends.push(s);
      await yieldToIo();
      if (s.settled) refused = await s.outcome;
    }
    assert.ok(isCode('ERR_TRANSPORT_UNREACHABLE')(refused), String(refused));
    assert.match(String(refused), /send queue full/);
    const waiting = sends.filter((s) => !s.settled);
    assert.ok(waiting.length > 0 && a.stats().drainWaits > 0);
    kit.clock.increment(5000);
    for (const s of waiting) assert.match(String(await s.outcome), /stalled/);
    assert.equal(a.stats().closed.stalled, 1);
  });
});
