/**
 * Golden vectors: the same fixed data as wasm/src/tests.rs, the same SHA-256 of the parity.
 * If these change, shards written by an earlier version no longer decode. Never update casually.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Codec, ErasureModule, hasRelaxedSimd } from '../index.js';

const GOLDEN: [number, number, number, string][] = [
  [4, 2, 1000, 'bee676358d0eb45880b6b0ae15fae16417bbde50e17d98df1da3895219fe18c5'],
  [10, 4, 4096, 'cd9746a998439810cad2ddde4c2ae14f52e6be9355ce0a1c5d01e6ce0f83d673'],
  [32, 32, 333, '8b678d37df97b90d3c4313d85a4dd8bdff2c62ee6f69652be09e636f013b235a'],
  [1, 1, 77, 'aba2c36f3a871717ca743040ca8ced832ca88e89a31fe8494088fc11c39694eb']
];

/** Byte i of data shard j is (i·7 + j·13 + (i >> 8)) mod 256, as in tests.rs. */
function parityHash(codec: Codec): string {
  for (let j = 0; j < codec.k; j++) {
    const s = codec.shard(j);
    for (let i = 0; i < s.length; i++) s[i] = (i * 7 + j * 13 + (i >> 8)) & 255;
  }
  codec.encode();
  const h = createHash('sha256');
  for (let r = codec.k; r < codec.n; r++) h.update(codec.shard(r));
  return h.digest('hex');
}

const modules = [new ErasureModule({ relaxed: false })];
if (hasRelaxedSimd()) modules.push(new ErasureModule({ relaxed: true }));

for (const [k, m, size, want] of GOLDEN) {
  test(`golden ${k}+${m} × ${size} B parity hash is frozen`, () => {
    for (const module of modules) {
      for (const engine of ['simd', 'naive'] as const) {
        const c = new Codec(k, m, size, { module, engine });
        assert.equal(parityHash(c), want, `${engine}, relaxed=${module.relaxed}`);
        c.dispose();
      }
    }
  });
}

test('golden 2+2 parity bytes, computed by hand in docs/erasure.md', () => {
  const c = new Codec(2, 2, 2);
  c.shard(0).set([1, 2]);
  c.shard(1).set([3, 4]);
  c.encode();
  assert.deepEqual([...c.shard(2)], [0x8f, 0xf6]);
  assert.deepEqual([...c.shard(3)], [0x7b, 0xf7]);
  c.dispose();
});
