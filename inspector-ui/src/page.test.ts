/**
 * The first inspector page in a real Chromium (Debian's, driven by playwright-core) against a
 * real server on 127.0.0.1: the tree appears, a state changes live, and the page without the
 * token is refused. Leaves a screenshot in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { createInspectionBridge } from '../../actors/inspection/create-inspection-bridge.js';
import { buildApp } from '../../server/app.js';
import { listenLocal } from '../../server/listen.js';
import { fakeNode } from '../../server/test-support/fake-node.js';
import { buildUi } from '../build.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'c'.repeat(64);
/** Bounded waits for the browser only; nothing else in the suite waits on time. */
const WAIT = { timeout: 20_000 };

test(
  'the page shows the live actor tree and follows a state change',
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
    const { inspectorUrl, url } = await listenLocal(app, { port: 0, token: TOKEN });
    t.after(() => app.close());

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic'
      ]
    });
    t.after(() => browser.close());

    const refused = await (await browser.newContext()).newPage();
    const denied = await refused.goto(url);
    assert.equal(denied?.status(), 401, 'no token, no page');

    const page = await (
      await browser.newContext({ viewport: { width: 900, height: 520 } })
    ).newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    await page.goto(inspectorUrl);
    const peerState = page.locator('[data-node="alice"] [data-actor-id="peer.1"] > .row .state');
    await peerState.filter({ hasText: 'offline' }).waitFor(WAIT);
    await page.locator('#status[data-state="live"]').waitFor(WAIT);
    assert.equal(await page.locator('section.node').count(), 2);
    assert.equal(new URL(page.url()).searchParams.get('token'), null, 'token left the address bar');
    const restarts = page.locator('[data-node="alice"] [data-actor-id="peer.1"] > .row .restarts');
    assert.equal(await restarts.textContent(), '↻ 1');

    operator.root.send({ type: 'hello' });
    await peerState.filter({ hasText: 'online' }).waitFor(WAIT);

    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: join('test-artifacts', 'inspector-first-page.png') });
    assert.deepEqual(errors, []);
  }
);
