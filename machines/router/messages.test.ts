import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Type } from '@sinclair/typebox';
import { createCodec, DecodeError, WIRE_VERSION } from '../../actors/wire/index.js';
import {
  acceptsReply,
  isRequestType,
  ROUTER_LIMITS,
  ROUTER_REPLIES,
  routerMessages
} from './messages.js';

const codec = createCodec({ messages: routerMessages, maxFrameBytes: 1 << 20 });
const id = 'abcdefghijklmnopqrstuvwxyz234567';
const envelope = (type: string, body: unknown) =>
  ({ v: WIRE_VERSION, type, id: 'x.1', from: id, to: id, ts: 1, body }) as never;

const samples: Record<string, unknown> = {
  'cmd.identity': { v: 1, document: new Uint8Array([1, 2, 3]) },
  'cmd.ack': { v: 1 },
  'cmd.fail': { v: 1, code: 'ERR_STORE_FULL', reason: 'no room' },
  'cmd.request-service': { v: 1, service: 'supplier', payload: new Uint8Array(4) },
  'cmd.cancel-service': { v: 1, service: 'supplier', payload: new Uint8Array(0) },
  'cmd.data': { v: 1, key: 'b/1/0', data: new Uint8Array(10) },
  'cmd.retrieve': { v: 1, key: 'b/1/0' },
  'cmd.list-files': { v: 1, prefix: '', limit: 100 },
  'cmd.files': { v: 1, files: [{ key: 'b/1/0', size: 10 }], more: false },
  'cmd.delete': { v: 1, keys: ['b/1/0'] },
  'cmd.audit': {
    v: 1,
    backupId: 'b1',
    block: 3,
    position: 4,
    leaves: [0, 5],
    nonce: new Uint8Array(16)
  },
  'cmd.proof': {
    v: 1,
    nonce: new Uint8Array(16),
    proofs: [{ leaf: 5, chunk: new Uint8Array(8), path: [new Uint8Array(32)] }]
  },
  'cmd.message': { v: 1, payload: new Uint8Array(3) },
  'cmd.relay': { v: 1, target: id, payload: new Uint8Array(3) },
  'dht.ping': { v: 1 },
  'dht.find-node': { v: 1, target: id },
  'dht.find-value': { v: 1, key: id },
  'dht.nodes': { v: 1, nodes: [{ id, address: 'm-1' }] },
  'dht.value': { v: 1, records: [], nodes: [] },
  'dht.store': {
    v: 1,
    record: {
      layer: 3,
      name: '',
      publisher: id,
      publicKey: new Uint8Array(32),
      seq: 0,
      expiresAt: 10,
      value: new Uint8Array(2),
      sig: new Uint8Array(64)
    }
  }
};

