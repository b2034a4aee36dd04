/**
 * A tampering router at the node level: two proxy-router nodes whose base transports can play
 * a bad router (actors/proxy/test-kit.ts `recorded`), a plain peer, and a node started
 * `--hide nat --via` both. Once the hidden node has a session with the peer, the router it uses
 * starts flipping a byte in every cell it sends the hidden node: the next reply fails
 * authentication, the circuit fails with ERR_PROXY_CIRCUIT_AUTH, the receiver rebuilds on the
 * other router, the node handshakes again and its request is answered; `node.proxy()` (what
 * GET /api/proxy serves) counts it all. Real nodes on tcp over loopback, each on its own 127.0.0.x.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNode, type BitDustNode } from '../actors/node/create-node.js';
import type { NetworkAttachment } from '../actors/node/services/network.js';
import { createProxyRouter, createProxyTransport } from '../actors/proxy/index.js';
import { recorded, waitFor, type Recorded } from '../actors/proxy/test-kit.js';
import { createTcpTransport } from '../actors/transports/tcp.js';
import { CELL_TAG } from '../machines/proxy/circuit/messages.js';
import { networkFromFlags, viaAddress } from '../server/cli/join.js';
import { up } from './support/storage-devnet.js';

test(
  'a router that tampers is detected at the node level; the node moves on and is answered',
  { timeout: 90_000 },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'bitdust-proxy-faults-'));
    const nodes: BitDustNode[] = [];
    t.after(async () => {
      for (const n of nodes.reverse()) await n.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    });
    const start = async (name: string, network: NetworkAttachment) => {
      const node = await createNode({
        config: { dataDir: join(dir, name), name, seed: nodes.length + 1, api: false, devnet: 0 },
        devnet: true,
        network
      });
      nodes.push(node);
      await up(node, 'network');
      return node;
    };
    // A router node as --proxy-router builds it, with a base transport that can misbehave.
    const bases = new Map<string, Recorded>();
    const routerNode = (name: string, host: string, join: string[]) =>
      start(name, {
        seeds: join,
        openTransport: async (_id, identity, parent) => {
          const base = recorded(await createTcpTransport({ host }));
          base.record = false;
          bases.set(base.address, base);
          const router = createProxyRouter({
            transport: base,
            staticKeyPair: identity.keys.noise,
            ...(parent ? { parent } : {})
          });
          return createProxyTransport({ base, mode: 'direct', router });
        }
      });
    const r1 = await routerNode('router-1', '127.0.0.121', []);
    const r1Address = r1.networkStats()!.address!;
    const r2 = await routerNode('router-2', '127.0.0.122', [r1Address]);
    const peer = await start(
      'peer',
      networkFromFlags({ listen: 'tcp://127.0.0.123:0', join: [r1Address] })!
    );
    const via = [r1, r2].map((r) =>
      viaAddress(r.networkStats()!.address!, r.identity().keys.noise.publicKey)
    );
    const hidden = await start(
      'hidden',
      networkFromFlags({
        listen: 'tcp://127.0.0.124:0',
        join: [peer.networkStats()!.address!],
        hide: 'nat',
        via
      })!
    );
    const hiddenNet = hidden.network()!;
    await waitFor(() => !!hiddenNet.channel.addressOf(peer.id), 20_000, 'a session with the peer');
    peer.network()!.router.handle('cmd.message', () => ({ type: 'cmd.ack', body: { v: 1 } }));
    const ask = () =>
      hidden
        .network()!
        .router.request(peer.id, 'cmd.message', { v: 1, payload: new Uint8Array(8) });
    assert.equal((await ask()).type, 'cmd.ack');

    const status = () => hidden.proxy()!;
    const used = status().receiver!.path[0]!;
    const bad = bases.get(used)!;
    assert.ok(bad, used);
    bad.fault = (to, frame) => {
      if (!to.startsWith('tcp://127.0.0.124:') || frame[0] !== CELL_TAG) return 'pass';
      const copy = new Uint8Array(frame);
      copy[copy.length - 1]! ^= 0xff;
      return copy;
    };
    // The reply comes back through the bad router: authentication fails, the circuit is rebuilt
    // on the other router, the sessions move, and a retried or fresh request is answered.
    // A request caught in the switch may fail once or twice (its session is re-handshaken).
    const answered = ask()
      .catch(() => ask())
      .catch(() => ask());
    await waitFor(
      () => (status().receiver?.failures.ERR_PROXY_CIRCUIT_AUTH ?? 0) >= 1,
      10_000,
      'ERR_PROXY_CIRCUIT_AUTH'
    );
    await waitFor(
      () => status().address.startsWith('proxy:') && !status().address.includes(used),
      10_000,
      'another router'
    );
    assert.equal((await answered).type, 'cmd.ack');
    const st = status();
    assert.equal(st.reachability.state, 'relayed');
    assert.ok(st.receiver!.authFailures >= 1, JSON.stringify(st.receiver));
    assert.ok((st.receiver!.suspects[used] ?? 0) >= 1, 'the tampering router is a suspect');
    assert.match(st.receiver!.lastReason ?? '', /auth|decrypt|tamper/i);
  }
);
