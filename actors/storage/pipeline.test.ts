// Pipeline with the real WASM coder: any k of k + m shards give the block back, bad shards are
// ignored, losses beyond m name the blocks, and files restore atomically with their hash checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateDataKey, SEAL_OVERHEAD } from './block-crypto.js';
import type { BlockRecord, VersionRecord } from './catalog-types.js';
import type { StorageError } from './errors.js';
import {
  cutBlocks,
  decodeBlock,
  effectiveBlockSize,
  encodeBlock,
  encodeStream,
  openDataShards,
  type EncodedBlock
} from './pipeline.js';
import { readChunks } from './customer-files.js';
import { restoreFile } from './restore-file.js';
import { STORAGE_LIMITS } from '../../machines/storage/keys.js';

const dataKey = generateDataKey();

async function* chunks(data: Uint8Array, sizes: number[]) {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length] ?? 1);
    yield data.subarray(at, at + n);
    at += n;
  }
}

test('any k of k + m shards decode; fewer name the block', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 4 }),
      fc.uint8Array({ maxLength: 3000 }),
      fc.array(fc.nat(), { minLength: 10, maxLength: 10 }),
      (k, m, plain, draws) => {
        const p = { dataKey, backupId: 'b1', k, m };
        const { record, shards } = encodeBlock(p, 5, plain);
        const order = shards.map((_, i) => i).sort((a, b) => (draws[a]! % 97) - (draws[b]! % 97));
        const lost = new Set(order.slice(0, m));
        const some = shards.map((s, i) => (lost.has(i) ? null : s));
        assert.deepEqual(decodeBlock(dataKey, 'b1', k, record, some), plain);
        // A corrupted shard counts as missing: with m already gone the block is lost.
        const bad = some.map((s) => s && s.slice());
        const victim = bad.findIndex((s) => s !== null);
        bad[victim]![0]! ^= 1;
        assert.throws(
          () => decodeBlock(dataKey, 'b1', k, record, bad),
          (e: StorageError) => {
            assert.equal(e.code, 'ERR_STORAGE_UNRECOVERABLE');
            assert.deepEqual(e.blocks, [5]);
            return true;
          }
        );
      }
    ),
    { numRuns: 60 }
  );
});

test('the k data shards open without their hashes, and never give a wrong byte', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 3 }),
      fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      (k, m, plain, where, flip) => {
        const { record, shards } = encodeBlock({ dataKey, backupId: 'f1', k, m }, 3, plain);
        assert.deepEqual(openDataShards(dataKey, 'f1', k, record, shards), plain);
        // Any changed byte of the sealed stripe: not opened here (the caller then checks hashes).
        const at = where % record.sealedSize;
        const bad = shards.map((s) => s.slice());
        bad[Math.floor(at / record.shardSize)]![at % record.shardSize]! ^= flip;
        assert.equal(openDataShards(dataKey, 'f1', k, record, bad), undefined);
        assert.deepEqual(decodeBlock(dataKey, 'f1', k, record, bad), plain);
        // A data shard missing or of the wrong size: not tried at all.
        const gone = shards.map((s, i) => (i === where % k ? null : s));
        assert.equal(openDataShards(dataKey, 'f1', k, record, gone), undefined);
        const cut = shards.map((s, i) => (i === where % k ? s.subarray(1) : s));
        assert.equal(openDataShards(dataKey, 'f1', k, record, cut), undefined);
        // Another block's record (index bound in the seal): never opened.
        assert.equal(openDataShards(dataKey, 'f1', k, { ...record, index: 4 }, shards), undefined);
      }
    ),
    { numRuns: 80 }
  );
});

