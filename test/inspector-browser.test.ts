/**
 * The inspector against a real host (operator node + 2-peer devnet + the handshake lab) in real
 * Chromium: the tree of every node, a handshake actor's chart lit as the real Noise handshake
 * progresses one clock step at a time (stepped from the page's teaching controls), its history
 * scrubbed, and an event injected in teaching mode. Screenshots go to test-artifacts/ and the one
 * the README shows to docs/images/inspector.png when BITDUST_UPDATE_SCREENSHOT=1.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { waitFor } from 'xstate';
import { defaultConfig } from '../actors/node/config.js';
import { buildUi } from '../inspector-ui/build.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../inspector-ui/chromium.js';
import { attachHandshakeLab, LAB_NODE } from '../server/cli/demo.js';
import { startHost } from '../server/cli/host.js';

const WAIT = { timeout: 20_000 };

test(
  'a handshake progresses live in the inspector, is scrubbed back, and takes an injected event',
  { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: apt-get install chromium` },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'bitdust-inspector-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const uiDir = join(dir, 'ui');
    await buildUi({ outDir: uiDir, force: true });
    const host = await startHost({
      config: { ...defaultConfig(), dataDir: join(dir, 'node'), port: 0, devnet: 2, seed: 7 },
      uiDir
    });
    t.after(() => host.stop());
    assert.ok(host.teaching, 'a devnet host has teaching mode');
    host.teaching.clock.pause();
    const lab = attachHandshakeLab(host, 300);
    t.after(() => lab.stop());
    host.teaching.narrate('handshake: the initiator has sent message 1 (→ e); step the clock');

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    t.after(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1440, height: 860 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
    page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
    await page.goto(host.listening!.inspectorUrl);
    await page.locator('#status[data-state="live"]').waitFor(WAIT);
    // The tree is virtualized (only rows in sight exist, and every node now runs storage actors
    // too): search brings each node into view — the operator, both peers and the lab.
    for (const node of [host.node.id, ...host.devnet.nodes.map((n) => n.id), LAB_NODE]) {
      await page.locator('#search').fill(node);
      await page.locator(`.node-row[data-node="${node}"]`).waitFor(WAIT);
    }

    // The Credits panel: the operator and both peers run payments, each with its start grant.
    await page.locator('#ledger:not([hidden]) #ledger-body tr').nth(2).waitFor(WAIT);
    assert.deepEqual(await page.locator('#ledger-body tr td:nth-child(2)').allTextContents(), [
      '10.000000',
      '10.000000',
      '10.000000'
    ]);

    // The tree: the operator, both peers and the lab, each with its actors.
    const row = (id: string) =>
      page.locator(`.actor-row[data-node="${LAB_NODE}"][data-actor-id="${id}"]`);
    await row('initiator').locator('.state', { hasText: 'awaiting' }).waitFor(WAIT);
    await page.locator('#teaching:not([hidden]) #clock-mode[data-mode="paused"]').waitFor(WAIT);
    await page.locator('#narration li', { hasText: 'step the clock' }).waitFor(WAIT);

    await row('initiator').click();
    const lit = (state: string) =>
      page.locator(`#chart svg g.state.active[data-id="handshake.${state}"]`);
    await lit('awaiting').waitFor(WAIT);
    await page.screenshot({ path: join('test-artifacts', 'inspector-1-awaiting.png') });

    // Step the clock from the page until the initiator has established its session.
    await page.locator('#step-ms').fill('300');
    for (let i = 0; i < 4 && !lab.root.getSnapshot().context.results.initiator; i++) {
      const sent = lab.root.getSnapshot().context.frames;
      await page.locator('#clock-step').click();
      await waitFor(
        lab.root,
        (s) => s.context.frames > sent || !!s.context.results.initiator,
        WAIT
      );
    }
    await lit('established').waitFor(WAIT);
    await page.locator('#chart svg g.edge.fired').first().waitFor(WAIT);
    await page.screenshot({ path: join('test-artifacts', 'inspector-2-established.png') });

    // Time travel: back to the first recorded step, then live again.
    const steps = Number(await page.locator('#scrub').getAttribute('max'));
    assert.ok(steps >= 4, `recorded ${steps} state changes`);
    await page.locator('#scrub').fill('0');
    await page.locator('#chart svg.past').waitFor(WAIT);
    await page.locator('#scrub-label', { hasText: `1/${steps}` }).waitFor(WAIT);
    assert.equal(await lit('established').count(), 0, 'the past state is lit, not the present');
    await page.screenshot({ path: join('test-artifacts', 'inspector-3-history.png') });
    await page.locator('#scrub-live').click();
    await lit('established').waitFor(WAIT);

    // Teaching: the responder waits for message 3 on a paused clock; cancel it from the page.
    await row('responder').click();
    await lit('awaiting').waitFor(WAIT);
    const cancel = page.locator('#accepted button.inject[data-type="handshake.cancel"]');
    await cancel.waitFor(WAIT);
    assert.equal(
      await page.locator('#accepted button.inject[data-type="frame.received"]').count(),
      1
    );
    await cancel.click();
    await page.locator('#inject-result[data-kind="taken"]', { hasText: 'failed' }).waitFor(WAIT);
    await lit('failed').waitFor(WAIT);

    // The README's picture: the initiator's chart after the handshake, with the log below.
    await row('initiator').click();
    await lit('established').waitFor(WAIT);
    await mkdir('test-artifacts', { recursive: true });
    const shot = join('test-artifacts', 'inspector.png');
    await page.screenshot({ path: shot });
    // Tests never rewrite tracked files on their own: refresh the README's copy when asked.
    if (process.env.BITDUST_UPDATE_SCREENSHOT === '1') {
      await mkdir(join('docs', 'images'), { recursive: true });
      await copyFile(shot, join('docs', 'images', 'inspector.png'));
    }
    assert.deepEqual(errors, []);
  }
);
