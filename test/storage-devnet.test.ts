// Storage on a devnet of real nodes (createNode with storageServices, LMDB, Noise sessions, the
// WASM coder): 100 MiB of mixed files with 4+2 over 6 suppliers survive two dead suppliers; a
// supplier that dies for good is replaced and its shards rebuilt, so a later restore needs none of
// its data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { backupTree, restoreTree } from '../actors/storage/customer-files.js';
import { storageDevnet } from './support/storage-devnet.js';
import { diffTrees, makeTree } from './support/storage-data.js';

const MiB = 1024 * 1024;

test(
  '100 MiB of mixed files, 4+2 over 6 suppliers, 2 stopped: restored byte-identical',
  { timeout: 180_000 },
  async (t) => {
    const net = await storageDevnet({
      suppliers: 6,
      k: 4,
      m: 2,
      customer: { offlineLimitMs: 600_000 }
    });
    t.after(() => net.stop());
    await net.ready();
    const src = join(net.base, 'src');
    const files = makeTree(src, 100 * MiB, 2024);
    const c = net.customer();
    const report = await backupTree(c, src);
    assert.deepEqual(report.problems, []);
    assert.equal(report.files, files.size);
    assert.equal(report.bytes, 100 * MiB);
    // Random files (.bin, .dat) are stored as they are, text and zeros deflated: at 4+2 the
    // suppliers hold 1.5× the random bytes and next to nothing for the rest.
    let random = 0;
    for (const [path, size] of files) if (/\.(bin|dat)$/.test(path)) random += size;
    const rest = 100 * MiB - random;
    assert.ok(random > 20 * MiB && rest > 20 * MiB, `${random} random bytes of ${100 * MiB}`);
    assert.ok(report.storedBytes >= random * 1.5, `${report.storedBytes} stored`);
    assert.ok(
      report.storedBytes < (random + rest / 20) * 1.5 + MiB,
      `${report.storedBytes} stored`
    );
    net.kill(1);
    net.kill(4);
    const out = join(net.base, 'out');
    const restored = await restoreTree(c, { path: src, into: out });
    assert.deepEqual(restored.failed, []);
    assert.deepEqual(diffTrees(src, join(out, 'src')), []);
  }
);

test(
  'a supplier dies for good: replaced at its position, rebuilt, later restore without it',
  { timeout: 120_000 },
  async (t) => {
    const net = await storageDevnet({
      suppliers: 7,
      k: 4,
      m: 2,
      customer: {
        offlineLimitMs: 1_500,
        connectorCheckMs: 300,
        connectorRetryMs: 300,
        timeoutMs: 2_000
      }
    });
    t.after(() => net.stop());
    const seats = await net.ready();
    const src = join(net.base, 'src');
    makeTree(src, 6 * MiB, 7);
    const c = net.customer();
    assert.deepEqual((await backupTree(c, src)).problems, []);
    const dead = seats[2]!.supplierId!;
    net.kill(net.suppliers.findIndex((s) => s.id === dead));
    await net.firedAtLeast(1);
    const after = await net.ready({ rebuilt: true });
    assert.notEqual(after[2]!.supplierId, dead);
    assert.deepEqual(
      c.fired().map((f) => [f.position, f.supplierId, f.code]),
      [[2, dead, 'ERR_STORAGE_OFFLINE']]
    );
    const rebuilt = c.rebuilds.at(-1)!;
    assert.ok(rebuilt.ok && rebuilt.sent > 0 && rebuilt.unsent === 0 && rebuilt.lost.length === 0);
    const live = await c.holdings.redundancy(c.catalog, () => true);
    assert.ok(
      live.every((r) => r.text === '6 of 6 shards alive; tolerates 2 more losses'),
      live[0]?.text
    );
    // Two more positions down: only the replacement's rebuilt shards make k = 4.
    for (const p of [0, 5]) net.kill(net.suppliers.findIndex((s) => s.id === after[p]!.supplierId));
    const out = join(net.base, 'out');
    mkdirSync(out);
    const restored = await restoreTree(c, { path: src, into: out });
    assert.deepEqual(restored.failed, []);
    assert.deepEqual(diffTrees(src, join(out, 'src')), []);
  }
);