describe('router messages', () => {
  it('has a sample for every type, and each round-trips', () => {
    assert.deepEqual(Object.keys(samples).sort(), Object.keys(routerMessages).sort());
    for (const [type, body] of Object.entries(samples)) {
      const decoded = codec.decode(codec.encode(envelope(type, body)));
      assert.equal(decoded.type, type);
      assert.deepEqual(
        JSON.stringify(decoded.body, (_, x) => (x instanceof Uint8Array ? [...x] : x)),
        JSON.stringify(body, (_, x) => (x instanceof Uint8Array ? [...x] : x))
      );
    }
  });

  it('refuses bodies past their caps, a wrong version and unknown fields', () => {
    const bad: Array<[string, unknown]> = [
      ['cmd.data', { v: 1, key: 'k', data: new Uint8Array(ROUTER_LIMITS.maxDataBytes + 1) }],
      ['cmd.delete', { v: 1, keys: Array.from({ length: 101 }, (_, i) => `k${i}`) }],
      ['cmd.delete', { v: 1, keys: [] }],
      ['cmd.fail', { v: 1, code: 'nope', reason: '' }],
      ['cmd.ack', { v: 2 }],
      ['cmd.ack', { v: 1, extra: true }],
      ['dht.nodes', { v: 1, nodes: Array.from({ length: 21 }, () => ({ id, address: 'a' })) }],
      ['dht.find-node', { v: 1, target: 'UPPERCASE' }]
    ];
    for (const [type, body] of bad) {
      assert.throws(() => codec.encode(envelope(type, body)), /ERR_WIRE_SCHEMA/, type);
    }
  });

  it('caps audit challenges and proofs on both sides of the wire', () => {
    const audit = samples['cmd.audit'] as object;
    const proof = samples['cmd.proof'] as { proofs: object[] };
    const item = proof.proofs[0]!;
    const bad: Array<[string, unknown]> = [
      ['cmd.audit', { ...audit, leaves: Array.from({ length: 9 }, (_, i) => i) }],
      ['cmd.audit', { ...audit, leaves: [] }],
      ['cmd.audit', { ...audit, leaves: [2, 2] }],
      ['cmd.audit', { ...audit, leaves: [ROUTER_LIMITS.maxLeaves] }],
      ['cmd.audit', { ...audit, nonce: new Uint8Array(15) }],
      ['cmd.audit', { ...audit, nonce: new Uint8Array(33) }],
      ['cmd.audit', { ...audit, position: 256 }],
      ['cmd.audit', { ...audit, backupId: '../etc' }],
      ['cmd.audit', { ...audit, key: 'b1/00000003/004' }],
      ['cmd.proof', { ...proof, proofs: Array.from({ length: 9 }, () => item) }],
      ['cmd.proof', { ...proof, proofs: [] }],
      [
        'cmd.proof',
        {
          ...proof,
          proofs: [{ ...item, chunk: new Uint8Array(ROUTER_LIMITS.maxProofChunkBytes + 1) }]
        }
      ],
      ['cmd.proof', { ...proof, proofs: [{ ...item, path: [new Uint8Array(31)] }] }],
      [
        'cmd.proof',
        {
          ...proof,
          proofs: [{ ...item, path: Array.from({ length: 25 }, () => new Uint8Array(32)) }]
        }
      ],
      ['cmd.proof', { ...proof, nonce: new Uint8Array(0) }]
    ];
    // A peer that ignores the schema: its frames must still be refused on decode.
    const loose = createCodec({
      messages: { ...routerMessages, 'cmd.audit': Type.Any(), 'cmd.proof': Type.Any() },
      maxFrameBytes: 1 << 20
    });
    for (const [type, body] of bad) {
      assert.throws(() => codec.encode(envelope(type, body)), /ERR_WIRE_SCHEMA/, type);
      assert.throws(
        () => codec.decode(loose.encode(envelope(type, body))),
        (err: unknown) => err instanceof DecodeError,
        type
      );
    }
    // Eight 64 KiB chunks with full paths still fit one frame.
    const biggest = {
      v: 1,
      nonce: new Uint8Array(32),
      proofs: Array.from({ length: ROUTER_LIMITS.maxAuditLeaves }, (_, leaf) => ({
        leaf,
        chunk: new Uint8Array(ROUTER_LIMITS.maxProofChunkBytes),
        path: Array.from({ length: ROUTER_LIMITS.maxProofDepth }, () => new Uint8Array(32))
      }))
    };
    assert.equal(codec.decode(codec.encode(envelope('cmd.proof', biggest))).type, 'cmd.proof');
    assert.ok(acceptsReply('cmd.audit', 'cmd.proof'));
    assert.ok(!acceptsReply('cmd.retrieve', 'cmd.proof'));
  });

  it('knows which replies each request accepts', () => {
    assert.ok(acceptsReply('cmd.retrieve', 'cmd.data'));
    assert.ok(acceptsReply('cmd.retrieve', 'cmd.fail'));
    assert.ok(!acceptsReply('cmd.retrieve', 'cmd.ack'));
    assert.ok(acceptsReply('dht.find-node', 'dht.nodes'));
    assert.ok(!isRequestType('cmd.ack'));
    for (const replies of Object.values(ROUTER_REPLIES)) {
      for (const r of replies) assert.ok(r in routerMessages);
    }
  });

  it('turns random bytes into DecodeError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        try {
          codec.decode(bytes);
        } catch (err) {
          assert.ok(err instanceof DecodeError);
        }
      }),
      { numRuns: 300 }
    );
  });
});
