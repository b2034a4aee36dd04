// The backup job's window against a scripted client on a real LMDB catalog: blocks in flight never
// exceed the window however the acknowledgements interleave, a block is staged exactly when
// enough positions acknowledged it durably, and a rerun sends only the blocks not staged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TestClock } from '../clock.js';
import { generateDataKey } from './block-crypto.js';
import { BlockPool } from './block-pool.js';
import { Catalog } from './catalog.js';
import type { StorageClient } from './customer-client.js';
import { StorageError } from './errors.js';
import { runBackup } from './jobs.js';
import { decodeBlock } from './pipeline.js';
import { shardKey } from '../../machines/storage/keys.js';
import { tempStores } from './test-kit.js';

const k = 2;
const m = 1;
const blockSize = 100;
const blocks = 9;
const data = Uint8Array.from({ length: blockSize * blocks - 7 }, (_, i) => (i * 13) & 0xff);

/**
 * A client that acknowledges a piece after `delay(block, pos)` turns of the event loop, or
 * refuses it when `fails(block, pos)`; it records the blocks in flight at once.
 */
function scripted(
  delay: (b: number, p: number) => number,
  fails: (b: number, p: number) => boolean
) {
  const open = new Map<number, number>();
  let most = 0;
  const acked = new Set<string>();
  const client = {
    putPiece: async (_s: string, key: string) => {
      const [, block, pos] = key.split('/').map(Number) as [number, number, number];
      open.set(block, (open.get(block) ?? 0) + 1);
      most = Math.max(most, open.size);
      try {
        for (let i = 0; i < delay(block, pos); i++) await new Promise((r) => setImmediate(r));
        if (fails(block, pos)) throw new StorageError('ERR_STORAGE_QUOTA', 'full');
        acked.add(key);
      } finally {
        const left = open.get(block)! - 1;
        if (left === 0) open.delete(block);
        else open.set(block, left);
      }
    }
  } as unknown as StorageClient;
  return { client, acked, most: () => most };
}

async function* source() {
  for (let at = 0; at < data.length; at += 37) yield data.slice(at, at + 37);
}

test('blocks in flight stay within the window; staged blocks are exactly those acknowledged', async (t) => {
  const temp = tempStores('bd-jobs-');
  t.after(() => temp.cleanup());
  const store = temp.open('store');
  const pool = new BlockPool(0);
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.nat({ max: 6 }), { minLength: 27, maxLength: 27 }),
      fc.array(fc.boolean(), { minLength: 27, maxLength: 27 }),
      async (window, delays, drops) => {
        const catalog = new Catalog(store.sub(`c${run++}`));
        // Position 2 refuses some blocks; with minAcks = k + m that block is not staged.
        const fails = (b: number, p: number) => p === 2 && drops[b * 3]!;
        const s = scripted((b, p) => delays[b * 3 + p]!, fails);
        const job = {
          client: s.client,
          catalog,
          dataKey: generateDataKey(),
          suppliers: ['s0', 's1', 's2'],
          clock: new TestClock(),
          path: '/f',
          backupId: 'b1',
          source,
          mtimeMs: 1,
          k,
          m,
          blockSize,
          window,
          pool
        };
        const out = await runBackup(job);
        assert.ok(s.most() <= window, `${s.most()} blocks in flight with window ${window}`);
        const staged = (await catalog.stagedBlocks('b1')).map((b) => b.index).sort((a, b) => a - b);
        for (const i of staged) {
          for (let p = 0; p < 3; p++)
            assert.ok(s.acked.has(`b1/${String(i).padStart(8, '0')}/00${p}`));
        }
        const failed = [...Array(blocks).keys()].filter((b) => fails(b, 2));
        if (failed.length === 0) {
          assert.ok(out.ok, JSON.stringify(out));
        } else {
          assert.ok(!out.ok && out.code === 'ERR_STORAGE_UNDER_REPLICATED');
          for (const b of failed) assert.ok(!staged.includes(b), `block ${b} staged`);
          // A rerun with every position answering sends only what is not staged, and commits.
          const again = scripted(
            () => 0,
            () => false
          );
          const done = await runBackup({ ...job, client: again.client });
          assert.ok(done.ok, JSON.stringify(done));
          const resent = new Set([...again.acked].map((key) => Number(key.split('/')[1])));
          for (const b of staged) assert.ok(!resent.has(b), `staged block ${b} sent again`);
        }
      }
    ),
    { numRuns: 25 }
  );
});

test('a backup resumed with another block size or profile sends every block again and commits its own', async (t) => {
  const temp = tempStores('bd-jobs-');
  t.after(() => temp.cleanup());
  const store = temp.open('store');
  const catalog = new Catalog(store.sub('c'));
  const pieces = new Map<string, Uint8Array>();
  const storing = (refuseFrom: number) =>
    ({
      putPiece: async (_s: string, key: string, piece: Uint8Array) => {
        if (Number(key.split('/')[1]) >= refuseFrom)
          throw new StorageError('ERR_STORAGE_QUOTA', 'full');
        pieces.set(key, piece.slice());
      }
    }) as unknown as StorageClient;
  const dataKey = generateDataKey();
  const job = {
    catalog,
    dataKey,
    suppliers: ['s0', 's1', 's2', 's3'],
    clock: new TestClock(),
    path: '/f',
    backupId: 'b2',
    source,
    mtimeMs: 1,
    pool: new BlockPool(0)
  };
  // First run: blocks of 100 bytes at 2+1; the suppliers refuse from block 3 on.
  const first = await runBackup({ ...job, client: storing(3), k: 2, m: 1, blockSize: 100 });
  assert.equal(first.ok, false);
  assert.deepEqual(
    (await catalog.stagedBlocks('b2')).map((b) => b.index),
    [0, 1, 2]
  );
  // Second run, another cut (64-byte blocks at 3+1): nothing of the first run is reused.
  for (const [blockSize, kk, mm] of [
    [64, 2, 1],
    [100, 3, 1]
  ] as const) {
    const c = new Catalog(store.sub(`c${blockSize}${kk}`));
    await runBackup({ ...job, catalog: c, client: storing(3), k: 2, m: 1, blockSize: 100 });
    pieces.clear();
    const done = await runBackup({
      ...job,
      catalog: c,
      client: storing(1e9),
      k: kk,
      m: mm,
      blockSize
    });
    assert.ok(done.ok, JSON.stringify(done));
    const count = Math.ceil(data.length / blockSize);
    const sent = new Set([...pieces.keys()].map((key) => Number(key.split('/')[1])));
    assert.equal(
      sent.size,
      count,
      `every block of the new cut is sent (${blockSize}, ${kk}+${mm})`
    );
    const version = await c.version('/f');
    assert.equal(version.blockCount, count);
    const restored: Uint8Array[] = [];
    for (const record of await c.blocks(version.backupId)) {
      const shards = record.shards.map((_, pos) => {
        const piece = pieces.get(shardKey(version.backupId, record.index, pos));
        return piece ? piece.subarray(32) : null;
      });
      restored.push(decodeBlock(dataKey, version.backupId, kk, record, shards));
    }
    assert.deepEqual(Buffer.concat(restored), Buffer.from(data));
  }
});
