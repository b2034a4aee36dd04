/**
 * `bitdust node start --listen …` and `bitdust node start --join tcp://…` as two OS processes, as
 * an operator runs them: the first node's `/ws/inspect` feed, subscribed before the second starts,
 * shows the newcomer's peer actor, its `handshake` child while the Noise handshake runs over real
 * loopback tcp, and the peer reaching `connected`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { InspectMessage } from '../actors/inspection/types.js';
import { startNodeCli } from './support/cli-process.js';
import { messageLog } from './support/message-log.js';

const WAIT_MS = 30_000;

/** Collects every message of a /ws/inspect feed; `until` waits (bounded) for a condition on them. */
function inspectFeed(url: string) {
  const log = messageLog(WAIT_MS);
  const ws = new WebSocket(url);
  const opened = new Promise<void>((resolve, reject) => {
    ws.on('open', () => resolve());
    ws.on('error', reject);
  });
  ws.on('message', (data) => log.push(JSON.parse(data.toString()) as InspectMessage[]));
  return { seen: log.seen, opened, until: log.until, close: () => ws.close() };
}

test('a node joining over tcp from another process: handshake and peer states in /ws/inspect', async (t) => {
  const dirs = ['first', 'second'].map((n) => mkdtempSync(join(tmpdir(), `bitdust-${n}-`)));
  t.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const start = (dataDir: string, net: string[]) =>
    startNodeCli(t, dataDir, ['--devnet', '0', ...net]);

  const first = await start(dirs[0]!, ['--listen', 'tcp://127.0.0.1:0']);
  const a = first.summary;
  assert.match(a.address ?? '', /^tcp:\/\/127\.0\.0\.1:\d+$/);
  const token = first.token;
  const feed = inspectFeed(`${a.url.replace('http', 'ws')}/ws/inspect?token=${token}`);
  t.after(() => feed.close());
  await feed.opened;
  await feed.until('the snapshot', (m) => m.some((x) => x.kind === 'snapshot'));

  const second = await start(dirs[1]!, ['--join', a.address!]);
  const b = second.summary;
  assert.match(b.address ?? '', /^tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(b.id, a.id);

  const peerId = `peer.${b.address}`;
  let peerSid: string | undefined;
  await feed.until(`actor ${peerId}`, (m) => {
    const started = m.find((x) => x.kind === 'actor.started' && x.systemId === peerId);
    peerSid = started?.kind === 'actor.started' ? started.sid : undefined;
    return peerSid !== undefined;
  });
  await feed.until('the handshake child of the peer actor', (m) =>
    m.some((x) => x.kind === 'actor.started' && x.parent === peerSid && x.id === 'handshake')
  );
  const states = () =>
    feed.seen.flatMap((x) => (x.kind === 'state' && x.sid === peerSid ? [x.value] : []));
  await feed.until('the peer connected', () => states().includes('connected'));
  assert.ok(states().includes('handshaking'), `peer states ${JSON.stringify(states())}`);

  second.node.child.kill('SIGTERM');
  assert.equal(await second.node.exited(), 0);
  first.node.child.kill('SIGTERM');
  assert.equal(await first.node.exited(), 0);
});
