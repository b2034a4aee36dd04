/**
 * The `proxy` demo: beside the devnet, four real nodes on tcp over loopback, each on its own
 * 127.0.0.x (Linux routes all of 127.0.0.0/8 to lo) — two `--proxy-router`s, a plain peer, and a
 * node started `--hide nat --via` both routers. The hidden node builds its circuit, talks to the
 * peer, then its router is stopped: the receiver fails over to the other router and the talk goes
 * on. Every node is attached to the inspector: under the hidden node's `service.network` watch
 * `proxy.receiver`, `proxy.circuit` and `proxy.reachability` go through it. Real time throughout.
 */
import { join } from 'node:path';
import { createNode, type BitDustNode } from '../../actors/node/create-node.js';
import { networkFromFlags, viaAddress, type JoinFlags } from './join.js';
import type { Host } from './host.js';
import { until } from './until.js';

const text = (s: string) => new TextEncoder().encode(s);

export const proxyDemo = {
  summary:
    'a hidden node (--hide nat) builds a circuit, its router is stopped, it fails over to another (loopback 127.0.0.2-5)',
  async run(host: Host, say: (line: string) => void, stepMs: number): Promise<void> {
    const nodes: BitDustNode[] = [];
    const pause = () => new Promise((resolve) => setTimeout(resolve, stepMs));
    const start = async (name: string, flags: JoinFlags) => {
      const node = await createNode({
        config: { dataDir: join(host.node.config.dataDir, 'demo-proxy', name), name, api: false },
        devnet: true,
        network: networkFromFlags(flags)!
      });
      nodes.push(node);
      host.attach(`${name} ${node.id.slice(0, 6)}`, node.root);
      return node;
    };
    const address = (n: BitDustNode) => n.networkStats()?.address ?? '';
    try {
      say('1. two proxy routers on 127.0.0.2 and 127.0.0.3, a plain peer on 127.0.0.4');
      const r1 = await start('router-1', { listen: 'tcp://127.0.0.2:0', 'proxy-router': true });
      const r2 = await start('router-2', {
        listen: 'tcp://127.0.0.3:0',
        join: [address(r1)],
        'proxy-router': true
      });
      const peer = await start('peer', { listen: 'tcp://127.0.0.4:0', join: [address(r1)] });
      const via = [r1, r2].map((r) => viaAddress(address(r), r.identity().keys.noise.publicKey));
      say('2. a node on 127.0.0.5 starts --hide nat --via both routers: it builds a 1-hop circuit');
      const hidden = await start('hidden', {
        listen: 'tcp://127.0.0.5:0',
        join: [address(peer)],
        hide: 'nat',
        via
      });
      const reach = () => hidden.proxy()?.reachability ?? { state: '?', reason: '?' };
      say(`   its address is ${address(hidden)}`);
      say(`   reachability: ${reach().state} — ${reach().reason}`);
      say('   in the inspector, open the hidden node: service.network → proxy.receiver');
      await pause();
      const got: string[] = [];
      peer.network()!.router.handle('cmd.message', (env) => {
        got.push(Buffer.from(env.body.payload).toString());
        return { type: 'cmd.ack', body: { v: 1 } };
      });
      const hello = async (what: string) => {
        await hidden
          .network()!
          .router.request(peer.id, 'cmd.message', { v: 1, payload: text(what) });
        say(
          `   the peer got "${got.at(-1) ?? ''}" from ${peer.network()!.channel.addressOf(hidden.id)}`
        );
      };
      const session = () => until(() => !!hidden.network()?.channel.addressOf(peer.id), 20_000, 50);
      await session();
      await hello('hello through the circuit');
      await pause();
      const before = address(hidden);
      const dead = [r1, r2].find((r) => before.startsWith(`proxy:${address(r)}#`))!;
      say(`3. stopping ${dead.config.name}, the router the hidden node uses`);
      const stoppedAt = Date.now();
      await dead.stop();
      nodes.splice(nodes.indexOf(dead), 1);
      const moved = await until(
        () => address(hidden) !== '' && address(hidden) !== before,
        10_000,
        50
      );
      say(
        moved
          ? `4. failed over in ${Date.now() - stoppedAt} ms: now ${address(hidden)}`
          : '4. no failover within 10 s'
      );
      const lost = hidden.proxy()?.receiver;
      say(`   reachability: ${reach().state} — ${reach().reason}`);
      say(`   failures: ${JSON.stringify(lost?.failures ?? {})}; rebuilds: ${lost?.rebuilds ?? 0}`);
      if (moved && (await session())) await hello('hello again, through the other router');
      await pause();
    } finally {
      for (const n of nodes.reverse()) await n.stop().catch(() => undefined);
    }
  }
};
