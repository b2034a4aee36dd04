/**
 * `bitdust node start --listen …` and `--join tcp://…`, as two in-process hosts on 127.0.0.1: what
 * the inspector feed of a joined node shows. The first host's bridge is subscribed before the
 * second one starts, so its feed must carry the whole story of the new peer: the peer actor, its
 * `handshake` child while the Noise handshake runs, and the peer reaching `connected`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig } from '../actors/node/config.js';
import type { InspectBatch } from '../actors/inspection/types.js';
import { startHost } from '../server/cli/host.js';
import type { Host } from '../server/cli/host.js';
import { networkFromFlags } from '../server/cli/join.js';
import { messageLog } from './support/message-log.js';

const WAIT_MS = 20_000;

/** The host's inspection feed, collected from its bridge. */
function feed(host: Host) {
  const log = messageLog(WAIT_MS);
  const off = host.bridge.subscribe((batch: InspectBatch) => log.push(batch));
  return { seen: log.seen, until: log.until, off };
}

test('a node joined over tcp: its handshake and peer states are in the inspector feed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bitdust-join-'));
  // Undone last first: the hosts stop before their directory goes.
  const cleanup: (() => unknown)[] = [() => rm(dir, { recursive: true, force: true })];
  t.after(async () => {
    for (const step of cleanup.reverse()) await step();
  });
  const config = (name: string) => ({
    ...defaultConfig(),
    dataDir: join(dir, name),
    name,
    devnet: 0,
    api: false
  });
  const first = await startHost({
    config: config('first'),
    network: networkFromFlags({ listen: 'tcp://127.0.0.1:0' })!
  });
  cleanup.push(() => first.stop());
  const address = first.node.networkStats()!.address!;
  assert.match(address, /^tcp:\/\/127\.0\.0\.1:\d+$/);
  const a = feed(first);
  cleanup.push(a.off);

  const second = await startHost({
    config: config('second'),
    network: networkFromFlags({ join: [address] })!
  });
  cleanup.push(() => second.stop());
  const secondAddress = second.node.networkStats()!.address!;
  const peerId = `peer.${secondAddress}`;

  // The first node's peer actor for the newcomer, by its system id.
  let peerSid: string | undefined;
  await a.until(`actor ${peerId}`, (m) => {
    const started = m.find((x) => x.kind === 'actor.started' && x.systemId === peerId);
    peerSid = started && 'sid' in started ? started.sid : undefined;
    return peerSid !== undefined;
  });
  await a.until('the handshake child of the peer actor', (m) =>
    m.some((x) => x.kind === 'actor.started' && x.parent === peerSid && x.id === 'handshake')
  );
  const states = () =>
    a.seen.flatMap((x) => (x.kind === 'state' && x.sid === peerSid ? [x.value] : []));
  await a.until('the peer connected', () => states().includes('connected'));
  assert.ok(states().includes('handshaking'), `peer states ${JSON.stringify(states())}`);

  // The joining side agrees: its peer actor for the seed is connected, through a real session.
  const back = second.node.root.system.get(`peer.${address}`);
  assert.equal(String(back?.getSnapshot().value), 'connected');
  const stats = second.node.networkStats()!;
  assert.ok(stats.handshakes.established >= 1);
  assert.equal(second.node.network()!.channel.get(address)?.nodeId, first.node.id);
});