test('blocks are cut exactly and shards always fit one frame', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 5000 }),
      fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 1, max: 1200 }),
      fc.boolean(),
      async (data, sizes, blockSize, owned) => {
        const out: Uint8Array[] = [];
        for await (const b of cutBlocks(chunks(data, sizes), blockSize, owned)) out.push(b.slice());
        assert.ok(out.slice(0, -1).every((b) => b.length === blockSize));
        assert.deepEqual(Buffer.concat(out), Buffer.from(data));
      }
    ),
    { numRuns: 100 }
  );
  for (const k of [1, 2, 4, 10, 32]) {
    const size = effectiveBlockSize(k);
    assert.ok(Math.ceil((size + SEAL_OVERHEAD) / k) <= STORAGE_LIMITS.maxShardBytes);
  }
  assert.equal(effectiveBlockSize(10), 4 * 1024 * 1024);
});

test('a redundant block travels compressed and decodes from any k shards', () => {
  const plain = new TextEncoder().encode('abcdefgh'.repeat(512 * 1024)); // 4 MiB
  const p = { dataKey, backupId: 'z1', k: 10, m: 4 };
  const packed = encodeBlock(p, 0, plain);
  assert.ok(packed.record.shardSize < 4096, `${packed.record.shardSize}-byte shards`);
  assert.equal(packed.record.plainSize, plain.length);
  const some = packed.shards.map((s, i) => (i < 4 ? null : s));
  assert.deepEqual(decodeBlock(dataKey, 'z1', 10, packed.record, some), plain);
  const stored = encodeBlock({ ...p, compression: 'off' }, 0, plain);
  assert.equal(stored.record.shardSize, Math.ceil((plain.length + SEAL_OVERHEAD) / 10));
  assert.deepEqual(decodeBlock(dataKey, 'z1', 10, stored.record, stored.shards), plain);
  // The catalog's size caps the inflated block: a record that claims less is refused.
  const short = { ...packed.record, plainSize: plain.length - 1 };
  assert.throws(
    () => decodeBlock(dataKey, 'z1', 10, short, packed.shards),
    (e: StorageError) => e.code === 'ERR_STORAGE_FORMAT'
  );
});

async function encodeAll(data: Uint8Array, blockSize: number) {
  const gen = encodeStream(chunks(data, [777]), { dataKey, backupId: 'v1', k: 4, m: 2, blockSize });
  const blocks: EncodedBlock[] = [];
  for (;;) {
    const step = await gen.next();
    if (step.done) return { blocks, summary: step.value };
    blocks.push(step.value);
  }
}

test('a file restores byte-identical through a temporary file, and refuses to overwrite', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bd-pipe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const data = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 31) & 255);
  const { blocks, summary } = await encodeAll(data, 4096);
  assert.equal(summary.blocks, 3);
  const version: VersionRecord = {
    path: '/data/x',
    version: 1,
    backupId: 'v1',
    size: summary.size,
    fileHash: summary.hash,
    mtimeMs: 0,
    committedAt: 0,
    k: 4,
    m: 2,
    blockSize: 4096,
    blockCount: 3,
    chunkBytes: 16384
  };
  const records = blocks.map((b) => b.record);
  const byIndex = new Map(blocks.map((b) => [b.record.index, b.shards]));
  const target = join(dir, 'x');
  const lose = (drop: (block: BlockRecord, pos: number) => boolean) => (block: BlockRecord) =>
    Promise.resolve(byIndex.get(block.index)!.map((s, pos) => (drop(block, pos) ? null : s)));

  await restoreFile({
    dataKey,
    version,
    blocks: records,
    target,
    fetchShards: lose((_, p) => p < 2)
  });
  assert.deepEqual(readFileSync(target), Buffer.from(data));
  await assert.rejects(
    restoreFile({ dataKey, version, blocks: records, target, fetchShards: lose(() => false) }),
    { code: 'ERR_STORAGE_EXISTS' }
  );
  writeFileSync(target, 'old');
  await assert.rejects(
    restoreFile({
      dataKey,
      version,
      blocks: records,
      target,
      overwrite: true,
      fetchShards: lose((b, p) => b.index !== 1 && p < 3)
    }),
    (e: StorageError) => e.code === 'ERR_STORAGE_UNRECOVERABLE' && e.blocks.join() === '0,2'
  );
  assert.equal(readFileSync(target, 'utf8'), 'old');
  assert.deepEqual(readdirSync(dir), ['x']);
  await assert.rejects(
    restoreFile({
      dataKey,
      version: { ...version, fileHash: new Uint8Array(32) },
      blocks: records,
      target,
      overwrite: true,
      fetchShards: lose(() => false)
    }),
    { code: 'ERR_STORAGE_FILE_HASH' }
  );
  assert.ok(!existsSync(join(dir, 'y')));
  assert.deepEqual(readdirSync(dir), ['x']);
});

