/**
 * Chunking under a tiny max_payload (1 KiB) on a real nats-server, and what reassembly does with
 * bad input published straight onto a node's subject: garbage, a chunk without its start, a
 * partial frame that never completes (timeout on the TestClock), and one that outgrows the cap.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type NatsConnection } from 'nats';
import {
  natsServerMissing,
  startNatsServer,
  type NatsServer
} from '../../test/support/nats-server.js';
import { TestClock } from '../clock.js';
import { createNatsTransport } from './nats.js';
import type { NatsTransport } from './nats-types.js';
import { encodeMessage, NatsKind } from './nats-wire.js';

const missing = natsServerMissing();

describe('nats transport: chunking and reassembly', { skip: missing }, () => {
  let server: NatsServer;
  let raw: NatsConnection;
  let a: NatsTransport;
  let b: NatsTransport;
  const clock = new TestClock(1000);
  const got: Uint8Array[] = [];
  const spoof = Buffer.from('spoofer');

  before(async () => {
    server = await startNatsServer({ maxPayload: 1024 });
    raw = await connect({ servers: server.url });
    a = await createNatsTransport({ servers: server.url, address: 'chunk-a', maxFrameBytes: 8192 });
    b = await createNatsTransport({
      servers: server.url,
      address: 'chunk-b',
      maxFrameBytes: 8192,
      clock,
      reassemblyTimeoutMs: 5000,
      logger: { warn: () => undefined }
    });
    b.onFrame((_from, f) => got.push(f));
  });
  after(async () => {
    await a.close();
    await b.close();
    await raw.close();
    await server.stop();
  });

  /** Publishes raw payloads onto b's subject, then waits until b has seen them. */
  const inject = async (...payloads: Uint8Array[]): Promise<void> => {
    for (const p of payloads) raw.publish(b.subject, p);
    await raw.flush();
    await b.flush();
  };
  const chunk = (msgId: number, index: number, count: number, n: number) =>
    encodeMessage(NatsKind.chunk, spoof, new Uint8Array(n).fill(index), { msgId, index, count });

  it('cuts a frame under max_payload and reassembles it intact', async () => {
    const frame = new Uint8Array(8192).map((_, i) => (i * 13) & 0xff);
    got.length = 0;
    await a.send(b.address, frame);
    await a.send(b.address, Uint8Array.of(9)); // a small frame right behind it stays in order
    await a.flush();
    await b.flush();
    assert.deepEqual(got, [frame, Uint8Array.of(9)]);
    assert.equal(a.stats().maxPayload, 1024);
    assert.ok(a.stats().chunksOut >= 9 && b.stats().chunksIn === a.stats().chunksOut);
  });

  it('counts garbage and drops it', async () => {
    const before = b.stats().badMessages;
    await inject(Buffer.from('GET / HTTP/1.1'), Uint8Array.of(1), Uint8Array.of(1, 0, 0, 0));
    await inject(encodeMessage(NatsKind.whole, Buffer.from('bad.sender'), Uint8Array.of(1)));
    assert.equal(b.stats().badMessages - before, 4);
  });

  it('drops a chunk whose frame start was lost, and a frame interrupted by another', async () => {
    got.length = 0;
    await inject(chunk(1, 1, 3, 100)); // no index 0: nothing to attach to
    await inject(chunk(2, 0, 3, 100), chunk(3, 0, 2, 10), chunk(3, 1, 2, 10));
    assert.equal(b.stats().reassemblyDropped.gap, 2);
    assert.equal(got.length, 1);
    assert.equal(got[0]?.byteLength, 20);
  });

  it('drops a partial frame that outgrows the cap, and one that times out', async () => {
    await inject(
      chunk(4, 0, 20, 900),
      ...Array.from({ length: 9 }, (_, i) => chunk(4, i + 1, 20, 900))
    );
    assert.equal(b.stats().reassemblyDropped.overflow, 1);
    await inject(chunk(5, 0, 3, 100));
    assert.equal(b.stats().pendingBytes, 100);
    clock.increment(5000);
    assert.equal(b.stats().reassemblyDropped.timeout, 1);
    assert.equal(b.stats().pendingBytes, 0);
  });
});
