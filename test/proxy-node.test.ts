/**
 * The proxy wired into the node, as `bitdust node start` builds it from flags: three in-process
 * hosts on their own loopback addresses — a `--proxy-router` on 127.0.0.2, a plain peer on
 * 127.0.0.3 and a node started `--hide nat --via <router>` on 127.0.0.4. The hidden node joins
 * through the peer, runs a Noise session with it inside the circuit and exchanges router requests
 * both ways; every frame the peer's transport handled is recorded, and none came from, or names,
 * the hidden node's own address.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../actors/node/config.js';
import { recorded, waitFor, contains, type Recorded } from '../actors/proxy/test-kit.js';
import { startHost, type Host } from '../server/cli/host.js';
import { actorTree, type ActorTreeNode } from '../actors/inspection/index.js';
import { createInspectionBridge } from '../actors/inspection/create-inspection-bridge.js';
import { realClock } from '../actors/clock.js';
import type { ProxyStatus } from '../actors/proxy/index.js';
import { buildApp } from '../server/app.js';
import { statusCommand } from '../server/cli/remote.js';
import type { Flags } from '../server/cli/args.js';
import { networkFromFlags, viaAddress } from '../server/cli/join.js';
import type { NetworkAttachment } from '../actors/node/services/network.js';

const WAIT_MS = 20_000;
const TOKEN = 't'.repeat(43);
const text = (s: string) => new TextEncoder().encode(s);

test(
  'a node started --hide nat --via a --proxy-router talks to a peer that never sees its address',
  { timeout: 90_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'bitdust-proxy-node-'));
    const cleanup: (() => unknown)[] = [() => rm(dir, { recursive: true, force: true })];
    t.after(async () => {
      for (const step of cleanup.reverse()) await step();
    });
    // The hidden node runs its local API (on an ephemeral port), for `bitdust node status`.
    const config = (name: string) => ({
      ...defaultConfig(),
      dataDir: join(dir, name),
      name,
      devnet: 0,
      api: name === 'hidden',
      port: 0
    });
    const start = async (name: string, network: NetworkAttachment): Promise<Host> => {
      const host = await startHost({ config: config(name), network });
      cleanup.push(() => host.stop());
      return host;
    };

    const router = await start(
      'router',
      networkFromFlags({ listen: 'tcp://127.0.0.2:0', 'proxy-router': true })!
    );
    const routerAddress = router.node.networkStats()!.address!;
    assert.match(routerAddress, /^tcp:\/\/127\.0\.0\.2:\d+$/);

    // The peer: a plain node whose transport (above the proxy wrapper) records every frame.
    let tap: Recorded | undefined;
    const plain = networkFromFlags({ listen: 'tcp://127.0.0.3:0', join: [routerAddress] })!;
    const peer = await start('peer', {
      ...plain,
      openTransport: async (nodeId, identity) => {
        tap = recorded(await plain.openTransport(nodeId, identity));
        return tap;
      }
    });
    const peerAddress = peer.node.networkStats()!.address!;
    assert.match(peerAddress, /^tcp:\/\/127\.0\.0\.3:\d+$/);

    const via = viaAddress(routerAddress, router.node.identity().keys.noise.publicKey);
    const hidden = await start(
      'hidden',
      networkFromFlags({
        listen: 'tcp://127.0.0.4:0',
        join: [peerAddress],
        hide: 'nat',
        via: [via]
      })!
    );
    const hiddenAddress = hidden.node.networkStats()!.address!;
    assert.ok(hiddenAddress.startsWith(`proxy:${routerAddress}#`), hiddenAddress);
    // Its document names only the relayed address.
    const contacts = hidden.node.identity().document.body.contacts;
    assert.deepEqual(Object.keys(contacts), ['tcp']);
    assert.equal(contacts.tcp?.length, 1);
    assert.ok(contacts.tcp?.[0]?.startsWith(`proxy://${routerAddress.slice('tcp://'.length)}#`));

    // A Noise session with the peer, inside the circuit, and requests both ways.
    const peerNet = peer.node.network()!;
    const hiddenNet = hidden.node.network()!;
    const got: string[] = [];
    peerNet.router.handle('cmd.message', (env) => {
      got.push(`peer:${Buffer.from(env.body.payload).toString()}`);
      return { type: 'cmd.ack', body: { v: 1 } };
    });
    hiddenNet.router.handle('cmd.message', (env) => {
      got.push(`hidden:${Buffer.from(env.body.payload).toString()}`);
      return { type: 'cmd.ack', body: { v: 1 } };
    });
    await waitFor(
      () => hiddenNet.channel.addressOf(peer.node.id) === peerAddress,
      WAIT_MS,
      'a session from the hidden node to the peer'
    );
    const ask = (from: Host, to: Host, payload: string) =>
      from.node
        .network()!
        .router.request(to.node.id, 'cmd.message', { v: 1, payload: text(payload) });
    for (let i = 0; i < 3; i++) {
      assert.equal((await ask(hidden, peer, `hello ${i}`)).type, 'cmd.ack');
      assert.equal((await ask(peer, hidden, `back ${i}`)).type, 'cmd.ack');
    }
    assert.deepEqual(got.filter((g) => g.startsWith('peer:')).length, 3);
    assert.deepEqual(got.filter((g) => g.startsWith('hidden:')).length, 3);
    // A message larger than one relayed frame (64,000 B): its fragments must fit the circuit's
    // frames, not a Noise message's (65,535 B).
    const large = 'x'.repeat(65_000);
    assert.equal((await ask(hidden, peer, large)).type, 'cmd.ack');
    assert.equal((await ask(peer, hidden, large)).type, 'cmd.ack');
    assert.ok(
      got.includes(`peer:${large}`) && got.includes(`hidden:${large}`),
      'both arrived whole'
    );
    assert.ok(peerNet.channel.addressOf(hidden.node.id)?.startsWith(`proxy:${routerAddress}#`));

    // What the peer's transport handled: the router and the relayed address, never 127.0.0.4.
    assert.ok(tap && tap.seen.length > 0);
    const peers = new Set(tap.seen.map((s) => s.peer));
    for (const p of peers) {
      assert.ok(!p.includes('127.0.0.4'), `the peer's transport talked to ${p}`);
      assert.ok(p === routerAddress || p.startsWith(`proxy:${routerAddress}#`), p);
    }
    assert.ok(
      [...peers].some((p) => p.startsWith('proxy:')),
      'the hidden node reached the peer'
    );
    for (const s of tap.seen) {
      assert.ok(!contains(s.frame, text('127.0.0.4')), 'a frame names the hidden address');
    }
    assert.equal(hidden.node.network()!.raw.kind, 'tcp');

    // The proxy's machines run in each node's actor system, under its network service.
    const under = (host: Host, id: string) => {
      const network = actorTree(host.node.root).children.find((c) => c.id === 'service.network');
      const found: ActorTreeNode[] = [];
      const walk = (n: ActorTreeNode) => {
        if (n.id === id) found.push(n);
        n.children.forEach(walk);
      };
      if (network) walk(network);
      return found;
    };
    assert.deepEqual(under(hidden, 'proxy.reachability')[0]?.value, 'relayed');
    assert.equal(under(hidden, 'proxy.receiver')[0]?.machineId, 'receiver');
    assert.deepEqual(under(hidden, 'proxy.circuit')[0]?.value, 'ready');
    assert.equal(under(router, 'proxy.router')[0]?.machineId, 'router');
    assert.equal(under(peer, 'proxy.router').length, 0);

    // GET /api/proxy: token required, input checked, reachability with its reason and counters.
    const app = await buildApp({
      token: TOKEN,
      nodes: () => [router.node, peer.node, hidden.node],
      bridge: createInspectionBridge({ clock: realClock })
    });
    cleanup.push(() => app.close());
    const get = (url: string, token = true) =>
      app.inject({ url, ...(token ? { headers: { authorization: `Bearer ${TOKEN}` } } : {}) });
    assert.equal((await get('/api/proxy', false)).statusCode, 401);
    assert.equal((await get('/api/proxy?node=NOT-AN-ID')).statusCode, 400);
    assert.equal((await get(`/api/proxy?node=${'a'.repeat(32)}`)).statusCode, 404);
    const res = await get('/api/proxy');
    assert.equal(res.statusCode, 200, res.body);
    type Reply = { nodes: { node: string; proxy: ProxyStatus | null }[] };
    const byId = new Map((res.json() as Reply).nodes.map((n) => [n.node, n.proxy]));
    const h = byId.get(hidden.node.id)!;
    assert.equal(h.mode, 'nat');
    assert.deepEqual(h.reachability, {
      state: 'relayed',
      reason: 'no inbound TCP; relayed via 1 router'
    });
    assert.equal(h.address, hiddenAddress);
    assert.deepEqual(h.receiver?.path, [routerAddress]);
    assert.equal(h.receiver?.circuits, 1);
    assert.equal(h.router, null);
    const r = byId.get(router.node.id)!;
    assert.equal(r.mode, 'direct');
    assert.equal(r.router?.maxCircuits, 20);
    assert.equal(r.router?.circuits, 1);
    assert.ok((r.router?.exitFrames ?? 0) > 0);
    assert.deepEqual(r.reachability, {
      state: 'direct',
      reason: 'not hidden: peers reach it at its own address'
    });
    assert.equal(r.receiver, null);
    // The peer's transport is the test's recorder around the wrapper: not proxy-aware, so null.
    assert.equal(byId.get(peer.node.id), null);

    // `bitdust node status` on the hidden node says how it is reached, and why.
    const out: string[] = [];
    const io = { out: (l: string) => void out.push(l), err: (l: string) => void out.push(l) };
    assert.equal(await statusCommand(config('hidden'), {} as Flags, io), 0);
    assert.ok(
      out.includes(
        `  reach      relayed — no inbound TCP; relayed via 1 router (${hiddenAddress})`
      ),
      out.join('\n')
    );
  }
);
