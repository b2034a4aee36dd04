/**
 * One BitDust node in its own OS process, for the multi-process tests: the real node (createNode)
 * on the network the CLI flags describe (server/cli/join.ts: --listen/--join for tcp, --nats), a
 * `cmd.message` handler that records what arrived, and a JSON-lines protocol on stdin/stdout:
 *
 *   → {"cmd":"wait-peers","ids":[…],"timeoutMs":n}  ← {"event":"peers","ok":true,"ids":[…]}
 *   → {"cmd":"send","to":id,"count":n,"window":w}    ← {"event":"sent","to":id,"ok":n,"failed":n}
 *   → {"cmd":"received","reset":b}                   ← {"event":"received","from":{id:{…}}}
 *   → {"cmd":"stats"}                                ← {"event":"stats","stats":{…}}
 *
 * It prints {"event":"ready","id","address"} first. Messages carry their index, so the receiver
 * can tell lost ones (missing indexes) from duplicates (an index handled twice).
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createNode } from '../../actors/node/create-node.js';
import { networkFromFlags } from '../../server/cli/join.js';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    name: { type: 'string' },
    join: { type: 'string', multiple: true },
    listen: { type: 'string' },
    nats: { type: 'string' }
  }
});
const say = (obj: object) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const attachment = networkFromFlags(values);
if (!attachment) throw new Error('node-process needs --listen/--join or --nats');

const node = await createNode({
  config: { dataDir: values['data-dir']!, name: values.name ?? 'proc', api: false, devnet: 0 },
  devnet: true, // cheap key derivation: the keys are throwaway
  network: {
    ...attachment,
    peerTiming: {
      pingIntervalMs: 1_000,
      timeoutMs: 1_000,
      maxMissed: 3,
      initialBackoffMs: 200,
      maxBackoffMs: 2_000
    },
    discoveryIntervalMs: 500
  }
});
const net = () => {
  const rt = node.network();
  if (!rt) throw new Error('network is down');
  return rt;
};

const received = new Map<string, { seen: Set<number>; duplicates: number }>();
net().router.handle('cmd.message', (envelope) => {
  const r = received.get(envelope.from) ?? { seen: new Set<number>(), duplicates: 0 };
  received.set(envelope.from, r);
  const index = Number(Buffer.from(envelope.body.payload).toString());
  if (r.seen.has(index)) r.duplicates++;
  r.seen.add(index);
  return { type: 'cmd.ack', body: { v: 1 } };
});

async function waitPeers(ids: string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const channel = node.network()?.channel;
    if (channel && ids.every((id) => channel.addressOf(id) !== undefined)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

async function send(to: string, count: number, window: number) {
  let next = 0;
  let ok = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        const reply = await net().router.request(to, 'cmd.message', {
          v: 1,
          payload: Buffer.from(String(i))
        });
        if (reply.type === 'cmd.ack') ok++;
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, worker));
  return { ok, failed };
}

say({ event: 'ready', id: node.id, address: node.networkStats()?.address });
const stop = async () => {
  await node.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line) as { cmd: string; [k: string]: unknown };
  void (async () => {
    if (cmd.cmd === 'wait-peers') {
      const ids = cmd.ids as string[];
      say({ event: 'peers', ok: await waitPeers(ids, Number(cmd.timeoutMs)), ids });
    } else if (cmd.cmd === 'send') {
      const to = String(cmd.to);
      say({ event: 'sent', to, ...(await send(to, Number(cmd.count), Number(cmd.window))) });
    } else if (cmd.cmd === 'received') {
      const from = Object.fromEntries(
        [...received].map(([id, r]) => [
          id,
          { count: r.seen.size, duplicates: r.duplicates, max: Math.max(-1, ...r.seen) }
        ])
      );
      // Each round starts from scratch: a round's indexes are checked on their own.
      if (cmd.reset === true) received.clear();
      say({ event: 'received', from });
    } else if (cmd.cmd === 'stats') {
      say({ event: 'stats', stats: node.networkStats() });
    }
  })();
});
