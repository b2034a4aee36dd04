/**
 * Golden vectors: the same fixed data as wasm/src/tests.rs, the same SHA-256 of the parity.
 * If these change, shards written by an earlier version no longer decode. Never update casually.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Codec } from '../index.js';
import { modules, parityHash } from './kit.js';

const GOLDEN: [number, number, number, string][] = [
  [4, 2, 1000, 'bee676358d0eb45880b6b0ae15fae16417bbde50e17d98df1da3895219fe18c5'],
  [10, 4, 4096, 'cd9746a998439810cad2ddde4c2ae14f52e6be9355ce0a1c5d01e6ce0f83d673'],
  [32, 32, 333, '8b678d37df97b90d3c4313d85a4dd8bdff2c62ee6f69652be09e636f013b235a'],
  [1, 1, 77, 'aba2c36f3a871717ca743040ca8ced832ca88e89a31fe8494088fc11c39694eb']
];

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