test('an empty stream is one empty block', async () => {
  const { blocks, summary } = await encodeAll(new Uint8Array(0), 100);
  assert.equal(blocks.length, 1);
  assert.equal(summary.size, 0);
  assert.deepEqual(
    decodeBlock(dataKey, 'v1', 4, blocks[0]!.record, blocks[0]!.shards),
    new Uint8Array(0)
  );
});

test('owned pieces of a whole block pass through; every block is its own exact buffer', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 3000 }),
      fc.integer({ min: 1, max: 700 }),
      fc.boolean(),
      async (data, blockSize, owned) => {
        const pieces = [...Array(Math.ceil(data.length / blockSize)).keys()].map((i) =>
          data.slice(i * blockSize, (i + 1) * blockSize)
        );
        async function* source() {
          yield* pieces;
        }
        const out: Uint8Array[] = [];
        for await (const b of cutBlocks(source(), blockSize, owned)) out.push(b);
        assert.deepEqual(Buffer.concat(out), Buffer.from(data));
        for (const [i, b] of out.entries()) {
          assert.equal(b.byteOffset, 0);
          assert.equal(b.byteLength, b.buffer.byteLength, 'exact, movable buffer');
          assert.equal(b === pieces[i], owned, 'passed through');
        }
      }
    ),
    { numRuns: 80 }
  );
});

test('readChunks reads a file in fresh chunks, the last one shorter', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bd-chunks-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const size of [0, 1, 4096, 10_000]) {
    const path = join(dir, `f${size}`);
    const data = Uint8Array.from({ length: size }, (_, i) => (i * 31) & 0xff);
    writeFileSync(path, data);
    const chunks: Uint8Array[] = [];
    for await (const c of readChunks(path, 4096)) chunks.push(c);
    assert.deepEqual(Buffer.concat(chunks), Buffer.from(data));
    assert.equal(chunks.length, Math.ceil(size / 4096));
    assert.ok(chunks.every((c) => c.byteLength === c.buffer.byteLength));
    assert.equal(new Set(chunks.map((c) => c.buffer)).size, chunks.length, 'fresh buffers');
  }
  await assert.rejects(
    async () => {
      for await (const c of readChunks(join(dir, 'missing'), 10)) void c;
    },
    { code: 'ENOENT' }
  );
});

test('a reused pieces buffer is overwritten whole: padding is zero, the block decodes', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 3 }),
      fc.uint8Array({ maxLength: 3000 }),
      (k, m, plain) => {
        const p = { dataKey, backupId: 'r1', k, m, compression: 'off' as const };
        let dirty: Uint8Array | undefined;
        const spare = (bytes: number) => (dirty = new Uint8Array(bytes).fill(0xaa));
        const { record, shards, pieces } = encodeBlock(p, 2, plain, spare);
        assert.equal(pieces[0]!.buffer, dirty!.buffer, 'the spare was used');
        // The stripe beyond the sealed block is zero padding, whatever the buffer held.
        for (let i = 0; i < k; i++) {
          const used = Math.max(
            0,
            Math.min(record.shardSize, record.sealedSize - i * record.shardSize)
          );
          assert.ok(
            shards[i]!.subarray(used).every((b) => b === 0),
            `padding of shard ${i}`
          );
        }
        assert.deepEqual(decodeBlock(dataKey, 'r1', k, record, shards), plain);
        // Every piece carries its shard's hash and parity that rebuilds lost data shards.
        const lost = shards.map((s, i) => (i < Math.min(m, k) ? null : s));
        assert.deepEqual(decodeBlock(dataKey, 'r1', k, record, lost), plain);
      }
    ),
    { numRuns: 60 }
  );
});
