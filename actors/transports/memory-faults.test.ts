/**
 * Fault injection of the memory network, all on a TestClock: every run is decided by its seed, so
 * the assertions are about exact traces and counters, never about timing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestClock } from '../clock.js';
import { createRandom } from '../random.js';
import { createMemoryNetwork } from './memory.js';
import type { MemoryNetworkOptions, TraceEvent } from './memory-types.js';
import type { Transport } from './types.js';

function setup(seed: number, faults: Partial<MemoryNetworkOptions> = {}) {
  const clock = new TestClock();
  const net = createMemoryNetwork({ clock, random: createRandom(seed), ...faults });
  const trace: TraceEvent[] = [];
  net.onTrace((e) => trace.push(e));
  const open = (address: string): { t: Transport; got: Array<[string, number]> } => {
    const t = net.transport(address);
    const got: Array<[string, number]> = [];
    t.onFrame((from, f) => got.push([from, f[0] as number]));
    return { t, got };
  };
  return { clock, net, trace, open };
}

/** Sends `count` numbered frames round-robin across all ordered pairs of `nodes`. */
async function chatter(nodes: Transport[], count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const from = nodes[i % nodes.length] as Transport;
    const to = nodes[(i + 1 + (i % (nodes.length - 1))) % nodes.length] as Transport;
    await from.send(to.address, Uint8Array.of(i & 0xff));
  }
}

async function scenario(seed: number): Promise<TraceEvent[]> {
  const { clock, net, trace, open } = setup(seed, {
    delay: { minMs: 1, maxMs: 50 },
    loss: 0.2,
    reorder: 0.3
  });
  const nodes = ['a', 'b', 'c', 'd'].map((x) => open(x).t);
  await chatter(nodes, 200);
  clock.increment(25);
  net.partition(['a'], ['b', 'c']);
  await chatter(nodes, 100);
  clock.increment(200);
  await net.close();
  return trace;
}

