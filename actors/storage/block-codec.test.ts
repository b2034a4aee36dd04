// Block compression: every plaintext round trips in both modes, redundant blocks shrink, random
// ones pass through untouched, and inflating is capped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { CODEC_DEFLATE, CODEC_STORED, packBlock, unpackBlock } from './block-codec.js';
import { storageCode } from './test-kit.js';
import { seededBytes } from '../../test/support/storage-data.js';

const MiB = 1024 * 1024;
const code = storageCode;
const text = (n: number) =>
  new TextEncoder().encode('BitDust keeps files. '.repeat(n / 21 + 1)).subarray(0, n);

test('any plaintext round trips, compressed or not', () => {
  const redundant = fc.tuple(fc.uint8Array({ maxLength: 64 }), fc.nat(20_000)).map(([unit, n]) => {
    const out = new Uint8Array(n);
    if (unit.length > 0) for (let i = 0; i < n; i++) out[i] = unit[i % unit.length]!;
    return out;
  });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 20_000 }), redundant), (plain) => {
      for (const mode of ['auto', 'off'] as const) {
        const { codec, body } = packBlock(plain, mode);
        if (mode === 'off') assert.equal(codec, CODEC_STORED);
        assert.deepEqual(unpackBlock(codec, body, plain.length), plain);
      }
    }),
    { numRuns: 200 }
  );
});

test('redundant blocks deflate to a fraction; random ones are kept as they are, uncopied', () => {
  for (const plain of [new Uint8Array(4 * MiB), text(4 * MiB)]) {
    const packed = packBlock(plain);
    assert.equal(packed.codec, CODEC_DEFLATE);
    assert.ok(packed.body.length < plain.length / 100, `${packed.body.length} bytes`);
    assert.deepEqual(unpackBlock(packed.codec, packed.body, plain.length), plain);
  }
  const random = new Uint8Array(seededBytes(7, 'codec', 4 * MiB));
  const packed = packBlock(random);
  assert.equal(packed.codec, CODEC_STORED);
  assert.equal(packed.body, random);
  assert.equal(packBlock(text(4 * MiB), 'off').codec, CODEC_STORED);
  // Tiny blocks are never worth a deflate header.
  assert.equal(packBlock(new Uint8Array(100)).codec, CODEC_STORED);
});

test('a block that compresses only in its sample is stored if the whole saves too little', () => {
  // Zeros where the three samples fall (start, middle, end), random everywhere else.
  const plain = new Uint8Array(seededBytes(9, 'mixed', 1 * MiB));
  const mid = (plain.length >> 1) - 2048;
  for (const at of [0, mid, plain.length - 4096]) plain.fill(0, at, at + 4096);
  const packed = packBlock(plain);
  assert.equal(packed.codec, CODEC_STORED);
  assert.equal(packed.body, plain);
});

test('inflating is capped, and unknown codecs or bad bodies are ERR_STORAGE_FORMAT', () => {
  const body = deflateRawSync(new Uint8Array(MiB));
  assert.equal(unpackBlock(CODEC_DEFLATE, body, MiB).length, MiB);
  assert.equal(
    code(() => unpackBlock(CODEC_DEFLATE, body, MiB - 1)),
    'ERR_STORAGE_FORMAT'
  );
  assert.equal(
    code(() => unpackBlock(CODEC_DEFLATE, body, 1000)),
    'ERR_STORAGE_FORMAT'
  );
  assert.equal(
    code(() => unpackBlock(7, body, MiB)),
    'ERR_STORAGE_FORMAT'
  );
  assert.equal(
    code(() => unpackBlock(CODEC_DEFLATE, Uint8Array.of(0xff, 0xff), 10)),
    'ERR_STORAGE_FORMAT'
  );
  assert.equal(
    code(() => packBlock(new Uint8Array(1), 'zstd' as 'auto')),
    'ERR_STORAGE_ARGUMENT'
  );
});

test('a small inflated block owns its memory (it may be moved to another thread)', () => {
  const plain = text(600);
  const packed = packBlock(plain);
  assert.equal(packed.codec, CODEC_DEFLATE);
  const out = unpackBlock(packed.codec, packed.body, plain.length);
  assert.equal(out.byteOffset, 0);
  assert.equal(out.buffer.byteLength, out.length);
});
