import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock } from '../actors/clock.js';
import { startDevnet } from '../actors/node/devnet.js';
import type { Devnet } from '../actors/node/devnet.js';
import type { BitDustNode } from '../actors/node/create-node.js';
import { CHANNEL } from '../actors/net/frames.js';
import { MAX_ENVELOPE_BYTES, splitEnvelope } from '../actors/net/fragments.js';
import { advanceUntil, peerState, settle } from './support/sim.js';

/** `n` deterministic bytes that differ per `seed`. */
const bytes = (n: number, seed: number) => {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = (i * 131 + seed * 7) & 0xff;
  return out;
};

describe('network: envelopes larger than one Noise message, over sessions', () => {
  const clock = new TestClock();
  let baseDir: string;
  let devnet: Devnet;
  let a: BitDustNode;
  let b: BitDustNode;
  const received = new Map<string, Uint8Array>();

  before(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'bitdust-fragments-'));
    devnet = await startDevnet({
      nodes: 2,
      baseDir,
      clock,
      seed: 23,
      faults: { delay: { minMs: 1, maxMs: 20 } },
      peerTiming: { pingIntervalMs: 1_000, timeoutMs: 400, maxMissed: 4 }
    });
    [a, b] = devnet.nodes as [BitDustNode, BitDustNode];
    b.network()!.router.handle('cmd.data', (envelope) => {
      received.set(envelope.body.key, Buffer.from(envelope.body.data));
      return { type: 'cmd.ack', body: { v: 1 } };
    });
    await advanceUntil(clock, () => peerState(a, b.id) === 'connected');
  });
  after(async () => {
    await devnet.stop();
    rmSync(baseDir, { recursive: true, force: true });
  });

  /** Sends `data` as `cmd.data` from A to B and waits (bounded) for the outcome. */
  const sendData = async (key: string, data: Uint8Array) => {
    let outcome: string | undefined;
    void a
      .network()!
      .router.request(b.id, 'cmd.data', { v: 1, key, data }, { timeoutMs: 2_000, maxAttempts: 8 })
      .then(
        (r) => (outcome = r.type),
        (err: { code?: string }) => (outcome = err.code ?? 'error')
      );
    await advanceUntil(clock, () => outcome !== undefined, 50, 4000);
    return outcome;
  };

  it('carries 1 MB cmd.data requests through reordering and loss', async () => {
    devnet.network.configure({ reorder: 0.3, loss: 0.03 });
    const lossBefore = devnet.network.stats().dropped.loss;
    for (let i = 1; i <= 4; i++) {
      const data = bytes(1_000_000, i);
      assert.equal(await sendData(`shard-${i}`, data), 'cmd.ack');
      assert.ok(Buffer.from(received.get(`shard-${i}`)!).equals(data), 'the bytes arrived intact');
    }
    devnet.network.configure({ reorder: 0, loss: 0 });
    assert.ok(devnet.network.stats().dropped.loss > lossBefore, 'frames were lost');
    const out = a.networkStats()!.channel!;
    assert.ok(out.fragmentedOut >= 4 && out.fragmentsOut >= 64, JSON.stringify(out));
    const inn = b.networkStats()!.channel!.reassembly;
    assert.ok(inn.reassembled >= 4, JSON.stringify(inn));
    // A lost fragment leaves its copy incomplete; the router's retry of the whole request is what
    // delivers it (seed 23: some copies were left incomplete, and retries covered them).
    const incomplete = inn.pending + inn.dropped.evicted + inn.dropped.timeout;
    assert.ok(incomplete >= 1, `incomplete copies ${incomplete}`);
    assert.ok(a.networkStats()!.router!.requests.retries >= 1);
  });

  it('refuses an envelope above 1 MiB at the sender and a fragment claiming more', async () => {
    const channel = a.network()!.channel;
    await assert.rejects(
      channel.transport.send(b.id, new Uint8Array(MAX_ENVELOPE_BYTES + 1)),
      (err: { code?: string }) => err.code === 'ERR_TRANSPORT_FRAME_TOO_LARGE'
    );
    const before = b.networkStats()!.channel!.reassembly.dropped.oversized;
    const [first] = splitEnvelope(1, new Uint8Array(MAX_ENVELOPE_BYTES + 70_000));
    assert.ok(channel.sendOn(b.id, CHANNEL.fragment, first!));
    await advanceUntil(clock, () => {
      return b.networkStats()!.channel!.reassembly.dropped.oversized === before + 1;
    });
  });

  it('holds a bounded number of incomplete messages under a flood, and stays useful', async () => {
    const channel = a.network()!.channel;
    const start = b.networkStats()!.channel!.reassembly;
    for (let id = 100; id < 400; id++) {
      channel.sendOn(b.id, CHANNEL.fragment, splitEnvelope(id, bytes(200_000, id))[0]!);
    }
    await advanceUntil(
      clock,
      () => b.networkStats()!.channel!.reassembly.fragmentsIn >= start.fragmentsIn + 300
    );
    const r = b.networkStats()!.channel!.reassembly;
    assert.ok(r.pending <= 8, `pending ${r.pending}`);
    assert.ok(r.pendingBytes <= 4 << 20, `pendingBytes ${r.pendingBytes}`);
    const evicted = r.dropped.evicted - start.dropped.evicted;
    assert.ok(evicted >= 292 - start.pending, `evicted ${evicted}`);
    assert.ok(b.services().every((s) => s.status === 'up'));
    const data = bytes(500_000, 9);
    assert.equal(await sendData('shard-9', data), 'cmd.ack');
    assert.ok(Buffer.from(received.get('shard-9')!).equals(data));
    clock.increment(31_000);
    await settle();
    assert.equal(b.networkStats()!.channel!.reassembly.pending, 0, 'timed out');
  });
});