describe('memory network faults', () => {
  it('replays exactly from a seed, and differs with another', async () => {
    const first = await scenario(42);
    assert.deepEqual(await scenario(42), first);
    assert.notDeepEqual(await scenario(43), first);
    assert.ok(
      first.some((e) => e.reason === 'loss') && first.some((e) => e.reason === 'partition')
    );
  });

  it('loses about the configured share and accounts for every frame', async () => {
    const { clock, net, open } = setup(1, { loss: 0.3, delay: { minMs: 0, maxMs: 10 } });
    const nodes = ['a', 'b', 'c'].map((x) => open(x).t);
    await chatter(nodes, 1000);
    const mid = net.stats();
    assert.equal(mid.sent, 1000);
    assert.equal(mid.inFlight + mid.dropped.loss, 1000);
    clock.increment(10);
    const end = net.stats();
    assert.equal(end.delivered + end.dropped.loss, 1000);
    assert.equal(end.inFlight, 0);
    // Seeded, so exact; the band documents what 0.3 means.
    assert.ok(end.dropped.loss > 240 && end.dropped.loss < 360, `lost ${end.dropped.loss}`);
  });

  it('delays within [minMs, maxMs] and keeps order unless told to reorder', async () => {
    for (const reorder of [0, 0.5]) {
      const { clock, trace, open } = setup(5, { delay: { minMs: 10, maxMs: 30 }, reorder });
      const a = open('a').t;
      const b = open('b');
      for (let i = 0; i < 100; i++) {
        await a.send('b', Uint8Array.of(i));
        clock.increment(1);
      }
      clock.increment(100);
      const seq = b.got.map(([, n]) => n);
      assert.equal(seq.length, 100);
      const inOrder = seq.every((n, i) => i === 0 || n > (seq[i - 1] as number));
      assert.equal(inOrder, reorder === 0, `reorder ${reorder}`);
      const sends = trace.filter((e) => e.event === 'send');
      const delivers = trace.filter((e) => e.event === 'deliver');
      if (reorder === 0) {
        delivers.forEach((d, i) => {
          const lag = d.at - (sends[i] as TraceEvent).at;
          assert.ok(lag >= 10, `frame ${i} early by ${10 - lag} ms`);
        });
      }
    }
  });

  it('drops across a partition, in flight included, until healed', async () => {
    const { clock, net, open } = setup(2, { delay: { minMs: 5, maxMs: 5 } });
    const [a, b, c] = [open('a'), open('b'), open('c')];
    await a.t.send('b', Uint8Array.of(1)); // in flight when the partition starts
    net.partition(['a'], ['b']);
    await a.t.send('b', Uint8Array.of(2));
    await b.t.send('a', Uint8Array.of(3));
    await a.t.send('c', Uint8Array.of(4));
    clock.increment(5);
    assert.deepEqual([a.got, b.got, c.got], [[], [], [['a', 4]]]);
    assert.equal(net.stats().dropped.partition, 3);
    net.heal();
    await a.t.send('b', Uint8Array.of(5));
    clock.increment(5);
    assert.deepEqual(b.got, [['a', 5]]);
  });

  it('crashes a node: unreachable, frames cut, peers told; restart resumes', async () => {
    const { clock, net, open } = setup(3, { delay: { minMs: 5, maxMs: 5 } });
    const [a, b] = [open('a'), open('b')];
    const downs: Array<[string, string]> = [];
    a.t.onPeerDown?.((peer, reason) => downs.push([peer, reason]));
    await a.t.send('b', Uint8Array.of(1));
    net.crash('b');
    await assert.rejects(a.t.send('b', Uint8Array.of(2)), { code: 'ERR_TRANSPORT_UNREACHABLE' });
    await b.t.send('a', Uint8Array.of(3)); // a dead node's sends go nowhere
    clock.increment(5);
    assert.deepEqual([a.got, b.got, downs], [[], [], [['b', 'crashed']]]);
    assert.equal(net.stats().dropped.crashed, 2);
    net.restart('b');
    await a.t.send('b', Uint8Array.of(4));
    clock.increment(5);
    assert.deepEqual(b.got, [['a', 4]]);
  });

  it('tells peers when a transport closes, and frees its address', async () => {
    const { clock, net, open } = setup(4);
    const a = open('a');
    const b = open('b');
    const downs: string[] = [];
    a.t.onPeerDown?.((peer, reason) => downs.push(`${peer}:${reason}`));
    assert.throws(() => net.transport('b'), { code: 'ERR_TRANSPORT_ADDRESS_IN_USE' });
    await a.t.send('b', Uint8Array.of(1));
    await b.t.close();
    clock.increment(1);
    assert.deepEqual(downs, ['b:closed']);
    assert.equal(net.stats().dropped.closed, 1);
    const b2 = open('b');
    await a.t.send('b', Uint8Array.of(2));
    clock.increment(1);
    assert.deepEqual([b.got, b2.got], [[], [['a', 2]]]);
  });

  it('gives each handler its own copy and survives a throwing handler', async () => {
    const errors: unknown[] = [];
    const clock = new TestClock();
    const net = createMemoryNetwork({
      clock,
      random: createRandom(9),
      onHandlerError: (e) => errors.push(e)
    });
    const a = net.transport('a');
    const b = net.transport('b');
    const frames: Uint8Array[] = [];
    b.onFrame(() => {
      throw new Error('handler bug');
    });
    b.onFrame((_f, frame) => frames.push(frame));
    b.onFrame((_f, frame) => frames.push(frame));
    await a.send('b', Uint8Array.of(1, 2));
    await a.send('b', Uint8Array.of(3));
    clock.increment(0);
    assert.equal(frames.length, 4);
    assert.notEqual(frames[0], frames[1]);
    assert.equal(errors.length, 2);
    assert.equal(net.stats().handlerErrors, 2);
  });
});
