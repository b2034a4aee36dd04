/**
 * The storage bench's floor (bench/support/storage-floor.ts) is only worth its figures if it does
 * the whole job: every mode must bring a mixed tree back byte for byte (also when it was backed up
 * twice), and the suppliers it writes to must hold every piece (k + m per block) durably in their
 * own LMDB files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openLmdbStore } from '../actors/store/lmdb.js';
import { openStorageFloor, type FloorMode } from '../bench/support/storage-floor.js';
import { diffTrees, listTree, makeTree } from './support/storage-data.js';

const MiB = 1024 * 1024;

for (const mode of ['full', 'no-links', 'customer-only'] as const satisfies FloorMode[]) {
  test(`storage floor (${mode}) restores a mixed tree byte for byte`, async (t) => {
    const base = mkdtempSync(join(tmpdir(), 'bd-floor-'));
    t.after(() => rmSync(base, { recursive: true, force: true }));
    const src = join(base, 'src');
    makeTree(src, 12 * MiB, 7);
    const options = { k: 4, m: 2, parallelFiles: 2, window: 2 };
    const floor = await openStorageFloor(join(base, 'floor'), mode, options);
    try {
      // Twice: a path backed up again is a new version under a backup id of its own.
      await floor.backup(src);
      await floor.backup(src);
      await floor.restore(join(base, 'out'));
    } finally {
      await floor.close();
    }
    assert.deepEqual(diffTrees(src, join(base, 'out')), []);
    assert.ok(listTree(src).size > 3, 'the tree has several files');
    assert.ok(floor.blocks >= 2 * listTree(src).size, 'every version has at least one block');
    if (mode === 'customer-only') return;
    // Each supplier's own LMDB file, reopened: one durable piece per block of either version.
    const dirs = readdirSync(join(base, 'floor')).sort();
    assert.deepEqual(dirs, Array.from({ length: 6 }, (_, i) => `supplier-${i}`).sort());
    for (const dir of dirs) {
      const store = openLmdbStore({ path: join(base, 'floor', dir) });
      try {
        assert.equal((await store.sub('shards').range()).length, floor.blocks, dir);
      } finally {
        await store.close();
      }
    }
  });
}
