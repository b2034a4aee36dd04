// Catalog on real LMDB: commits, retention, staging, positions, and the sealed image round trip
// into a fresh data dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbStore } from '../store/index.js';
import { generateDataKey } from './block-crypto.js';
import { packPlain } from '../wire/index.js';
import { Catalog, CATALOG_FORMAT, checkBackupId } from './catalog.js';
import type { BlockRecord, NewVersion } from './catalog.js';
import { exportImage, importImage, openImage, sealImage } from './catalog-image.js';

const block = (index: number): BlockRecord => ({
  index,
  plainSize: 10,
  sealedSize: 51,
  shardSize: 13,
  shards: [0, 1, 2, 3, 4, 5].map((i) => ({
    hash: new Uint8Array(32).fill(i),
    root: new Uint8Array(32).fill(i + index)
  }))
});
const meta = (path: string, backupId: string, blockCount = 2): NewVersion => ({
  path,
  backupId,
  size: 20,
  fileHash: new Uint8Array(32).fill(9),
  mtimeMs: 1,
  committedAt: 2,
  k: 4,
  m: 2,
  blockSize: 10,
  blockCount,
  chunkBytes: 16384
});

function tempStore(t: { after: (fn: () => unknown) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'bd-catalog-'));
  const stores: ReturnType<typeof openLmdbStore>[] = [];
  t.after(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  return (name: string) => {
    const s = openLmdbStore({ path: join(dir, name) });
    stores.push(s);
    return s;
  };
}

test('versions are numbered per path and retention prunes the oldest in the same commit', async (t) => {
  const open = tempStore(t);
  const catalog = new Catalog(open('a').sub('catalog'));
  await catalog.setPolicy({ keepVersions: 2 });
  assert.deepEqual(await catalog.commitVersion(meta('/x', 'b1'), [block(0), block(1)]), {
    version: 1,
    pruned: []
  });
  assert.equal((await catalog.commitVersion(meta('/x', 'b2'), [block(0), block(1)])).version, 2);
  assert.deepEqual(await catalog.commitVersion(meta('/x', 'b3'), [block(0), block(1)]), {
    version: 3,
    pruned: ['b1']
  });
  await catalog.commitVersion(meta('/y', 'b4', 1), [block(0)]);
  assert.deepEqual(
    (await catalog.versions('/x')).map((v) => v.backupId),
    ['b2', 'b3']
  );
  assert.equal((await catalog.version('/x')).backupId, 'b3');
  assert.equal((await catalog.blocks('b1')).length, 0);
  assert.equal((await catalog.blocks('b3')).length, 2);
  assert.equal((await catalog.files()).length, 2);
  assert.equal((await catalog.allVersions()).length, 3);
  await assert.rejects(catalog.version('/x', 1), { code: 'ERR_STORAGE_NOT_FOUND' });
  await assert.rejects(catalog.commitVersion(meta('/z', 'b3', 1), [block(0)]), {
    code: 'ERR_STORAGE_CATALOG'
  });
  await assert.rejects(catalog.commitVersion(meta('/z', 'b9', 2), [block(0)]), {
    code: 'ERR_STORAGE_CATALOG'
  });
  assert.throws(() => checkBackupId('Has/Slash'), { code: 'ERR_STORAGE_ARGUMENT' });
});

test('staged blocks survive a reopen and are dropped by the commit', async (t) => {
  const open = tempStore(t);
  const root = open('s');
  const catalog = new Catalog(root.sub('catalog'));
  await catalog.stageBlock('b1', block(0));
  await catalog.stageBlock('b1', block(1));
  await root.close();
  const again = new Catalog(open('s').sub('catalog'));
  assert.deepEqual(
    (await again.stagedBlocks('b1')).map((b) => b.index),
    [0, 1]
  );
  await again.commitVersion(meta('/x', 'b1'), await again.stagedBlocks('b1'));
  assert.equal((await again.stagedBlocks('b1')).length, 0);
});

test('a sealed image restores the whole catalog into a fresh data dir', async (t) => {
  const open = tempStore(t);
  const key = generateDataKey();
  const catalog = new Catalog(open('old').sub('catalog'));
  await catalog.setPolicy({ keepVersions: 3 });
  await catalog.commitVersion(meta('/a', 'b1'), [block(0), block(1)]);
  await catalog.commitVersion(meta('/a', 'b2'), [block(0), block(1)]);
  await catalog.setPosition({ position: 0, supplierId: 's0', since: 5 });
  await catalog.stageBlock('b7', block(0));
  const sealed = sealImage(key, await exportImage(catalog), 4);
  assert.throws(() => openImage(key, sealed, 3), { code: 'ERR_STORAGE_TAMPERED' });
  assert.throws(() => openImage(generateDataKey(), sealed, 4), { code: 'ERR_STORAGE_TAMPERED' });

  const fresh = new Catalog(open('new').sub('catalog'));
  await fresh.commitVersion(meta('/junk', 'j1', 1), [block(0)]);
  await importImage(fresh, openImage(key, sealed, 4));
  assert.deepEqual(await fresh.files(), await catalog.files());
  assert.deepEqual(await fresh.versions('/a'), await catalog.versions('/a'));
  assert.deepEqual(await fresh.blocks('b2'), await catalog.blocks('b2'));
  assert.deepEqual(await fresh.positions(), [{ position: 0, supplierId: 's0', since: 5 }]);
  assert.deepEqual(await fresh.policy(), { keepVersions: 3 });
  assert.equal((await fresh.stagedBlocks('b7')).length, 0);
  await assert.rejects(importImage(fresh, new Uint8Array([1, 2, 3])), {
    code: 'ERR_STORAGE_FORMAT'
  });
});

test('a catalog of another shard format is refused and left as it is', async (t) => {
  const open = tempStore(t);
  const fresh = new Catalog(open('fresh').sub('catalog'));
  await fresh.checkFormat();
  assert.equal(await fresh.db.get('meta/format'), CATALOG_FORMAT);
  await fresh.commitVersion(meta('/a', 'b1', 1), [block(0)]);
  await fresh.checkFormat();

  // Format 1 had no marker: versions without one are BLAKE2b-hashed shards.
  const old = new Catalog(open('old').sub('catalog'));
  await old.commitVersion(meta('/a', 'b1', 1), [block(0)]);
  const before = await old.db.range();
  await assert.rejects(old.checkFormat(), { code: 'ERR_STORAGE_FORMAT', message: /format 1/ });
  assert.deepEqual(await old.db.range(), before);
  await old.db.put('meta/format', 3);
  await assert.rejects(old.checkFormat(), { code: 'ERR_STORAGE_FORMAT', message: /format 3/ });

  // An image carries its format: one of format 1 is refused, one of this format marks the catalog.
  const target = new Catalog(open('target').sub('catalog'));
  const v1 = packPlain({ v: 1, entries: [['file/x', { path: '/x', latest: 1 }]] });
  await assert.rejects(importImage(target, v1), { code: 'ERR_STORAGE_FORMAT' });
  assert.deepEqual(await target.db.range(), []);
  const image = await exportImage(fresh);
  await fresh.db.remove('meta/format');
  await importImage(target, image);
  await target.checkFormat();
  assert.equal(await target.db.get('meta/format'), CATALOG_FORMAT);
});
