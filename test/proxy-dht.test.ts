/**
 * Routers found through the DHT: `--proxy-router` nodes announce themselves in the proxy-routers
 * layer with their Noise key and capacity; a node started `--hide nat --join <seed>` without any
 * `--via` joins the DHT through its seed, finds the routers there and moves onto a circuit; a peer
 * that never held a session with it reads its document from the DHT identities layer, turns the
 * `proxy://R#T` contact back into its relayed address, and reaches it there. Real nodes on tcp
 * over loopback, each on its own 127.0.0.x.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seekService } from '../actors/dht/index.js';
import { addressFromContact } from '../actors/net/contacts.js';
import { decodeIdentityDocument } from '../actors/identity/document.js';
import { SocketLog, waitFor } from '../actors/proxy/test-kit.js';
import type { SessionEntry } from '../actors/net/secure-channel.js';
import { backupTree, restoreTree } from '../actors/storage/customer-files.js';
import { createNode, type BitDustNode } from '../actors/node/create-node.js';
import { networkFromFlags } from '../server/cli/join.js';
import { diffTrees, makeTree } from './support/storage-data.js';
import { proxyStorageNet } from './support/proxy-storage-net.js';
import { up } from './support/storage-devnet.js';

const MiB = 1024 * 1024;

test(
  '--hide nat without --via finds announced routers in the DHT; peers reach it by its document',
  { timeout: 120_000 },
  async (t) => {
    const hiddenIp = '127.0.0.110';
    const net = await proxyStorageNet({
      routerIps: ['127.0.0.101', '127.0.0.102'],
      supplierIps: ['127.0.0.103', '127.0.0.104', '127.0.0.105'],
      hiddenIp,
      hide: 'nat',
      k: 2,
      m: 1,
      hiddenFlags: (routers) => ({
        listen: `tcp://${hiddenIp}:0`,
        join: [routers[0]!.address],
        hide: 'nat'
      })
    });
    t.after(() => net.stop());

    // Both routers are in the layer, with the key and capacity a receiver needs.
    const supplierDht = net.suppliers[0]!.node.network()!.dht;
    // Each router holds its own record even while no peer stored it yet; a few lookups at most.
    let announced = await seekService(supplierDht, 'proxy-routers');
    for (let i = 0; i < 10 && announced.length < net.routers.length; i++) {
      announced = await seekService(supplierDht, 'proxy-routers');
    }
    assert.deepEqual(
      announced.map((c) => c.address).sort(),
      net.routers.map((r) => r.address).sort()
    );
    for (const c of announced) {
      const r = net.routers.find((x) => x.address === c.address)!;
      assert.equal(
        c.meta?.noiseKey,
        Buffer.from(r.node.identity().keys.noise.publicKey).toString('hex')
      );
      assert.equal(c.meta?.capacity, 20);
    }

    const hiddenNet = () => net.hidden.node.network()!;
    const relayed = () => hiddenNet().raw.address;
    await waitFor(
      () => relayed().startsWith('proxy:'),
      30_000,
      'a circuit to a router from the DHT'
    );
    assert.ok(
      net.routers.some((r) => relayed().startsWith(`proxy:${r.address}#`)),
      relayed()
    );
    const contacts = () => net.hidden.node.identity().document.body.contacts.tcp ?? [];
    await waitFor(
      () => contacts()[0]?.startsWith('proxy://') ?? false,
      10_000,
      'a relayed contact'
    );
    assert.equal(contacts().length, 1);
    assert.ok(!contacts()[0]!.includes(hiddenIp));

    // Storage works over it as over a --via circuit.
    await net.ready();
    const src = join(net.base, 'src');
    makeTree(src, 1 * MiB, 5);
    const c = net.customer();
    assert.deepEqual((await backupTree(c, src)).problems, []);
    const out = join(net.base, 'out');
    assert.deepEqual((await restoreTree(c, { path: src, into: out })).failed, []);
    assert.deepEqual(diffTrees(src, join(out, 'src')), []);

    // The document as the DHT holds it: its one contact is the relayed address.
    const hiddenId = net.hidden.node.id;
    let record: Uint8Array | undefined;
    for (let i = 0; i < 20; i++) {
      const { records } = await supplierDht.get('identities', hiddenId);
      const mine = records.filter((r) => r.publisher === hiddenId).sort((a, b) => b.seq - a.seq);
      record = mine[0]?.value;
      if (record && decodeIdentityDocument(record).body.contacts.tcp?.[0] === contacts()[0]) break;
    }
    assert.ok(record, 'the hidden node published its document');
    const document = decodeIdentityDocument(record);
    assert.ok(document, 'the hidden node published its document');
    assert.equal(addressFromContact('tcp', document.body.contacts.tcp?.[0]), relayed());
    // A newcomer outside the DHT, given only that document, reaches the node through its router.
    const newcomer = await createNode({
      config: {
        dataDir: join(net.base, 'newcomer'),
        name: 'newcomer',
        seed: 9,
        api: false,
        devnet: 0
      },
      devnet: true,
      network: networkFromFlags({ listen: 'tcp://127.0.0.111:0' })!
    });
    t.after(() => newcomer.stop());
    await up(newcomer, 'network');
    const nn = newcomer.network()!;
    nn.documents.accept(record, hiddenId);
    assert.equal(nn.dht.table.size, 0);
    assert.equal(nn.channel.addressOf(hiddenId), undefined, 'no session before the request');
    let heard = '';
    hiddenNet().router.handle('cmd.message', (env) => {
      heard = Buffer.from(env.body.payload).toString();
      return { type: 'cmd.ack', body: { v: 1 } };
    });
    const reply = await nn.router.request(hiddenId, 'cmd.message', {
      v: 1,
      payload: new TextEncoder().encode('found you')
    });
    assert.equal(reply.type, 'cmd.ack');
    assert.equal(heard, 'found you');
    assert.equal(nn.channel.addressOf(hiddenId), relayed());
  }
);

test(
  '--hide privacy without --via looks its routers up under a throwaway identity: the seed never pairs it with its address',
  { timeout: 120_000 },
  async (t) => {
    const base = mkdtempSync(join(tmpdir(), 'bd-proxy-bootstrap-'));
    const started: BitDustNode[] = [];
    t.after(async () => {
      for (const n of started.reverse()) await n.stop().catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    });
    let seed = 300;
    const start = async (name: string, flags: Parameters<typeof networkFromFlags>[0]) => {
      const node = await createNode({
        config: { dataDir: join(base, name), name, seed: seed++, api: false, devnet: 0 },
        devnet: true,
        network: networkFromFlags(flags)!
      });
      started.push(node);
      await up(node, 'network');
      return node;
    };
    // Three routers joined through the first; the hidden node's seed is a plain peer.
    const routers: BitDustNode[] = [];
    for (const ip of ['127.0.0.121', '127.0.0.122', '127.0.0.123']) {
      const join = routers[0] ? [routers[0].networkStats()!.address!] : [];
      routers.push(await start(ip, { listen: `tcp://${ip}:0`, join, 'proxy-router': true }));
    }
    const seedIp = '127.0.0.124';
    const peer = await start('seed', {
      listen: `tcp://${seedIp}:0`,
      join: [routers[0]!.networkStats()!.address!]
    });
    // Every session the seed installs, with the address it came from, and every socket it had.
    const installs: { address: string; nodeId: string; remoteStatic: Buffer | null }[] = [];
    const channel = peer.network()!.channel;
    const install = channel.install.bind(channel);
    channel.install = (address: string, entry: SessionEntry) => {
      const key = entry.session.remoteStaticKey;
      installs.push({ address, nodeId: entry.nodeId, remoteStatic: key && Buffer.from(key) });
      install(address, entry);
    };
    const sockets = new SocketLog().start();
    t.after(() => sockets.stop());

    const hiddenIp = '127.0.0.125';
    const hidden = await start('hidden', {
      listen: `tcp://${hiddenIp}:0`,
      join: [peer.networkStats()!.address!],
      hide: 'privacy'
    });
    const relayed = () => hidden.network()!.raw.address;
    await waitFor(() => relayed().startsWith('proxy:'), 30_000, 'a 3-hop circuit');
    assert.equal(hidden.proxy()!.receiver!.path.length, 3);
    // The node speaks as itself to its seed, through the circuit only.
    await waitFor(
      () => installs.some((i) => i.nodeId === hidden.id),
      30_000,
      'the hidden node handshaking with its seed through the circuit'
    );

    const ownKey = Buffer.from(hidden.identity().keys.noise.publicKey);
    const fromHiddenIp = installs.filter((i) => i.address.startsWith(`tcp://${hiddenIp}:`));
    // The throwaway did reach the seed from the node's own host, as some other node...
    assert.ok(fromHiddenIp.length > 0, 'the throwaway lookup went through the seed');
    assert.ok(
      sockets.of(seedIp).some((s) => s.remoteIp === hiddenIp),
      'the seed had a socket with the hidden host'
    );
    for (const i of fromHiddenIp) {
      assert.notEqual(i.nodeId, hidden.id);
      assert.ok(!i.remoteStatic?.equals(ownKey), 'the node static key at its own address');
    }
    // ...and the node's own identity reached it only from a relayed address.
    for (const i of installs.filter((x) => x.nodeId === hidden.id)) {
      assert.ok(i.address.startsWith('proxy:'), i.address);
      assert.ok(!i.address.includes(hiddenIp), i.address);
    }
    assert.ok(installs.every((i) => !i.remoteStatic?.equals(ownKey) || i.nodeId === hidden.id));
  }
);
