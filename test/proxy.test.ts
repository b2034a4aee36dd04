/**
 * The proxy layer on real tcp over loopback, each node on its own address: a hidden node stores
 * and reads back chunks at a supplier through a 3-hop circuit, and no peer or router learns more
 * than it must; a 1-hop (NAT) receiver survives the death of its router mid-transfer.
 */
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKeyPair } from '../actors/crypto/primitives.js';
import {
  createProxyTransport,
  serveTransfers,
  staticDirectory,
  TransferClient,
  type ProxyTransport
} from '../actors/proxy/index.js';
import {
  contains,
  ProxyNet,
  SocketLog,
  waitFor,
  type TestRouter
} from '../actors/proxy/test-kit.js';

const timing = { buildTimeoutMs: 2000, pingIntervalMs: 400, probeTimeoutMs: 600, maxMissed: 2 };
const chunks = (n: number, size: number) => Array.from({ length: n }, () => randomBytes(size));
const text = (s: string) => new TextEncoder().encode(s);

describe('proxy: a hidden node behind a 3-hop circuit', () => {
  const net = new ProxyNet();
  const sockets = new SocketLog().start();
  let routers: TestRouter[];
  after(async () => {
    sockets.stop();
    await net.close();
  });

  it('stores and restores through the circuit; peers and routers see only their neighbours', async () => {
    routers = [
      await net.router('127.0.0.3'),
      await net.router('127.0.0.4'),
      await net.router('127.0.0.5')
    ];
    const supplierBase = await net.endpoint('127.0.0.10');
    const supplier = createProxyTransport({ base: supplierBase, mode: 'direct' });
    const supplierKeys = generateKeyPair();
    const server = serveTransfers(supplier, supplierKeys);
    const hiddenBase = await net.endpoint('127.0.0.2');
    const hidden: ProxyTransport = createProxyTransport({
      base: hiddenBase,
      mode: 'privacy',
      directory: staticDirectory(routers.map((r) => r.info)),
      timing
    });
    const address = await Promise.race([
      hidden.whenReady(),
      waitFor(() => false, 10_000, 'circuit').then(() => '')
    ]);
    assert.match(address, /^proxy:tcp:\/\/127\.0\.0\.[345]:\d+#/);
    assert.equal(hidden.status()?.reachability.state, 'relayed');
    assert.match(hidden.status()?.reachability.reason ?? '', /privacy mode; relayed via 3 routers/);

    const data = chunks(24, 4096);
    const client = new TransferClient(hidden, supplier.address, supplierKeys.publicKey, {
      timeoutMs: 2000
    });
    await client.open();
    await client.put(data);
    const back = await client.get(data.length);
    assert.deepEqual(
      back.map((b) => Buffer.from(b)),
      data
    );
    assert.equal(server.counters.puts >= data.length, true);
    client.close();

    // The supplier's transport only ever heard from routers, never from the hidden node.
    const path = hidden.status()?.path ?? [];
    const routerAddrs = routers.map((r) => r.transport.address);
    for (const s of supplierBase.seen)
      assert.ok(routerAddrs.includes(s.peer), `supplier saw ${s.peer}`);
    assert.ok(!supplierBase.seen.some((s) => contains(s.frame, text(hiddenBase.address))));

    // Sockets: the hidden node's only connection is to its first hop.
    const first = routers.find((r) => r.transport.address === path[0]) as TestRouter;
    const firstEnd = first.transport.address.slice('tcp://'.length);
    const hiddenEnds = new Set(
      sockets.sockets.filter((s) => s.remote === firstEnd).map((s) => s.local)
    );
    const supplierEnd = supplierBase.address.slice('tcp://'.length);
    for (const s of sockets.sockets) {
      if (s.local === supplierEnd)
        assert.ok(!hiddenEnds.has(s.remote), 'supplier accepted the hidden node');
      if (s.remote === supplierEnd)
        assert.ok(!hiddenEnds.has(s.local), 'hidden node dialed the supplier');
    }

    // Each router: frames only with its neighbours, no other address inside, no plaintext.
    const all = [hiddenBase.address, ...path, supplierBase.address];
    for (let i = 1; i <= path.length; i++) {
      const r = routers.find((x) => x.transport.address === all[i]) as TestRouter;
      const neighbours = [all[i - 1], all[i + 1]];
      const strangers = all.filter((a) => a !== all[i] && !neighbours.includes(a));
      assert.ok(r.transport.seen.length > 0);
      for (const s of r.transport.seen) {
        assert.ok(neighbours.includes(s.peer), `hop ${i} talked to ${s.peer}`);
        for (const a of strangers) assert.ok(!contains(s.frame, text(a)), `hop ${i} saw ${a}`);
        for (const d of data)
          assert.ok(!contains(s.frame, d.subarray(0, 32)), `hop ${i} saw plaintext`);
      }
    }
    await hidden.close();
    await supplier.close();
  });
});

describe('proxy: a NAT-only receiver fails over when its router dies', () => {
  const net = new ProxyNet();
  after(() => net.close());
  let routers: TestRouter[];
  before(async () => {
    routers = [
      await net.router('127.0.0.3'),
      await net.router('127.0.0.4'),
      await net.router('127.0.0.5')
    ];
  });

  it('moves to another router within 10 s and the transfer completes without loss', async () => {
    const supplierKeys = generateKeyPair();
    const supplier = createProxyTransport({
      base: await net.endpoint('127.0.0.10'),
      mode: 'direct'
    });
    const server = serveTransfers(supplier, supplierKeys);
    const hidden = createProxyTransport({
      base: await net.endpoint('127.0.0.2'),
      mode: 'nat',
      directory: staticDirectory(routers.map((r) => r.info)),
      timing,
      retryDelayMs: 100
    });
    const first = await hidden.whenReady();
    assert.equal(hidden.status()?.reachability.reason, 'no inbound TCP; relayed via 1 router');
    const client = new TransferClient(hidden, supplier.address, supplierKeys.publicKey, {
      timeoutMs: 500
    });
    await client.open();
    const data = chunks(80, 16_384);
    const putting = client.put(data);
    await waitFor(() => server.counters.puts >= 20, 10_000, '20 chunks stored');
    const dead = routers.find((r) => first.includes(r.transport.address)) as TestRouter;
    await net.kill(dead);
    await waitFor(() => (hidden.status()?.rebuilds ?? 0) >= 1, 10_000, 'failure noticed');
    await waitFor(() => hidden.address !== '' && hidden.address !== first, 10_000, 'a new router');
    assert.ok(!hidden.address.includes(dead.transport.address));
    await putting;
    const back = await client.get(data.length);
    assert.deepEqual(
      back.map((b) => Buffer.from(b)),
      data
    );
    const st = hidden.status();
    assert.equal(st?.reachability.state, 'relayed');
    assert.ok(
      (st?.failures.ERR_PROXY_CIRCUIT_LOST ?? 0) +
        (st?.failures.ERR_PROXY_CIRCUIT_DESTROYED ?? 0) >=
        1
    );
    client.close();
    await hidden.close();
    await supplier.close();
  });
});

describe('proxy: a receiver with a spare circuit switches to it when its router dies', () => {
  const net = new ProxyNet();
  after(() => net.close());

  it('takes over with the spare built ahead: no circuit is built at the failure', async () => {
    const routers = [await net.router('127.0.0.33'), await net.router('127.0.0.34')];
    const supplierKeys = generateKeyPair();
    const supplier = createProxyTransport({
      base: await net.endpoint('127.0.0.35'),
      mode: 'direct'
    });
    const server = serveTransfers(supplier, supplierKeys);
    const base = await net.endpoint('127.0.0.36');
    const hidden = createProxyTransport({
      base,
      mode: 'nat',
      directory: staticDirectory(routers.map((r) => r.info)),
      timing,
      retryDelayMs: 100,
      spare: true
    });
    // Every `create` cell the node sends is one circuit build.
    const builds = () =>
      base.seen.filter((s) => s.dir === 'out' && s.frame[0] === 0xb0 && s.frame[1] === 0).length;
    const first = await hidden.whenReady();
    await waitFor(() => hidden.status()?.spareUp === true, 10_000, 'the spare circuit up');
    assert.equal(builds(), 2);
    const spareRouter = hidden.status()!.sparePath[0]!;
    assert.ok(!first.includes(spareRouter), 'the spare runs through the other router');

    const client = new TransferClient(hidden, supplier.address, supplierKeys.publicKey, {
      timeoutMs: 500
    });
    await client.open();
    const data = chunks(60, 16_384);
    const putting = client.put(data);
    await waitFor(() => server.counters.puts >= 15, 10_000, '15 chunks stored');
    const dead = routers.find((r) => first.includes(r.transport.address)) as TestRouter;
    await net.kill(dead);
    await waitFor(() => hidden.status()?.switches === 1, 10_000, 'the switch to the spare');
    // The new address was published by the switch itself: no build, no backoff in between.
    assert.equal(builds(), 2);
    const st = hidden.status()!;
    assert.ok(hidden.address.startsWith(`proxy:${spareRouter}#`), hidden.address);
    assert.equal(st.state, JSON.stringify({ attached: 'listening' }));
    assert.equal(st.rebuilds, 0);
    assert.deepEqual(st.path, [spareRouter]);
    assert.deepEqual(st.sparePath, []);
    assert.equal(st.spareUp, false);
    assert.ok(
      (st.failures.ERR_PROXY_CIRCUIT_LOST ?? 0) + (st.failures.ERR_PROXY_CIRCUIT_DESTROYED ?? 0) ===
        1
    );
    await putting;
    const back = await client.get(data.length);
    assert.deepEqual(
      back.map((b) => Buffer.from(b)),
      data
    );
    client.close();
    await hidden.close();
    await supplier.close();
  });
});

describe('proxy: a padded 3-hop circuit', () => {
  const net = new ProxyNet();
  after(() => net.close());

  it('sends every relay cell of a link at one size, whatever the payload', async () => {
    const routers = [
      await net.router('127.0.0.41'),
      await net.router('127.0.0.42'),
      await net.router('127.0.0.43')
    ];
    const supplierKeys = generateKeyPair();
    const supplier = createProxyTransport({
      base: await net.endpoint('127.0.0.44'),
      mode: 'direct'
    });
    serveTransfers(supplier, supplierKeys);
    const base = await net.endpoint('127.0.0.45');
    const hidden = createProxyTransport({
      base,
      mode: 'privacy',
      directory: staticDirectory(routers.map((r) => r.info)),
      timing,
      pad: true
    });
    await hidden.whenReady();
    const client = new TransferClient(hidden, supplier.address, supplierKeys.publicKey, {
      timeoutMs: 2000
    });
    await client.open();
    // Requests and replies from a few bytes (acks) to 40 KB, both ways.
    const data = [1, 100, 3000, 40_000, 17].map((n) => randomBytes(n));
    await client.put(data);
    assert.deepEqual(
      (await client.get(data.length)).map((b) => Buffer.from(b)),
      data
    );
    client.close();

    // Every relay cell (relay-fwd 2, relay-back 3) each node sent or received, by link.
    const sizes = new Map<string, Set<number>>();
    for (const t of [base, ...routers.map((r) => r.transport)]) {
      for (const s of t.seen) {
        if (s.frame[0] !== 0xb0 || (s.frame[1] !== 2 && s.frame[1] !== 3)) continue;
        const link = [t.address, s.peer].sort().join(' ');
        const set = sizes.get(link) ?? new Set();
        sizes.set(link, set.add(s.frame.byteLength));
      }
    }
    // Three links (node–R1, R1–R2, R2–R3), one size each, 25 B (a layer) less per hop inwards.
    assert.equal(sizes.size, 3);
    const perLink = [...sizes.values()].map((set) => [...set]);
    for (const s of perLink) assert.equal(s.length, 1, `sizes on one link: ${s.join(', ')}`);
    assert.deepEqual(
      perLink.map((s) => s[0]).sort((a, b) => (b as number) - (a as number)),
      [6 + 65_500 + 24, 6 + 65_500 + 24 - 25, 6 + 65_500 + 24 - 50]
    );
    await hidden.close();
    await supplier.close();
  });
});
