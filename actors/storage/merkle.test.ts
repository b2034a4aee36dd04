// Merkle trees over shard chunks: every honest proof verifies, and nothing else does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  chunkCount,
  chunkOf,
  decodeProof,
  encodeProof,
  merkleProof,
  merkleRoot,
  shardDigest,
  shardHash,
  shardHashOf,
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

/** The format-2 tree from its definition (docs/storage.md), with node:crypto alone. */
function reference(shard: Uint8Array): { root: Buffer; hash: Buffer } {
  const h = (...parts: Uint8Array[]) => parts.reduce((s, p) => s.update(p), createHash('sha256'));
  const chunk = 16 * 1024;
  let level: Buffer[] = [];
  for (let at = 0; at === 0 || at < shard.length; at += chunk) {
    level.push(h(Uint8Array.of(0), shard.subarray(at, at + chunk)).digest());
  }
  while (level.length > 1) {
    const up: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      up.push(
        i + 1 < level.length ? h(Uint8Array.of(1), level[i]!, level[i + 1]!).digest() : level[i]!
      );
    }
    level = up;
  }
  const len = Buffer.alloc(8);
  len.writeBigUInt64BE(BigInt(shard.length));
  return { root: level[0]!, hash: h(Uint8Array.of(2), len, level[0]!).digest() };
}

test('shard hash and root are the SHA-256 tree of 16 KiB chunks, from one pass', () => {
  const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
  for (const size of [0, 1, 16383, 16384, 16385, 3 * 16384 + 5, 420 * 1024]) {
    const shard = pattern(size);
    const ref = reference(shard);
    const got = shardDigest(shard);
    assert.deepEqual(Buffer.from(got.root), ref.root, `root of ${size} bytes`);
    assert.deepEqual(Buffer.from(got.hash), ref.hash, `hash of ${size} bytes`);
    assert.deepEqual(got.hash, shardHash(shard));
    assert.deepEqual(got.root, merkleRoot(shard));
    assert.deepEqual(got.hash, shardHashOf(got.root, size));
    assert.notDeepEqual(got.hash, got.root);
  }
  // Pinned (also computed with Python hashlib): a change here is a shard format change.
  assert.equal(
    Buffer.from(shardHash(pattern(40_000))).toString('hex'),
    'b7c2a13af1a3859f75b7d06fc4cc075b3be885ccd80d3c14945e93167d514bb3'
  );
  // Zero padding is part of the length the hash names.
  assert.notDeepEqual(shardHash(new Uint8Array(100)), shardHash(new Uint8Array(101)));
});
