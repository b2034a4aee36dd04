/**
 * A 3-server NATS cluster (routes, full mesh) on loopback with nodes attached to different servers:
 * frames cross the routes intact and in order, chunked frames too (max_payload 2 KiB), and every
 * node reaches every other. Interest crosses routes asynchronously, so a node's first contact
 * waits (bounded, on real round trips) until its probe finds the peer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { natsHarness, type NatsHarness } from '../actors/transports/nats-test-kit.js';
import { TransportError } from '../actors/transports/errors.js';
import type { NatsTransport } from '../actors/transports/nats-types.js';
import { natsServerMissing, startNatsCluster, type NatsServer } from './support/nats-server.js';

const missing = natsServerMissing();

describe('nats transport over a 3-server cluster', { skip: missing }, () => {
  let servers: NatsServer[] = [];
  let k: NatsHarness;
  const nodes: NatsTransport[] = [];

  before(async () => {
    servers = await startNatsCluster(3, 2048);
    k = natsHarness(() => servers.map((s) => s.url), { maxFrameBytes: 32 * 1024 });
    for (let i = 0; i < 6; i++) nodes.push(await k.open()); // 2 per server
  });
  after(async () => {
    await k?.closeAll();
    await Promise.all(servers.map((s) => s.stop()));
  });

  /** First contact: retries only while the probe says nobody listens yet (bounded). */
  const firstContact = async (from: NatsTransport, to: NatsTransport): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      try {
        return await from.send(to.address, Uint8Array.of(0));
      } catch (err) {
        if (!(err instanceof TransportError && err.code === 'ERR_TRANSPORT_UNREACHABLE')) throw err;
        await k.tick();
      }
    }
    assert.fail(`${to.address} never became reachable from ${from.address}`);
  };

  it('carries frames between nodes on different servers, in order, chunked or not', async () => {
    const [a, b] = [nodes[0] as NatsTransport, nodes[1] as NatsTransport]; // servers 0 and 1
    const got: Uint8Array[] = [];
    b.onFrame((from, f) => from === a.address && f.byteLength > 1 && got.push(f));
    await firstContact(a, b);
    const frames = Array.from({ length: 50 }, (_, i) =>
      new Uint8Array(i % 5 === 0 ? 20_000 : 100).fill(i)
    );
    for (const f of frames) await a.send(b.address, f);
    for (let i = 0; i < 1000 && got.length < frames.length; i++) await k.tick();
    assert.deepEqual(got, frames);
    assert.ok(a.stats().chunksOut > 0);
  });

  it('connects every node to every other across the routes', async () => {
    const seen = nodes.map(() => new Set<string>());
    nodes.forEach((n, i) => n.onFrame((from) => seen[i]?.add(from)));
    for (const from of nodes) for (const to of nodes) if (from !== to) await firstContact(from, to);
    for (let i = 0; i < 1000 && seen.some((s) => s.size < nodes.length - 1); i++) await k.tick();
    nodes.forEach((n, i) =>
      assert.deepEqual(
        [...(seen[i] as Set<string>)].sort(),
        nodes
          .filter((m) => m !== n)
          .map((m) => m.address)
          .sort()
      )
    );
  });
});
