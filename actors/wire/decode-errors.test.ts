/**
 * One hostile frame per decode error code, hand-built so each rule is pinned down by name, plus the
 * per-code counters the API shows and the encode-side errors.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { createCodec } from './codec.js';
import { DecodeError, EncodeError, type DecodeErrorCode } from './errors.js';
import { packPlain } from './plain-msgpack.js';
import { testMessages, type TestEnvelope } from './fixtures.js';

const ping: TestEnvelope = {
  v: 1,
  type: 'peer.ping',
  id: 'r1',
  from: 'a',
  to: 'b',
  ts: 1,
  body: { nonce: 1 }
};
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const deep = (n: number): Uint8Array => new Uint8Array(n).fill(0x91); // [[[[...

const cases: Array<[string, Uint8Array, DecodeErrorCode]> = [
  ['empty frame', new Uint8Array(0), 'ERR_WIRE_MALFORMED'],
  ['reserved byte 0xc1', hex('c1'), 'ERR_WIRE_MALFORMED'],
  ['array32 claiming 2^28 items (would allocate)', hex('dd0fffffff00'), 'ERR_WIRE_MALFORMED'],
  ['str8 longer than the frame', hex('d9ff61'), 'ERR_WIRE_MALFORMED'],
  ['timestamp extension (would build a Date)', hex('d6ff00000001'), 'ERR_WIRE_MALFORMED'],
  ['msgpackr record extension', hex('d47200'), 'ERR_WIRE_MALFORMED'],
  ['integer map key', hex('810101'), 'ERR_WIRE_MALFORMED'],
  ['uint64 beyond 2^53', hex('cfffffffffffffffff'), 'ERR_WIRE_MALFORMED'],
  ['trailing bytes', hex('0102'), 'ERR_WIRE_MALFORMED'],
  ['nesting 100,000 deep (would overflow the stack)', deep(100_000), 'ERR_WIRE_LIMIT'],
  ['not a map', hex('2a'), 'ERR_WIRE_SCHEMA'],
  ['future version', packPlain({ ...ping, v: 9 }), 'ERR_WIRE_VERSION'],
  ['unknown type', packPlain({ ...ping, type: 'peer.unknown' }), 'ERR_WIRE_UNKNOWN_TYPE'],
  ['extra header field', packPlain({ ...ping, x: 1 }), 'ERR_WIRE_SCHEMA'],
  ['id too long', packPlain({ ...ping, id: 'x'.repeat(65) }), 'ERR_WIRE_SCHEMA'],
  ['body fails its schema', packPlain({ ...ping, body: { nonce: -1 } }), 'ERR_WIRE_SCHEMA']
];

describe('wire decode errors', () => {
  for (const [name, frame, code] of cases) {
    it(`${name} → ${code}`, () => {
      const codec = createCodec({ messages: testMessages });
      assert.throws(
        () => codec.decode(frame),
        (err) => err instanceof DecodeError && err.code === code
      );
      assert.equal(codec.stats().decodeErrors[code], 1);
    });
  }

  it('rejects a frame over the cap with ERR_WIRE_TOO_LARGE', () => {
    const codec = createCodec({ messages: testMessages, maxFrameBytes: 16 });
    assert.throws(() => codec.decode(new Uint8Array(17)), { code: 'ERR_WIRE_TOO_LARGE' });
    assert.deepEqual(codec.stats().unpacked, 0);
  });

  it('reads frames from other msgpack writers (map16, str16, uint64 ts)', () => {
    const codec = createCodec({ messages: testMessages });
    // msgpackr's default (non-variable) map size writes map16 headers: still plain msgpack.
    const other = new Packr({ useRecords: false, variableMapSize: false }).pack(ping);
    assert.equal(other[0], 0xde);
    assert.deepStrictEqual(codec.decode(other), ping);
    // ts as a uint64 (0xcf) instead of the shortest form: same value, so the same envelope.
    const shortest = Buffer.from(packPlain(ping)).toString('hex');
    assert.ok(shortest.includes('a2747301'));
    const wide = hex(shortest.replace('a2747301', 'a27473cf0000000000000001'));
    assert.deepStrictEqual(codec.decode(wide), ping);
  });

  it('accepts a range of versions when asked to', () => {
    const codec = createCodec({ messages: testMessages, versions: { min: 1, max: 2 } });
    assert.equal(codec.decode(packPlain({ ...ping, v: 2 })).v, 2);
  });

  it('refuses to encode what it would refuse to decode', () => {
    const codec = createCodec({ messages: testMessages, maxFrameBytes: 64 });
    const bad = { ...ping, body: { nonce: 'x' } } as unknown as TestEnvelope;
    assert.throws(
      () => codec.encode(bad),
      (e) => e instanceof EncodeError && e.code === 'ERR_WIRE_SCHEMA'
    );
    const unknown = { ...ping, type: 'peer.nope' } as unknown as TestEnvelope;
    assert.throws(() => codec.encode(unknown), { code: 'ERR_WIRE_UNKNOWN_TYPE' });
    const big = { ...ping, body: { nonce: 1, note: 'n'.repeat(80) } };
    assert.throws(() => codec.encode(big), { code: 'ERR_WIRE_TOO_LARGE' });
  });

  it('rejects badly named message types when the codec is built', () => {
    assert.throws(() => createCodec({ messages: { Ping: testMessages['peer.ping'] } }), TypeError);
  });
});
