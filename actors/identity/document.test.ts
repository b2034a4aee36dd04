import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { BitDustError } from '../errors.js';
import {
  acceptIdentityDocument,
  createIdentityDocument,
  decodeIdentityDocument,
  updateIdentityDocument
} from './document.js';
import {
  generateIdentityKeys,
  nodeIdFromKey,
  sign,
  signNoiseKey,
  verifyNoiseKey,
  withNewNoiseKey,
  type IdentityKeys
} from './keys.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const fields = {
  contacts: { tcp: ['tcp://127.0.0.1:7000'], memory: ['memory://a'] },
  services: ['supplier', 'customer'],
  name: 'alice'
};

test('a created document verifies, round-trips and binds the Noise key', () => {
  const keys = generateIdentityKeys();
  const doc = createIdentityDocument(keys, fields, 1_700_000_000_000);
  const back = decodeIdentityDocument(doc.bytes);
  assert.equal(back.body.id, nodeIdFromKey(keys.identityPublic));
  assert.match(back.body.id, /^[a-z2-7]{32}$/);
  assert.deepEqual(back.body.contacts, fields.contacts);
  assert.equal(back.body.revision, 1);
  assert.ok(verifyNoiseKey(keys.identityPublic, keys.noise.publicKey, signNoiseKey(keys)));
  assert.ok(
    !verifyNoiseKey(keys.identityPublic, generateIdentityKeys().noise.publicKey, signNoiseKey(keys))
  );
});

test('a bad signature, a bad Noise binding or a wrong id is refused', () => {
  const keys = generateIdentityKeys();
  const doc = createIdentityDocument(keys, fields, 1000);
  const env = packr.unpack(doc.bytes) as { v: 1; body: Buffer; sig: Buffer };
  const badSig = Buffer.from(env.sig);
  badSig[0]! ^= 1;
  assert.throws(() => decodeIdentityDocument(packr.pack({ ...env, sig: badSig })), {
    code: 'ERR_IDENTITY_SIGNATURE'
  });
  const body = packr.unpack(env.body) as Record<string, unknown>;
  // A validly signed document whose Noise key binding was signed by somebody else.
  const other = generateIdentityKeys();
  const wrongBinding = { ...body, noiseSig: signNoiseKey({ ...other, noise: keys.noise }) };
  assert.throws(() => decodeIdentityDocument(resign(keys, wrongBinding)), {
    code: 'ERR_IDENTITY_SIGNATURE'
  });
  assert.throws(() => decodeIdentityDocument(resign(keys, { ...body, id: 'a'.repeat(32) })), {
    code: 'ERR_IDENTITY_ID'
  });
});

/** Sign a hand-made body the way document.ts does, to build documents it would never produce. */
function resign(keys: IdentityKeys, body: Record<string, unknown>): Uint8Array {
  const bodyBytes = packr.pack(body);
  const signed = Buffer.concat([Buffer.from('bitdust-identity-v1\0'), bodyBytes]);
  return packr.pack({ v: 1, body: bodyBytes, sig: sign(keys, signed) });
}

test('revisions only move forward and the identity key never changes', () => {
  const keys = generateIdentityKeys();
  const r1 = createIdentityDocument(keys, fields, 1000);
  const r2 = updateIdentityDocument(
    keys,
    r1,
    { contacts: { nats: ['nats://127.0.0.1:4222'] } },
    2000
  );
  assert.equal(r2.body.revision, 2);
  assert.deepEqual(r2.body.services, fields.services);
  assert.equal(acceptIdentityDocument(r1, r2.bytes).changed, true);
  assert.equal(acceptIdentityDocument(r2, r2.bytes).changed, false);
  assert.throws(() => acceptIdentityDocument(r2, r1.bytes), { code: 'ERR_IDENTITY_REVISION' });
  const fork = updateIdentityDocument(keys, r1, { services: ['proxy'] }, 2000);
  assert.throws(() => acceptIdentityDocument(r2, fork.bytes), { code: 'ERR_IDENTITY_REVISION' });
  const stranger = createIdentityDocument(generateIdentityKeys(), fields, 1000);
  assert.throws(() => acceptIdentityDocument(r1, stranger.bytes), { code: 'ERR_IDENTITY_ID' });
  // Rotating the Noise key is a new revision under the same identity key.
  const rotated = withNewNoiseKey(keys);
  const r3 = updateIdentityDocument(rotated, r2, {}, 3000);
  assert.ok(Buffer.from(r3.body.noiseKey).equals(rotated.noise.publicKey));
  assert.equal(acceptIdentityDocument(r2, r3.bytes).document.body.revision, 3);
  assert.throws(() => updateIdentityDocument(generateIdentityKeys(), r3, {}, 4000), {
    code: 'ERR_IDENTITY_KEY_CHANGED'
  });
});

test('caps are enforced when creating and when decoding', () => {
  const keys = generateIdentityKeys();
  assert.throws(() => createIdentityDocument(keys, { ...fields, services: ['Bad Name'] }, 1), {
    code: 'ERR_IDENTITY_INVALID'
  });
  const many = Array.from({ length: 9 }, (_, i) => `tcp://h${i}:1`);
  assert.throws(() => createIdentityDocument(keys, { ...fields, contacts: { tcp: many } }, 1), {
    code: 'ERR_IDENTITY_INVALID'
  });
  assert.throws(() => decodeIdentityDocument(new Uint8Array(5000)), {
    code: 'ERR_IDENTITY_TOO_LARGE'
  });
});

test('random bytes only ever produce ERR_IDENTITY_* errors', () => {
  const valid = createIdentityDocument(generateIdentityKeys(), fields, 1).bytes;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), (junk, pos) => {
      for (const input of [junk, mutate(valid, pos)]) {
        try {
          decodeIdentityDocument(input);
        } catch (e) {
          assert.ok(e instanceof BitDustError && e.code.startsWith('ERR_IDENTITY_'), String(e));
        }
      }
    }),
    { numRuns: 300 }
  );
});

function mutate(bytes: Uint8Array, pos: number): Uint8Array {
  const copy = Buffer.from(bytes);
  copy[pos % copy.length]! ^= 1 << (pos % 8);
  return copy;
}
