// Storage on a devnet of real nodes (createNode with storageServices): fire-hire hires 4+2
// suppliers, a small tree is backed up and restored byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backupTree, restoreTree } from '../actors/storage/customer-files.js';
import { storageDevnet } from './support/storage-devnet.js';

test('smoke: hire 6, back up, restore', { timeout: 120_000 }, async (t) => {
  const net = await storageDevnet({ suppliers: 6, k: 4, m: 2 });
  t.after(() => net.stop());
  const seats = await net.ready();
  assert.equal(seats.length, 6);
  const src = join(net.base, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'a.txt'), 'hello '.repeat(1000));
  writeFileSync(join(src, 'b.bin'), Buffer.alloc(3_000_000, 7));
  const c = net.customer();
  const report = await backupTree(c, src);
  assert.equal(report.files, 2, JSON.stringify(report.problems));
  const out = join(net.base, 'out');
  const r = await restoreTree(c, { path: src, into: out });
  assert.deepEqual(r.failed, []);
  assert.equal(readFileSync(join(out, 'src', 'b.bin')).length, 3_000_000);
});
