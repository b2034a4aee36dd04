/**
 * Golden byte vectors: if one of these changes, the wire format changed, which needs a version
 * decision (docs/wire.md), not a fixture update. Hand-checked against the msgpack spec.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from './codec.js';
import { testMessages, type TestEnvelope } from './fixtures.js';

const vectors: Array<{ name: string; envelope: TestEnvelope; hex: string }> = [
  {
    name: 'peer.ping (fixmap of 7; ts above 2^32 as float64, as msgpackr writes it)',
    envelope: {
      v: 1,
      type: 'peer.ping',
      id: 'r1',
      from: 'alice',
      to: 'bob',
      ts: 1700000000000,
      body: { nonce: 42 }
    },
    hex:
      '87a17601a474797065a9706565722e70696e67a26964a27231a466726f6da5616c696365a2746fa3626f62' +
      'a27473cb4278bcfe56800000a4626f647981a56e6f6e63652a'
  },
  {
    name: 'shard.put (bin8 for bytes, float64 for 0.5, nested fixmap and fixarray)',
    envelope: {
      v: 1,
      type: 'shard.put',
      id: 'r2',
      from: 'alice',
      to: 'bob',
      ts: 5,
      body: {
        position: 3,
        shard: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
        tags: ['a'],
        weight: 0.5,
        meta: { ok: true }
      }
    },
    hex:
      '87a17601a474797065a973686172642e707574a26964a27232a466726f6da5616c696365a2746fa3626f62' +
      'a2747305a4626f647985a8706f736974696f6e03a57368617264c404deadbeefa47461677391a161a67765' +
      '69676874cb3fe0000000000000a46d65746181a26f6bc3'
  }
];

describe('wire golden vectors', () => {
  const codec = createCodec({ messages: testMessages });
  for (const { name, envelope, hex } of vectors) {
    it(`encodes ${name} to the frozen bytes`, () => {
      assert.equal(Buffer.from(codec.encode(envelope)).toString('hex'), hex);
    });
    it(`decodes the frozen bytes of ${name}`, () => {
      assert.deepStrictEqual(codec.decode(Uint8Array.from(Buffer.from(hex, 'hex'))), envelope);
    });
  }
});
