/**
 * The inspector page in a real Chromium (Debian's, driven by playwright-core) against a real
 * server on 127.0.0.1 with small fake nodes: the tree appears, a selected machine's chart lights
 * its state live, and the browser is refused without the token and from a foreign origin.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { createInspectionBridge } from '../../actors/inspection/create-inspection-bridge.js';
import { buildApp } from '../../server/app.js';
import { listenLocal } from '../../server/listen.js';
import { fakeNode } from '../../server/test-support/fake-node.js';
import { buildUi } from '../build.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../chromium.js';

const TOKEN = 'c'.repeat(64);
/** Bounded waits for the browser only; nothing else in the suite waits on time. */
const WAIT = { timeout: 20_000 };

test(
  'the page draws the tree and a live chart; no token or a foreign origin is refused',
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: apt-get install chromium` },
  async (t) => {
    const uiDir = await mkdtemp(join(tmpdir(), 'bitdust-ui-'));
    await buildUi({ outDir: uiDir, force: true });
    const operator = fakeNode('alice');
    const peer = fakeNode('bob', { devnet: true });
    const bridge = createInspectionBridge({ flushMs: 50 });
    bridge.attach('alice', operator.root);
    bridge.attach('bob', peer.root);
    const app = await buildApp({ token: TOKEN, nodes: () => [operator, peer], bridge, uiDir });
    const { inspectorUrl, url, port } = await listenLocal(app, { port: 0, token: TOKEN });
    t.after(() => app.close());
    // A page of another origin on this machine (what a malicious site would be).
    const foreign = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    t.after(() => foreign.close());

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    t.after(() => browser.close());

    const stranger = await (await browser.newContext()).newPage();
    assert.equal((await stranger.goto(url))?.status(), 401, 'no token, no page');
    const feed = await stranger.request.get(`${url}/api/actors`);
    assert.equal(feed.status(), 401, 'no token, no data');
    await stranger.goto(`http://127.0.0.1:${(foreign.address() as AddressInfo).port}/`);
    const outcome = await stranger.evaluate(
      (wsUrl) =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(wsUrl);
          ws.onopen = () => resolve('open');
          ws.onerror = () => resolve('refused');
        }),
      `ws://127.0.0.1:${port}/ws/inspect?token=${TOKEN}`
    );
    assert.equal(outcome, 'refused', 'a foreign origin cannot open the feed, even with the token');

    const page = await (
      await browser.newContext({ viewport: { width: 1280, height: 720 } })
    ).newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    await page.goto(inspectorUrl);
    await page.locator('#status[data-state="live"]').waitFor(WAIT);
    assert.equal(new URL(page.url()).searchParams.get('token'), null, 'token left the address bar');
    const peerRow = page.locator('.actor-row[data-node="alice"][data-actor-id="peer.1"]');
    await peerRow.locator('.state', { hasText: 'offline' }).waitFor(WAIT);
    assert.equal(await peerRow.locator('.restarts').textContent(), '↻ 1');
    assert.equal(await page.locator('.node-row').count(), 2);

    await peerRow.click();
    const lit = page.locator('#chart svg g.state.active[data-id="peer.offline"]');
    await lit.waitFor(WAIT);
    operator.root.send({ type: 'hello' });
    await page.locator('#chart svg g.state.active[data-id="peer.online"]').waitFor(WAIT);
    await page.locator('#chart svg g.edge.fired[data-event="peer.hello"]').waitFor(WAIT);
    await page.locator('#teaching-off:not([hidden])').waitFor(WAIT);
    assert.deepEqual(errors, []);
  }
);
