/**
 * Envelopes in pieces: `packPlainParts` must write exactly `packPlain`'s bytes (the wire format
 * does not change), leave every large binary as the caller's own buffer, and `unpackPlainViews`
 * must give binaries back as views of the frame, not copies.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { BULK_FIELD_BYTES, createCodec } from './codec.js';
import { EncodeError } from './errors.js';
import { envelopeArb, testMessages } from './fixtures.js';
import { packPlain, packPlainParts, unpackPlain, unpackPlainViews } from './plain-msgpack.js';

/** Binary sizes around every msgpack length boundary and the bulk threshold. */
const size = fc.oneof(
  fc.nat(300),
  fc.integer({ min: 0xff00, max: 0x10100 }),
  fc.integer({ min: BULK_FIELD_BYTES - 4, max: BULK_FIELD_BYTES + 4 }),
  fc.integer({ min: 0, max: 1 << 20 })
);
const bytes = size.chain((n) =>
  fc.integer({ min: 0, max: 255 }).map((s) => new Uint8Array(n).fill(s))
);
const leaf = fc.oneof(bytes, fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean());
/** An envelope-like value: maps two deep with binaries anywhere, as a body has them. */
const valueArb = fc.dictionary(
  fc.string({ maxLength: 12 }),
  fc.oneof(
    leaf,
    fc.dictionary(fc.string({ maxLength: 12 }), fc.oneof(leaf, fc.array(leaf, { maxLength: 3 })), {
      maxKeys: 5,
      noNullPrototype: true
    }),
    fc.constant(undefined)
  ),
  { maxKeys: 7, noNullPrototype: true }
);

describe('msgpack in pieces', () => {
  it('joins to exactly packPlain, with large binaries passed through by reference', () => {
    fc.assert(
      fc.property(valueArb, fc.integer({ min: 1, max: 1 << 17 }), (value, bulk) => {
        const parts = packPlainParts(value, bulk);
        assert.deepEqual(Buffer.concat(parts), Buffer.from(packPlain(value)));
        const big = Object.values(value)
          .flatMap((v): unknown[] =>
            v && typeof v === 'object' && !(v instanceof Uint8Array) ? Object.values(v) : [v]
          )
          .filter((v): v is Uint8Array => v instanceof Uint8Array && v.byteLength >= bulk);
        for (const b of big) assert.ok(parts.includes(b), 'a large binary was copied');
      }),
      { numRuns: 150 }
    );
  });

  it('decodes binaries as views of the frame, or as copies', () => {
    const frame = Buffer.from(packPlain({ a: new Uint8Array(50_000).fill(7), b: 'x' }));
    const viewed = unpackPlainViews(frame) as { a: Uint8Array };
    const copied = unpackPlain(frame) as { a: Uint8Array };
    assert.equal(Object.getPrototypeOf(viewed.a), Uint8Array.prototype);
    assert.equal(viewed.a.buffer, frame.buffer);
    assert.notEqual(copied.a.buffer, frame.buffer);
    assert.deepEqual(viewed.a, copied.a);
  });
});

describe('codec encodeParts', () => {
  const bulkMessages = {
    ...testMessages,
    'shard.big': Type.Object(
      { key: Type.String({ maxLength: 64 }), data: Type.Uint8Array({ maxByteLength: 1 << 20 }) },
      { additionalProperties: false }
    )
  };
  const codec = createCodec({ messages: bulkMessages, maxFrameBytes: 1 << 20 });
  const views = createCodec({ messages: bulkMessages, maxFrameBytes: 1 << 20, viewBinaries: true });
  const big = (n: number) => ({
    v: 1,
    type: 'shard.big' as const,
    id: 'r1',
    from: 'alice',
    to: 'bob',
    ts: 1,
    body: { key: 'k', data: new Uint8Array(n).fill(n & 0xff) }
  });

  it('joins to encode for any envelope, and round-trips through a viewing decoder', () => {
    fc.assert(
      fc.property(envelopeArb, (env) => {
        const joined = Buffer.concat(codec.encodeParts(env));
        assert.deepEqual(joined, Buffer.from(codec.encode(env)));
        assert.deepEqual(views.decode(joined), env);
      }),
      { numRuns: 200 }
    );
  });

  it('keeps a shard as the caller’s buffer, and its decoded form is a view of the frame', () => {
    fc.assert(
      fc.property(fc.integer({ min: BULK_FIELD_BYTES - 2, max: (1 << 20) - 100 }), (n) => {
        const env = big(n);
        const parts = codec.encodeParts(env);
        // At the threshold and above: passed through; below it, packed like everything else.
        assert.equal(parts.includes(env.body.data), n >= BULK_FIELD_BYTES);
        const frame = Buffer.concat(parts);
        const out = views.decode(frame) as ReturnType<typeof big>;
        assert.deepEqual(out, env);
        assert.equal(out.body.data.buffer, frame.buffer);
      }),
      { numRuns: 30 }
    );
  });

  it('refuses an envelope over the cap before anything is sent', () => {
    const small = createCodec({ messages: bulkMessages, maxFrameBytes: 100_000 });
    assert.throws(
      () => small.encodeParts(big(100_000)),
      (e) => e instanceof EncodeError && e.code === 'ERR_WIRE_TOO_LARGE'
    );
    assert.equal(small.stats().encoded, 0);
    assert.throws(
      () => small.decode(Buffer.concat(codec.encodeParts(big(100_000)))),
      /ERR_WIRE_TOO_LARGE|larger|>/
    );
    assert.equal(small.stats().unpacked, 0);
  });
});
