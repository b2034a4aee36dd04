import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestClock } from '../../actors/clock.js';
import { createInspectionBridge } from '../../actors/inspection/create-inspection-bridge.js';
import type { InspectBatch } from '../../actors/inspection/types.js';
import { buildApp } from '../app.js';
import { fakeNode } from '../test-support/fake-node.js';

const TOKEN = 'b'.repeat(64);
const host = { host: 'localhost' };

/** The client side of injectWS is a `ws` WebSocket; its types are not installed, so name what we use. */
interface TestSocket {
  on(event: 'message', listener: (data: unknown) => void): void;
  terminate(): void;
}
const asTest = (socket: unknown) => socket as TestSocket;

async function setupApp() {
  const bridgeClock = new TestClock();
  const operator = fakeNode('alice');
  const peer = fakeNode('bob', { devnet: true });
  const bridge = createInspectionBridge({ clock: bridgeClock });
  bridge.attach('alice', operator.root);
  bridge.attach('bob', peer.root);
  const app = await buildApp({ token: TOKEN, nodes: () => [operator, peer], bridge });
  await app.ready();
  return { app, operator, bridge, bridgeClock };
}

/** Collects a socket's batches; `next()` resolves with the next one (no sleeping). */
function reader(ws: TestSocket) {
  const queued: InspectBatch[] = [];
  const waiting: ((b: InspectBatch) => void)[] = [];
  ws.on('message', (data: unknown) => {
    const batch = JSON.parse(String(data)) as InspectBatch;
    const w = waiting.shift();
    if (w) w(batch);
    else queued.push(batch);
  });
  return {
    next: () =>
      new Promise<InspectBatch>((resolve) => {
        const b = queued.shift();
        if (b) resolve(b);
        else waiting.push(resolve);
      })
  };
}

test('/ws/inspect delivers the snapshot of every node, then live batches', async (t) => {
  const { app, operator, bridge, bridgeClock } = await setupApp();
  t.after(() => app.close());
  let read: ReturnType<typeof reader> | undefined;
  const ws = asTest(
    await app.injectWS(
      `/ws/inspect?token=${TOKEN}`,
      { headers: host },
      {
        onInit: (socket) => (read = reader(asTest(socket)))
      }
    )
  );
  t.after(() => ws.terminate());
  const first = await read!.next();
  const snapshot = first.find((m) => m.kind === 'snapshot');
  assert.ok(snapshot && snapshot.kind === 'snapshot');
  assert.deepEqual(
    snapshot.nodes.map((n) => [n.node, n.actors.map((a) => a.id)]),
    [
      ['alice', [operator.root.id, 'peer.1']],
      ['bob', [snapshot.nodes[1]!.root, 'peer.1']]
    ]
  );
  assert.deepEqual(
    first.filter((m) => m.kind === 'definition').map((m) => m.kind === 'definition' && m.machineId),
    ['node', 'peer']
  );
  assert.equal(bridge.listening, true);

  operator.root.send({ type: 'hello' });
  bridgeClock.increment(50);
  const live = await read!.next();
  const state = live.find((m) => m.kind === 'state');
  assert.ok(state && state.kind === 'state');
  assert.equal(state.value, 'online');
  assert.equal(state.node, 'alice');
  const sent = live.find((m) => m.kind === 'event' && m.type === 'peer.hello');
  assert.ok(sent && sent.kind === 'event' && sent.from === operator.root.sessionId);
});

test('/ws/inspect refuses a missing token (401), a foreign Origin or Host (403)', async (t) => {
  const { app, bridge } = await setupApp();
  t.after(() => app.close());
  await assert.rejects(app.injectWS('/ws/inspect', { headers: host }), /401/);
  await assert.rejects(
    app.injectWS(`/ws/inspect?token=${TOKEN}`, {
      headers: { ...host, origin: 'http://evil.example' }
    }),
    /403/
  );
  await assert.rejects(
    app.injectWS(`/ws/inspect?token=${TOKEN}`, { headers: { host: 'evil.example' } }),
    /403/
  );
  assert.equal(bridge.listening, false, 'refused sockets never subscribe');
  const ok = await app.injectWS('/ws/inspect', {
    headers: { ...host, origin: 'http://localhost', authorization: `Bearer ${TOKEN}` }
  });
  asTest(ok).terminate();
});

test('closing the socket unsubscribes from the bridge', async (t) => {
  const { app, bridge } = await setupApp();
  t.after(() => app.close());
  const ws = asTest(await app.injectWS(`/ws/inspect?token=${TOKEN}`, { headers: host }));
  assert.equal(bridge.listening, true);
  const [serverSide] = app.websocketServer.clients;
  assert.ok(serverSide);
  const closed = new Promise((resolve) => serverSide.once('close', resolve));
  ws.terminate();
  await closed;
  assert.equal(bridge.listening, false);
});
