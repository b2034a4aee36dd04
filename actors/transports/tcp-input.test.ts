/**
 * Bad input on the tcp port: garbage, oversized or half-written frames, wrong hellos and a flood of
 * connections from one address each close only the offending connection, with a logged reason and
 * a counter, and the endpoint keeps serving its peers.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { encodeFrame, encodeHello, FrameKind, TCP_PROTOCOL } from './tcp-framing.js';
import { TcpKit, until } from './tcp-test-kit.js';
import type { TcpTransport } from './tcp-types.js';

/** One length prefix, no body. */
const prefix = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
};

describe('tcp transport: bad input', () => {
  let kit: TcpKit;
  let server: TcpTransport;
  beforeEach(async () => {
    kit = new TcpKit();
    server = await kit.open({ maxFrameBytes: 4096 });
  });
  afterEach(() => kit.close());

  /** After any bad input the endpoint still carries frames from a well-behaved peer. */
  const stillServes = async (): Promise<void> => {
    const peer = await kit.open();
    const got: Uint8Array[] = [];
    server.onFrame((_from, f) => got.push(f));
    await peer.send(server.address, Uint8Array.of(7));
    await until(() => got.length === 1, 'a frame from a good peer');
  };

  it('closes a connection that sends garbage (an HTTP request)', async () => {
    const s = await kit.raw(server.address);
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await kit.closedByPeer(s);
    const st = server.stats();
    assert.equal(st.closed['bad-length'], 1);
    assert.equal(st.badFrames, 1);
    assert.deepEqual(kit.warnings.at(-1), { peer: null, reason: 'bad-length' });
    await stillServes();
  });

  it('refuses an oversized length prefix before reading the body', async () => {
    for (const n of [0xffffffff, 4096 + 2, 0]) {
      const s = await kit.raw(server.address);
      s.write(prefix(n)); // no body follows: the prefix alone must end the connection
      await kit.closedByPeer(s);
    }
    assert.equal(server.stats().closed['bad-length'], 3);
    await stillServes();
  });

  it('drops a half-written frame when the peer closes mid-frame, and reports it lost', async () => {
    const downs: string[] = [];
    server.onPeerDown?.((peer, reason) => downs.push(`${peer} ${reason}`));
    const got: Uint8Array[] = [];
    server.onFrame((_from, f) => got.push(f));
    const s = await kit.raw(server.address);
    const whole = encodeFrame(FrameKind.data, new Uint8Array(1000));
    s.write(encodeFrame(FrameKind.hello, encodeHello('tcp://127.0.0.1:9')));
    s.end(whole.subarray(0, 100));
    await kit.closedByPeer(s);
    await until(() => downs.length === 1, 'the peer-down report');
    assert.deepEqual(downs, ['tcp://127.0.0.1:9 lost']);
    assert.equal(got.length, 0);
    assert.equal(server.stats().closed['remote-end'], 1);
  });

  it('refuses a wrong protocol name, a bad address, or data before the hello', async () => {
    const hellos = [
      Buffer.from('other-proto/1\ntcp://127.0.0.1:9'),
      Buffer.from(`${TCP_PROTOCOL}\nnot-an-address`),
      Buffer.alloc(400, 0x41)
    ];
    for (const body of hellos) {
      const s = await kit.raw(server.address);
      s.write(encodeFrame(FrameKind.hello, body));
      await kit.closedByPeer(s);
    }
    const s = await kit.raw(server.address);
    s.write(encodeFrame(FrameKind.data, Uint8Array.of(1)));
    await kit.closedByPeer(s);
    const st = server.stats();
    assert.equal(st.closed['bad-hello'], 3);
    assert.equal(st.closed['no-hello'], 1);
    assert.equal(st.badFrames, 4);
    await stillServes();
  });

  it('closes a connection that never says hello, on the clock', async () => {
    const s = await kit.raw(server.address);
    await until(() => server.stats().open === 1, 'the accepted connection');
    kit.clock.increment(10_000);
    await kit.closedByPeer(s);
    assert.equal(server.stats().closed['no-hello'], 1);
  });

  it('refuses an unknown frame kind', async () => {
    const s = await kit.raw(server.address);
    s.write(Buffer.concat([prefix(2), Buffer.of(99, 0)]));
    await kit.closedByPeer(s);
    assert.equal(server.stats().closed['bad-kind'], 1);
  });
});

describe('tcp transport: connection rate limit', () => {
  let kit: TcpKit;
  beforeEach(() => void (kit = new TcpKit()));
  afterEach(() => kit.close());

  it('refuses a flood from one address with a reason, and accepts again after the window', async () => {
    const server = await kit.open({ connectionsPerWindow: 3, rateWindowMs: 1000 });
    const sockets = [];
    for (let i = 0; i < 6; i++) sockets.push(await kit.raw(server.address));
    await until(() => server.stats().rateLimited === 3, 'three refusals');
    for (const s of sockets.slice(3)) await kit.closedByPeer(s);
    assert.equal(server.stats().accepted, 3);
    assert.equal(server.stats().closed['rate-limited'], 3);
    assert.ok(kit.warnings.some((w) => w.reason === 'rate-limited' && w.ip === '127.0.0.1'));
    for (const s of sockets.slice(0, 3)) assert.equal(s.closed, false);

    kit.clock.increment(1000); // the bucket refills
    const peer = await kit.open();
    const got: Uint8Array[] = [];
    server.onFrame((_from, f) => got.push(f));
    await peer.send(server.address, Uint8Array.of(1));
    await until(() => got.length === 1, 'a frame after the window');
  });
});
