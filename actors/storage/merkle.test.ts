// Merkle trees over shard chunks: every honest proof verifies, and nothing else does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  chunkCount,
  chunkOf,
  decodeProof,
  encodeProof,
  merkleProof,
  merkleRoot,
  shardHash,
  verifyProof
} from './merkle.js';
import { StorageError } from './errors.js';

const shardArb = fc
  .tuple(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 1500 }))
  .chain(([chunk, size]) =>
    fc.tuple(fc.constant(chunk), fc.uint8Array({ minLength: size, maxLength: size }))
  );

test('every chunk of every shard proves against the root, and round trips the codec', () => {
  fc.assert(
    fc.property(shardArb, ([chunk, shard]) => {
      const root = merkleRoot(shard, chunk);
      const n = chunkCount(shard.length, chunk);
      // The first, the last and a few between: every position kind (paired, carried) appears.
      const picks = new Set([0, n - 1, n >> 1, (n >> 1) + 1, 1].filter((i) => i < n));
      for (const i of picks) {
        const proof = merkleProof(shard, i, chunk);
        assert.ok(proof.siblings.length <= Math.ceil(Math.log2(n)));
        const wire = decodeProof(encodeProof(proof));
        assert.deepEqual(wire, proof);
        assert.ok(verifyProof(root, chunkOf(shard, i, chunk), wire));
      }
    }),
    { numRuns: 60 }
  );
});

test('a wrong chunk, index, leaf count, sibling or root never verifies', () => {
  fc.assert(
    fc.property(shardArb, fc.nat(), fc.nat(), ([chunk, shard], pick, bit) => {
      const n = chunkCount(shard.length, chunk);
      const i = pick % n;
      const root = merkleRoot(shard, chunk);
      const proof = merkleProof(shard, i, chunk);
      const data = chunkOf(shard, i, chunk);
      const flipped = Uint8Array.of(...data, 0);
      assert.equal(verifyProof(root, flipped, proof), false);
      if (data.length > 0) {
        const bad = data.slice();
        bad[bit % bad.length]! ^= 1;
        assert.equal(verifyProof(root, bad, proof), false);
      }
      if (n > 1) {
        const other = (i + 1) % n;
        const same = chunkOf(shard, other, chunk);
        const differs = Buffer.compare(Buffer.from(same), Buffer.from(data)) !== 0;
        if (differs) assert.equal(verifyProof(root, data, { ...proof, index: other }), false);
        const s = proof.siblings.map((x) => x.slice());
        if (s.length > 0) {
          s[bit % s.length]![0]! ^= 1;
          assert.equal(verifyProof(root, data, { ...proof, siblings: s }), false);
        }
      }
      assert.equal(
        verifyProof(root, data, { ...proof, siblings: [...proof.siblings, root] }),
        false
      );
      assert.equal(verifyProof(shardHash(shard), data, proof), false);
    }),
    { numRuns: 150 }
  );
});

test('random bytes decode to a proof or ERR_STORAGE_FORMAT, nothing else', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        decodeProof(bytes);
      } catch (err) {
        assert.ok(err instanceof StorageError);
        assert.equal(err.code, 'ERR_STORAGE_FORMAT');
      }
    }),
    { numRuns: 300 }
  );
});

test('out-of-range challenges are refused', () => {
  const shard = new Uint8Array(100);
  assert.throws(() => merkleProof(shard, 2, 64), { code: 'ERR_STORAGE_ARGUMENT' });
  assert.throws(() => merkleProof(shard, -1, 64), { code: 'ERR_STORAGE_ARGUMENT' });
  assert.equal(chunkCount(0), 1);
  assert.equal(
    verifyProof(merkleRoot(shard, 64), chunkOf(shard, 0, 64), {
      index: 0,
      leaves: 0,
      siblings: []
    }),
    false
  );
});
