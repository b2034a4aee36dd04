/**
 * Golden vectors of the `fft8` code: the same data and hashes as wasm/src/fft/tests.rs. The fft8
 * code is a different code from the Cauchy one, so it has its own. If these change, fft8 shards
 * written by an earlier version no longer decode. Never update casually.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Codec } from '../index.js';
import { modules, parityHash } from './kit.js';

const GOLDEN: [number, number, number, string][] = [
  [4, 2, 1000, 'a2984357d38bd9d4a54bd4c7de7777c607f46cbb75a3aac8fcd4d1c0eef760ba'],
  [10, 4, 4096, '2cbee3f0f1fc6c5856ef008b00197e018b936ec19a74f41166cbe3ce1c535752'],
  [32, 32, 333, '0dc2bc55d9702fe2a3a84e3a5b32b4e84096e0d259f4be84a836df8f58d844f6'],
  [1, 1, 77, 'aba2c36f3a871717ca743040ca8ced832ca88e89a31fe8494088fc11c39694eb'],
  [100, 28, 257, '716ed35f030044288e25204056b2f7e5a4927f84a53b203539033e568943e8a9'],
  [3, 5, 40, '46b6e354c3b144d9d1ca28ce5ab003ace7b6a712f532f91d59030ab7ae4d64da']
];

for (const [k, m, size, want] of GOLDEN) {
  test(`fft8 golden ${k}+${m} × ${size} B parity hash is frozen`, () => {
    for (const module of modules) {
      for (const engine of ['simd', 'naive'] as const) {
        const c = new Codec(k, m, size, { module, engine, code: 'fft8' });
        assert.equal(parityHash(c), want, `${engine}, relaxed=${module.relaxed}`);
        c.dispose();
      }
    }
  });
}

test('fft8 golden 2+2 parity bytes, worked by hand in docs/erasure.md', () => {
  const c = new Codec(2, 2, 2, { code: 'fft8' });
  c.shard(0).set([1, 2]);
  c.shard(1).set([3, 4]);
  c.encode();
  assert.deepEqual([...c.shard(2)], [2, 11]);
  assert.deepEqual([...c.shard(3)], [0, 13]);
  c.dispose();
});

test('fft8 and Cauchy are different codes (shards are not interchangeable)', () => {
  const a = new Codec(4, 2, 64, { code: 'fft8' });
  const b = new Codec(4, 2, 64);
  for (const c of [a, b]) for (let i = 0; i < 4; i++) c.shard(i).fill(i + 1);
  a.encode();
  b.encode();
  assert.notDeepEqual(a.shard(4), b.shard(4));
  assert.equal(a.verify(), true);
  b.shard(4).set(a.shard(4));
  b.shard(5).set(a.shard(5));
  assert.equal(b.verify(), false);
  a.dispose();
  b.dispose();
});
