import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TestClock } from '../actors/clock.js';
import { createInspectionBridge } from '../actors/inspection/create-inspection-bridge.js';
import { buildApp, type AppOptions } from './app.js';
import { cookieName } from './plugins/guard.js';
import { fakeNode } from './test-support/fake-node.js';

const TOKEN = 'a'.repeat(64);
const auth = { authorization: `Bearer ${TOKEN}` };

async function setupApp(extra: Partial<AppOptions> = {}) {
  const clock = new TestClock();
  const operator = fakeNode('alice', { clock });
  const peer = fakeNode('bob', { clock, devnet: true });
  const bridge = createInspectionBridge({ clock: new TestClock() });
  bridge.attach('bob', peer.root);
  bridge.attach('alice', operator.root);
  const app = await buildApp({ token: TOKEN, nodes: () => [peer, operator], bridge, ...extra });
  return { app, operator, peer, bridge };
}

test('GET /api/health: 200 with the token, 401 without or with a wrong one', async (t) => {
  const { app } = await setupApp();
  t.after(() => app.close());
  const ok = await app.inject({ url: '/api/health', headers: auth });
  assert.equal(ok.statusCode, 200);
  assert.deepEqual(ok.json(), { status: 'ok', nodes: 2, inspecting: false });
  assert.match(String(ok.headers['content-security-policy']), /default-src 'self'/);

  const none = await app.inject({ url: '/api/health' });
  assert.equal(none.statusCode, 401);
  assert.equal(none.json().code, 'ERR_API_UNAUTHORIZED');
  const wrong = await app.inject({ url: '/api/health', headers: { authorization: 'Bearer x' } });
  assert.equal(wrong.statusCode, 401);
  const unknown = await app.inject({ url: '/nope' });
  assert.equal(unknown.statusCode, 401, 'even unknown paths need the token');
  assert.equal((await app.inject({ url: '/nope', headers: auth })).statusCode, 404);
});

test('foreign Host and foreign Origin get 403, same origin passes', async (t) => {
  const { app } = await setupApp();
  t.after(() => app.close());
  const rebound = await app.inject({
    url: '/api/health',
    headers: { ...auth, host: 'evil.example' }
  });
  assert.equal(rebound.statusCode, 403);
  assert.equal(rebound.json().code, 'ERR_API_FORBIDDEN_HOST');
  const foreign = await app.inject({
    url: '/api/health',
    headers: { ...auth, origin: 'http://evil.example' }
  });
  assert.equal(foreign.statusCode, 403);
  assert.equal(foreign.json().code, 'ERR_API_FORBIDDEN_ORIGIN');
  const same = await app.inject({
    url: '/api/health',
    headers: { ...auth, host: '127.0.0.1', origin: 'http://127.0.0.1' }
  });
  assert.equal(same.statusCode, 200);
  const strict = await buildApp({
    token: TOKEN,
    nodes: () => [],
    bridge: createInspectionBridge(),
    allowedHosts: ['127.0.0.1:9999']
  });
  t.after(() => strict.close());
  const off = await strict.inject({ url: '/api/health', headers: auth });
  assert.equal(off.statusCode, 403);
  const on = await strict.inject({
    url: '/api/health',
    headers: { ...auth, host: '127.0.0.1:9999' }
  });
  assert.equal(on.statusCode, 200);
});

test('?token= sets an HttpOnly SameSite=Strict cookie that later requests may use', async (t) => {
  const { app } = await setupApp();
  t.after(() => app.close());
  const first = await app.inject({ url: `/api/health?token=${TOKEN}` });
  assert.equal(first.statusCode, 200);
  const cookie = String(first.headers['set-cookie']);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const name = cookieName('localhost:80');
  assert.ok(cookie.startsWith(`${name}=${TOKEN}`));
  const later = await app.inject({ url: '/api/node', headers: { cookie: `${name}=${TOKEN}` } });
  assert.equal(later.statusCode, 200);
  const stale = await app.inject({ url: '/api/node', headers: { cookie: `${name}=bad` } });
  assert.equal(stale.statusCode, 401);
});

test('GET /api/node lists every hosted node, the operator first', async (t) => {
  const { app } = await setupApp();
  t.after(() => app.close());
  const res = await app.inject({ url: '/api/node', headers: auth });
  assert.equal(res.statusCode, 200);
  const { nodes } = res.json();
  assert.deepEqual(
    nodes.map((n: { id: string; devnet: boolean }) => [n.id, n.devnet]),
    [
      ['alice', false],
      ['bob', true]
    ]
  );
  assert.deepEqual(nodes[0].services, [{ name: 'network', status: 'up', dependsOn: ['identity'] }]);
});

