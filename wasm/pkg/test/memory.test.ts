/**
 * Zero-copy views and memory growth, the raw ABI's own validation, profiles, and the pool.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Codec,
  ECC_PROFILES,
  ErasureError,
  ErasureModule,
  ErasurePool,
  eccProfile,
  encode,
  reconstruct
} from '../index.js';

test('views detached by memory growth are reported, fresh views see the same bytes', () => {
  const module = new ErasureModule({ relaxed: false });
  const a = new Codec(4, 2, 1024, { module });
  const old = a.shard(0);
  old.fill(7);
  const generation = module.generation;
  const big = new Codec(8, 8, 1 << 20, { module }); // forces memory.grow
  assert.ok(module.generation > generation);
  assert.equal(a.valid(old), false);
  assert.equal(old.byteLength, 0, 'the old view is detached');
  const fresh = a.shard(0);
  assert.equal(a.valid(fresh), true);
  assert.deepEqual(fresh, new Uint8Array(1024).fill(7));
  a.encode();
  assert.equal(a.verify(), true);
  big.dispose();
  a.dispose();
});

test('freed stripes are reused without growing memory', () => {
  const module = new ErasureModule({ relaxed: false });
  new Codec(10, 4, 65536, { module }).dispose();
  const bytes = module.buffer.byteLength;
  for (let i = 0; i < 20; i++) new Codec(10, 4, 65536, { module }).dispose();
  assert.equal(module.buffer.byteLength, bytes);
});

test('the raw ABI rejects out-of-memory pointers and overlaps with error codes, not traps', () => {
  const module = new ErasureModule({ relaxed: false });
  const x = module.exports;
  const table = module.alloc(64);
  const view = new DataView(module.buffer);
  const end = module.buffer.byteLength;
  view.setUint32(table, end - 8, true);
  view.setUint32(table + 4, module.alloc(64), true);
  assert.equal(x.bd_rs_encode(1, 1, 1, table, 16), -4, 'shard past the end of memory');
  assert.equal(x.bd_rs_encode(1, 1, 1, end + 100, 16), -4, 'pointer table past the end');
  view.setUint32(table, 0, true);
  assert.equal(x.bd_rs_encode(1, 1, 1, table, 16), -4, 'shard on the stack/statics');
  const s = module.alloc(64);
  view.setUint32(table, s, true);
  view.setUint32(table + 4, s + 8, true);
  assert.equal(x.bd_rs_encode(1, 1, 1, table, 16), -5, 'overlap');
  assert.equal(x.bd_rs_encode(7, 1, 1, table, 16), -1, 'unknown engine');
  assert.equal(x.bd_rs_encode(1, 200, 100, table, 16), -1, 'k + m > 256');
  assert.equal(x.bd_rs_encode(1, 1, 1, table, 0), -2, 'empty shards');
});

test('profiles: the original supplier counts, MDS tolerance m, overhead ≤ 2', () => {
  assert.deepEqual(
    ECC_PROFILES.map((p) => [p.suppliers, p.k, p.m]),
    [
      [2, 1, 1],
      [4, 2, 2],
      [7, 4, 3],
      [13, 7, 6],
      [18, 9, 9],
      [26, 13, 13],
      [64, 32, 32]
    ]
  );
  for (const p of ECC_PROFILES) {
    assert.ok(p.toleratedLosses >= p.legacyToleratedLosses, p.name);
    assert.ok(p.overhead <= 2, p.name);
  }
  assert.equal(eccProfile(7).name, 'rs/4+3');
  assert.throws(() => eccProfile(5), ErasureError);
});

test('a 13-supplier stripe survives losing any 6 suppliers', () => {
  const p = eccProfile(13);
  const data = Array.from({ length: p.k }, (_, i) => new Uint8Array(300).fill(i * 31));
  const all = [...data, ...encode(data, p.m)];
  const shards: (Uint8Array | null)[] = all.slice();
  for (const i of [0, 2, 4, 6, 8, 12]) shards[i] = null;
  assert.deepEqual(reconstruct(shards, p.k), all);
});

test('the worker pool codes blocks in parallel with the same bytes as the main thread', async () => {
  const pool = new ErasurePool(2);
  try {
    const blocks = Array.from({ length: 6 }, (_, b) =>
      Array.from({ length: 4 }, (_, i) => new Uint8Array(4096).fill(b * 16 + i))
    );
    const parity = await Promise.all(blocks.map((d) => pool.encode(d, 2)));
    blocks.forEach((d, b) => assert.deepEqual(parity[b], encode(d, 2)));
    const rebuilt = await pool.reconstruct(
      [null, blocks[0]![1]!, null, blocks[0]![3]!, ...parity[0]!],
      4
    );
    assert.deepEqual(rebuilt.slice(0, 4), blocks[0]);
    await assert.rejects(
      pool.encode([], 2),
      (e) => e instanceof ErasureError && e.code === 'ERR_ERASURE_INVALID_PARAMS'
    );
  } finally {
    await pool.close();
  }
  await assert.rejects(pool.encode([new Uint8Array(1)], 1), ErasureError);
});
