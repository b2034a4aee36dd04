// Block crypto: round trips, per-block keys, and every kind of tampering gives a typed error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sodium } from '../crypto/sodium.js';
import {
  BLOCK_FORMAT,
  deriveBlockKey,
  generateDataKey,
  openBlock,
  sealBlock,
  SEAL_OVERHEAD,
  type BlockRef
} from './block-crypto.js';
import type { StorageError } from './errors.js';
import { storageCode } from './test-kit.js';

const key = generateDataKey();
const ref: BlockRef = { backupId: 'b0', blockIndex: 3 };

const code = storageCode;

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

test('a compressed seal opens to the same bytes, and a cap below its size is refused', () => {
  const plain = new Uint8Array(1024 * 1024).fill(3);
  const sealed = sealBlock(key, ref, plain, 'auto');
  assert.equal(sealed[0], BLOCK_FORMAT);
  assert.ok(sealed.length < plain.length / 100, `${sealed.length} bytes sealed`);
  assert.deepEqual(openBlock(key, ref, sealed, plain.length), plain);
  assert.equal(
    code(() => openBlock(key, ref, sealed, plain.length - 1)),
    'ERR_STORAGE_FORMAT'
  );
  // The codec byte is bound: claiming "stored" for a deflated body fails authentication.
  const relabelled = sealed.slice();
  relabelled[1] = 0;
  assert.equal(
    code(() => openBlock(key, ref, relabelled)),
    'ERR_STORAGE_TAMPERED'
  );
});

test('blocks sealed in format 1 (no codec byte) still open', () => {
  // Format 1: `1 ‖ nonce ‖ ciphertext ‖ tag`, the format byte alone bound with the ref.
  const plain = new TextEncoder().encode('sealed before compression');
  const id = new TextEncoder().encode(ref.backupId);
  const label = new TextEncoder().encode('bitdust/block/v1');
  const ad = new Uint8Array(label.length + 4 + id.length + 8 + 1);
  const view = new DataView(ad.buffer);
  ad.set(label);
  view.setUint32(label.length, id.length);
  ad.set(id, label.length + 4);
  view.setBigUint64(label.length + 4 + id.length, BigInt(ref.blockIndex));
  ad[ad.length - 1] = 1;
  const old = new Uint8Array(1 + 24 + plain.length + 16);
  old[0] = 1;
  sodium.randombytes_buf(old.subarray(1, 25));
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    old.subarray(25),
    plain,
    ad,
    null,
    old.subarray(1, 25),
    deriveBlockKey(key, ref)
  );
  assert.deepEqual(openBlock(key, ref, old), plain);
  assert.equal(
    code(() => openBlock(key, ref, old, plain.length - 1)),
    'ERR_STORAGE_FORMAT'
  );
  old[30]! ^= 1;
  assert.equal(
    code(() => openBlock(key, ref, old)),
    'ERR_STORAGE_TAMPERED'
  );
});
