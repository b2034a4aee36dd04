/**
 * The DHT on a 60-node devnet: one process, one memory network with delay, one TestClock advanced
 * in bounded loops. Nodes join through one seed; then lookups, stores, layer queries, refusals of
 * expired and forged records, and lookups after a fifth of the nodes crashed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { drive } from '../actors/router/fixtures.js';
import { dhtDevnet } from '../actors/dht/fixtures.js';
import type { DevnetMember } from '../actors/dht/fixtures.js';
import { announceService, seekService, signRecord } from '../actors/dht/index.js';
import type { TestClock } from '../actors/clock.js';

const N = 60;
const net = dhtDevnet(N, { seed: 7 });
const clock = net.clock as TestClock;
const { members } = net;
const pick = (i: number) => members[i % N] as DevnetMember;

/** Runs `p` to completion on simulated time (bounded). */
async function settle<T>(p: Promise<T>, maxSteps = 3000): Promise<T> {
  let done = false;
  let value: T | undefined;
  let error: unknown;
  p.then(
    (v) => ((value = v), (done = true)),
    (e: unknown) => ((error = e), (done = true))
  );
  assert.ok(await drive(clock, () => done, { stepMs: 10, maxSteps }), 'did not finish in time');
  if (error) throw error;
  return value as T;
}

describe('DHT simulation', () => {
  before(async () => {
    // Everyone joins through node 0, one after the other.
    for (const m of members.slice(1)) await settle(m.dht.bootstrap([pick(0).dht.contact]));
  });

  it('bootstraps: every node knows peers, and the network is connected', () => {
    for (const m of members)
      assert.ok(m.dht.table.size >= 4, `${m.address} knows ${m.dht.table.size}`);
  });

  it('find-node converges to the right node, in few hops', async () => {
    const hops: number[] = [];
    for (let i = 0; i < 30; i++) {
      const from = pick(i * 7 + 1);
      const target = pick(i * 13 + 5);
      if (from === target) continue;
      const found = await settle(from.dht.findNode(target.dht.id));
      assert.deepEqual(found.contact, target.dht.contact);
      hops.push(found.hops);
    }
    hops.sort((a, b) => a - b);
    assert.ok(hops[hops.length >> 1]! <= Math.log2(N), `median hops ${hops[hops.length >> 1]}`);
  });

  it('stores on one node and finds the value from another', async () => {
    const doc = new TextEncoder().encode('identity document of node 3');
    const { replicas } = await settle(pick(3).dht.put('identities', pick(3).dht.id, doc));
    assert.ok(replicas >= 4, `${replicas} replicas`);
    const { records } = await settle(pick(41).dht.get('identities', pick(3).dht.id));
    assert.equal(records.length, 1);
    assert.equal(records[0]!.publisher, pick(3).dht.id);
    assert.deepEqual(new Uint8Array(records[0]!.value), doc);
  });

  it('a layer query finds the suppliers', async () => {
    const suppliers = [10, 20, 30, 40, 50].map(pick);
    for (const s of suppliers)
      await settle(announceService(s.dht, 'suppliers', { meta: { gib: 10 } }));
    const found = await settle(seekService(pick(2).dht, 'suppliers'));
    assert.deepEqual(found.map((c) => c.nodeId).sort(), suppliers.map((s) => s.dht.id).sort());
    assert.ok(
      found.every((c) => c.address === members.find((m) => m.dht.id === c.nodeId)!.address)
    );
    assert.equal(found[0]!.meta?.gib, 10);
  });

  it('refuses forged and expired records, and stops serving records once they expire', async () => {
    const victim = pick(5);
    const mallory = pick(6);
    const now = clock.now();
    const good = signRecord(mallory.keys, {
      layer: 3,
      name: '',
      value: new Uint8Array(1),
      seq: 1,
      expiresAt: now + 60_000
    });
    const attempts = [
      { ...good, publisher: pick(7).dht.id }, // claims another publisher
      { ...good, value: new Uint8Array([9]) }, // altered after signing
      { ...good, sig: new Uint8Array(64) }, // "unsigned"
      signRecord(mallory.keys, {
        layer: 3,
        name: '',
        value: new Uint8Array(1),
        seq: 2,
        expiresAt: now - 1
      })
    ];
    const codes: string[] = [];
    for (const record of attempts) {
      const reply = await settle(
        mallory.router.request(victim.dht.id, 'dht.store', { v: 1, record })
      );
      codes.push(reply.type === 'cmd.fail' ? reply.body.code : reply.type);
    }
    assert.deepEqual(codes, [
      'ERR_DHT_RECORD_FORGED',
      'ERR_DHT_RECORD_FORGED',
      'ERR_DHT_RECORD_FORGED',
      'ERR_DHT_RECORD_EXPIRED'
    ]);
    assert.equal(victim.dht.stats().refused.ERR_DHT_RECORD_FORGED, 3);

    // A record with a one-minute lifetime is found, then gone once the minute is over.
    await settle(pick(8).dht.put('proxy-routers', 'short', new Uint8Array([1]), { ttlMs: 60_000 }));
    pick(8).dht.unpublish('proxy-routers', 'short');
    assert.equal((await settle(pick(9).dht.get('proxy-routers', 'short'))).records.length, 1);
    await drive(clock, () => false, { stepMs: 1000, maxSteps: 61 });
    assert.equal((await settle(pick(9).dht.get('proxy-routers', 'short'))).records.length, 0);
  });

  it('lookups and values survive a fifth of the nodes crashing', async () => {
    const doc = new TextEncoder().encode('still here');
    await settle(pick(11).dht.put('identities', 'survivor', doc, { ttlMs: 600_000 }));
    const crashed = new Set(
      members.filter((_, i) => i % 5 === 4 && i !== 11).map((m) => m.address)
    );
    for (const address of crashed) net.network.crash(address);
    const live = members.filter((m) => !crashed.has(m.address));
    for (let i = 0; i < 15; i++) {
      const from = live[(i * 7 + 3) % live.length]!;
      const target = live[(i * 11 + 1) % live.length]!;
      if (from === target) continue;
      const found = await settle(from.dht.findNode(target.dht.id));
      assert.deepEqual(found.contact, target.dht.contact);
    }
    const { records } = await settle(live[1]!.dht.get('identities', 'survivor'));
    assert.equal(records.length, 1);
  });
});
