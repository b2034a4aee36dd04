import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createCodec } from './codec.js';
import { DecodeError } from './errors.js';
import { packPlain } from './plain-msgpack.js';
import { envelopeArb, testMessages } from './fixtures.js';

const runs = { numRuns: 300 };

/** Decodes, returning the error (which must be a DecodeError) instead of throwing it. */
function tryDecode(
  codec: { decode(bytes: Uint8Array): unknown },
  bytes: Uint8Array
): DecodeError | null {
  try {
    codec.decode(bytes);
    return null;
  } catch (err) {
    assert.ok(err instanceof DecodeError, `non-DecodeError escaped: ${String(err)}`);
    return err;
  }
}

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'extend'; extra: Uint8Array }
  | { kind: 'overwrite'; at: number; byte: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('extend' as const),
    extra: fc.uint8Array({ minLength: 1, maxLength: 16 })
  }),
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), byte: fc.nat(255) })
);

function mutate(frame: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'extend') return Uint8Array.from([...frame, ...m.extra]);
  const out = Uint8Array.from(frame);
  const at = frame.length === 0 ? 0 : m.at % frame.length;
  if (m.kind === 'truncate') return out.subarray(0, at);
  if (m.kind === 'flip') out[at] = (out[at] ?? 0) ^ (1 << m.bit);
  else out[at] = m.byte;
  return out;
}

describe('wire codec properties', () => {
  it('decode(encode(m)) deep-equals m', () => {
    const codec = createCodec({ messages: testMessages, maxFrameBytes: 64 * 1024 });
    fc.assert(
      fc.property(envelopeArb, (m) => {
        assert.deepStrictEqual(codec.decode(codec.encode(m)), m);
      }),
      runs
    );
    assert.equal(codec.stats().decoded, codec.stats().encoded);
  });

  it('random bytes only ever give DecodeError, each one counted', () => {
    const codec = createCodec({ messages: testMessages });
    let failures = 0;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        if (tryDecode(codec, bytes)) failures++;
      }),
      { numRuns: 1000 }
    );
    const counted = Object.values(codec.stats().decodeErrors).reduce((a, b) => a + b, 0);
    assert.equal(counted, failures);
  });

  it('mutated valid frames (flips, truncations, extensions) only ever give DecodeError', () => {
    const codec = createCodec({ messages: testMessages, maxFrameBytes: 64 * 1024 });
    fc.assert(
      fc.property(envelopeArb, fc.array(mutation, { minLength: 1, maxLength: 4 }), (m, muts) => {
        let frame = codec.encode(m);
        for (const mu of muts) frame = mutate(frame, mu);
        tryDecode(codec, frame);
      }),
      runs
    );
  });

  it('arbitrary msgpack values (past the structure check) only ever give DecodeError', () => {
    const codec = createCodec({ messages: testMessages });
    const header = { v: 1, type: 'peer.ping', id: 'i', from: 'f', to: 't', ts: 0 };
    const value = fc.oneof(
      fc.anything({ maxDepth: 4 }),
      fc.anything({ maxDepth: 3 }).map((body) => ({ ...header, body })),
      fc
        .dictionary(fc.string(), fc.anything({ maxDepth: 2 }))
        .map((extra) => ({ ...header, ...extra }))
    );
    fc.assert(
      fc.property(value, (v) => {
        tryDecode(codec, packPlain(v));
      }),
      runs
    );
  });

  it('rejects oversized frames before decoding anything', () => {
    const cap = 256;
    const codec = createCodec({ messages: testMessages, maxFrameBytes: cap });
    fc.assert(
      fc.property(fc.uint8Array({ minLength: cap + 1, maxLength: cap * 4 }), (bytes) => {
        const before = codec.stats().unpacked;
        assert.equal(tryDecode(codec, bytes)?.code, 'ERR_WIRE_TOO_LARGE');
        assert.equal(codec.stats().unpacked, before);
      }),
      { numRuns: 200 }
    );
    // A frame exactly at the cap is decoded (and here rejected for its content instead).
    assert.notEqual(tryDecode(codec, new Uint8Array(cap))?.code, 'ERR_WIRE_TOO_LARGE');
  });
});