test('GET /api/actors shows the live tree with states and restart counts', async (t) => {
  const { app, operator } = await setupApp();
  t.after(() => app.close());
  operator.root.send({ type: 'hello' });
  const res = await app.inject({ url: '/api/actors?node=alice', headers: auth });
  assert.equal(res.statusCode, 200);
  const [alice] = res.json().nodes;
  assert.equal(alice.node, 'alice');
  assert.equal(alice.tree.machineId, 'node');
  assert.equal(alice.tree.value, 'running');
  assert.deepEqual(alice.tree.children, [
    {
      id: 'peer.1',
      sid: operator.root.getSnapshot().children['peer.1'].sessionId,
      systemId: 'peer.1',
      machineId: 'peer',
      status: 'active',
      value: 'online',
      restarts: 1,
      lastExit: 'crashed',
      children: []
    }
  ]);
  const all = await app.inject({ url: '/api/actors', headers: auth });
  assert.equal(all.json().nodes.length, 2);
  const missing = await app.inject({ url: '/api/actors?node=carol', headers: auth });
  assert.equal(missing.statusCode, 404);
});

test('inputs are validated: bad query, bad params, bad body give 400', async (t) => {
  const { app, operator } = await setupApp({ onStop: () => {} });
  t.after(() => app.close());
  const long = await app.inject({ url: `/api/actors?node=${'n'.repeat(200)}`, headers: auth });
  assert.equal(long.statusCode, 400);
  assert.equal(long.json().code, 'ERR_API_BAD_REQUEST');
  const badId = await app.inject({ url: '/api/actors?node=a%20b', headers: auth });
  assert.equal(badId.statusCode, 400);
  const body = await app.inject({
    method: 'POST',
    url: '/api/node/stop',
    headers: auth,
    payload: { reason: 'x'.repeat(300) }
  });
  assert.equal(body.statusCode, 400);
  const ctx = await app.inject({
    url: `/api/actors/alice/${operator.root.sessionId}/context`,
    headers: auth
  });
  assert.equal(ctx.statusCode, 200);
  assert.deepEqual(ctx.json().value, {
    children: { 'peer.1': { restarts: 1, lastExit: 'crashed' } }
  });
  const noActor = await app.inject({ url: '/api/actors/alice/x:999999/context', headers: auth });
  assert.equal(noActor.statusCode, 404);
});

test('POST /api/node/stop answers 202 then calls onStop; 501 without onStop', async (t) => {
  let resolveStop: (reason: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (resolveStop = resolve));
  const { app } = await setupApp({ onStop: (reason) => resolveStop(reason) });
  t.after(() => app.close());
  const res = await app.inject({
    method: 'POST',
    url: '/api/node/stop',
    headers: auth,
    payload: { reason: 'test' }
  });
  assert.equal(res.statusCode, 202);
  assert.deepEqual(res.json(), { stopping: true });
  assert.equal(await stopped, 'test');
  const { app: other } = await setupApp();
  t.after(() => other.close());
  const unsupported = await other.inject({ method: 'POST', url: '/api/node/stop', headers: auth });
  assert.equal(unsupported.statusCode, 501);
  const foreign = await other.inject({
    method: 'POST',
    url: '/api/node/stop',
    headers: { ...auth, origin: 'http://evil.example' }
  });
  assert.equal(foreign.statusCode, 403);
});

test('the UI is served from uiDir, with a clear message when it was not built', async (t) => {
  const missing = await setupApp({ uiDir: join(tmpdir(), 'bitdust-no-such-ui') });
  t.after(() => missing.app.close());
  const notBuilt = await missing.app.inject({ url: '/', headers: auth });
  assert.equal(notBuilt.statusCode, 503);
  assert.match(notBuilt.body, /make ui/);

  const dir = await mkdtemp(join(tmpdir(), 'bitdust-ui-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  await writeFile(join(dir, 'app.js'), 'console.log(1)');
  const { app } = await setupApp({ uiDir: dir });
  t.after(() => app.close());
  const page = await app.inject({ url: `/?token=${TOKEN}` });
  assert.equal(page.statusCode, 200);
  assert.match(page.body, /<title>x<\/title>/);
  assert.equal(page.headers['cache-control'], 'no-store');
  const cookie = String(page.headers['set-cookie']).split(';')[0]!;
  const asset = await app.inject({ url: '/app.js', headers: { cookie } });
  assert.equal(asset.statusCode, 200);
  assert.equal((await app.inject({ url: '/app.js' })).statusCode, 401);
});

test('GET /api/counters shows each node its counters, bigints as strings; 401 without the token', async (t) => {
  const { app, operator } = await setupApp();
  t.after(() => app.close());
  Object.assign(operator, {
    counters: () => ({ network: { refused: { malformed: 3 }, bytes: 12n } })
  });
  const reply = await app.inject({ url: '/api/counters', headers: auth });
  assert.equal(reply.statusCode, 200);
  assert.deepEqual(reply.json(), {
    nodes: [
      { node: 'alice', counters: { network: { refused: { malformed: 3 }, bytes: '12' } } },
      { node: 'bob', counters: {} }
    ]
  });
  assert.equal((await app.inject({ url: '/api/counters' })).statusCode, 401);
});
