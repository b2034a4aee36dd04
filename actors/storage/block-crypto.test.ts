// Block crypto: round trips, per-block keys, and every kind of tampering gives a typed error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  deriveBlockKey,
  generateDataKey,
  openBlock,
  sealBlock,
  SEAL_OVERHEAD,
  type BlockRef
} from './block-crypto.js';
import { StorageError } from './errors.js';

const key = generateDataKey();
const ref: BlockRef = { backupId: 'b0', blockIndex: 3 };

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StorageError, String(err));
    return err.code;
  }
  return 'none';
};

test('seal/open round trips any plaintext, with a fresh nonce each time', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), fc.nat(1e9), (data, blockIndex) => {
      const r = { backupId: 'x-1', blockIndex };
      const sealed = sealBlock(key, r, data);
      assert.equal(sealed.length, data.length + SEAL_OVERHEAD);
      assert.deepEqual(openBlock(key, r, sealed), data);
      assert.notDeepEqual(sealBlock(key, r, data), sealed);
    }),
    { numRuns: 100 }
  );
});

test('block keys differ per backup, per block and per data key', () => {
  const k0 = deriveBlockKey(key, ref);
  assert.deepEqual(deriveBlockKey(key, { ...ref }), k0);
  assert.notDeepEqual(deriveBlockKey(key, { ...ref, blockIndex: 4 }), k0);
  assert.notDeepEqual(deriveBlockKey(key, { ...ref, backupId: 'b1' }), k0);
  assert.notDeepEqual(deriveBlockKey(generateDataKey(), ref), k0);
  // Length-prefixed binding: ("b", 1) must not collide with a shifted id.
  assert.notDeepEqual(
    deriveBlockKey(key, { backupId: 'ab', blockIndex: 0 }),
    deriveBlockKey(key, { backupId: 'a', blockIndex: 0 })
  );
});

test('any flipped bit is ERR_STORAGE_TAMPERED (or FORMAT for the format byte)', () => {
  const sealed = sealBlock(key, ref, new TextEncoder().encode('hello block'));
  fc.assert(
    fc.property(fc.nat(sealed.length * 8 - 1), (bit) => {
      const bad = sealed.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const expected = bit < 8 ? 'ERR_STORAGE_FORMAT' : 'ERR_STORAGE_TAMPERED';
      assert.equal(
        code(() => openBlock(key, ref, bad)),
        expected
      );
    }),
    { numRuns: 200 }
  );
});

test('a block moved to another index or backup, or opened with another key, is refused', () => {
  const sealed = sealBlock(key, ref, new Uint8Array(100).fill(7));
  assert.equal(
    code(() => openBlock(key, { ...ref, blockIndex: 2 }, sealed)),
    'ERR_STORAGE_TAMPERED'
  );
  assert.equal(
    code(() => openBlock(key, { ...ref, backupId: 'b9' }, sealed)),
    'ERR_STORAGE_TAMPERED'
  );
  assert.equal(
    code(() => openBlock(generateDataKey(), ref, sealed)),
    'ERR_STORAGE_TAMPERED'
  );
  const err = (() => {
    try {
      openBlock(key, { ...ref, blockIndex: 9 }, sealed);
    } catch (e) {
      return e as StorageError;
    }
  })();
  assert.deepEqual(err?.blocks, [9]);
});

test('short blocks and bad keys are typed errors', () => {
  assert.equal(
    code(() => openBlock(key, ref, new Uint8Array(10))),
    'ERR_STORAGE_FORMAT'
  );
  assert.equal(
    code(() => sealBlock(new Uint8Array(16), ref, new Uint8Array(1))),
    'ERR_STORAGE_ARGUMENT'
  );
  assert.equal(
    code(() => sealBlock(key, { backupId: 'b', blockIndex: -1 }, new Uint8Array(1))),
    'ERR_STORAGE_ARGUMENT'
  );
});
