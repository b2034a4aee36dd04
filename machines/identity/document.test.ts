// The identity document: TypeBox shape and caps of body and envelope, updated ≥ created, and the
// supersession rule (higher revision under the same key replaces; same bytes repeat harmlessly;
// lower revision, a fork, or another key is refused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_BODY_BYTES,
  isIdentityBody,
  isIdentityEnvelope,
  supersedes,
  type IdentityBody,
  type KnownDocument
} from './document.js';

const body = (over: Partial<IdentityBody> = {}): IdentityBody => ({
  v: 1,
  id: 'abcdefghijklmnopqrstuvwxyz234567',
  identityKey: new Uint8Array(32).fill(1),
  noiseKey: new Uint8Array(32).fill(2),
  noiseSig: new Uint8Array(64).fill(3),
  contacts: { tcp: ['tcp://127.0.0.1:7000'], nats: ['nats://n1/abc'] },
  services: ['storage', 'payment_v2', 'dht-1'],
  revision: 0,
  created: 1_000,
  updated: 1_000,
  ...over
});

test('a well-formed body passes; optional name and contacts', () => {
  assert.equal(isIdentityBody(body()), true);
  assert.equal(isIdentityBody(body({ name: 'x'.repeat(64) })), true);
  assert.equal(isIdentityBody(body({ contacts: {}, services: [] })), true);
  assert.equal(isIdentityBody(body({ revision: Number.MAX_SAFE_INTEGER })), true);
});

test('malformed bodies are refused', () => {
  const bad: Array<[string, unknown]> = [
    ['v 2', body({ v: 2 as 1 })],
    ['id upper', body({ id: 'A'.repeat(32) })],
    ['id short', body({ id: 'a'.repeat(31) })],
    ['id digit 1', body({ id: '1'.repeat(32) })],
    ['key 31', body({ identityKey: new Uint8Array(31) })],
    ['key 33', body({ noiseKey: new Uint8Array(33) })],
    ['key array', body({ identityKey: [...new Uint8Array(32)] as unknown as Uint8Array })],
    ['sig 63', body({ noiseSig: new Uint8Array(63) })],
    ['unknown transport', body({ contacts: { udp: ['udp://x'] } as never })],
    ['contact no scheme', body({ contacts: { tcp: ['127.0.0.1:7000'] } })],
    ['contact space', body({ contacts: { tcp: ['tcp://a b'] } })],
    ['contact too long', body({ contacts: { tcp: ['tcp://' + 'x'.repeat(251)] } })],
    ['9 contacts', body({ contacts: { tcp: Array(9).fill('tcp://h:1') } })],
    ['service upper', body({ services: ['Storage'] })],
    ['service long', body({ services: ['s' + 'x'.repeat(32)] })],
    ['33 services', body({ services: Array(33).fill('s') })],
    ['revision −1', body({ revision: -1 })],
    ['revision 1.5', body({ revision: 1.5 })],
    ['revision 2^53', body({ revision: 2 ** 53 })],
    ['created −1', body({ created: -1, updated: 0 })],
    ['updated < created', body({ created: 2_000, updated: 1_999 })],
    ['name 65', body({ name: 'x'.repeat(65) })],
    ['extra field', { ...body(), extra: 1 }],
    ['null', null],
    ['string', 'body']
  ];
  for (const [why, b] of bad) assert.equal(isIdentityBody(b), false, why);
  // Boundaries that pass.
  assert.equal(isIdentityBody(body({ contacts: { tcp: ['tcp://' + 'x'.repeat(250)] } })), true);
  assert.equal(isIdentityBody(body({ contacts: { tcp: Array(8).fill('tcp://h:1') } })), true);
  assert.equal(isIdentityBody(body({ services: Array(32).fill('s') })), true);
  assert.equal(isIdentityBody(body({ services: ['s' + 'x'.repeat(31)] })), true);
});

test('property: updated ≥ created is required', () => {
  fc.assert(
    fc.property(fc.maxSafeNat(), fc.maxSafeNat(), (created, updated) => {
      assert.equal(isIdentityBody(body({ created, updated })), updated >= created);
    }),
    { numRuns: 200 }
  );
});

test('envelope: v 1, body 1..MAX_BODY_BYTES, sig 64 bytes, nothing else', () => {
  const env = (b: number, s = 64, extra: object = {}) => ({
    v: 1,
    body: new Uint8Array(b),
    sig: new Uint8Array(s),
    ...extra
  });
  assert.equal(isIdentityEnvelope(env(1)), true);
  assert.equal(isIdentityEnvelope(env(MAX_BODY_BYTES)), true);
  assert.equal(isIdentityEnvelope(env(0)), false);
  assert.equal(isIdentityEnvelope(env(MAX_BODY_BYTES + 1)), false);
  assert.equal(isIdentityEnvelope(env(10, 63)), false);
  assert.equal(isIdentityEnvelope(env(10, 64, { x: 1 })), false);
  assert.equal(isIdentityEnvelope({ ...env(10), v: 2 }), false);
  assert.equal(isIdentityEnvelope({ v: 1, sig: new Uint8Array(64) }), false);
});

const doc = (revision: number, key = 1, content = 0): KnownDocument => ({
  body: body({ revision, identityKey: new Uint8Array(32).fill(key) }),
  bytes: Uint8Array.of(key, revision & 0xff, content)
});

test('supersedes: exact cases', () => {
  assert.deepEqual(supersedes(undefined, doc(0)), { accept: true, changed: true });
  assert.deepEqual(supersedes(doc(3), doc(4)), { accept: true, changed: true });
  assert.deepEqual(supersedes(doc(3), doc(3)), { accept: true, changed: false });
  assert.deepEqual(supersedes(doc(3), doc(2)), {
    accept: false,
    code: 'ERR_IDENTITY_REVISION',
    reason: 'revision 2 < 3'
  });
  assert.deepEqual(supersedes(doc(3), doc(3, 1, 9)), {
    accept: false,
    code: 'ERR_IDENTITY_REVISION',
    reason: 'revision 3 reused with other content'
  });
  // Another key is refused even with a higher revision: key continuity comes first.
  assert.deepEqual(supersedes(doc(3), doc(100, 2)), {
    accept: false,
    code: 'ERR_IDENTITY_KEY_CHANGED',
    reason: 'identity key differs'
  });
  // Same revision and bytes of another length: a fork, not a repeat.
  const longer = { ...doc(3), bytes: Uint8Array.of(1, 3, 0, 0) };
  assert.equal(supersedes(doc(3), longer).accept, false);
});

test('property: accept iff same key and (higher revision, or same revision and same bytes)', () => {
  fc.assert(
    fc.property(
      fc.nat({ max: 1_000 }),
      fc.nat({ max: 1_000 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.nat({ max: 2 }),
      fc.nat({ max: 2 }),
      (ra, rb, ka, kb, ca, cb) => {
        const known = doc(ra, ka, ca);
        const cand = doc(rb, kb, cb);
        const r = supersedes(known, cand);
        if (ka !== kb) {
          assert.equal(!r.accept && r.code, 'ERR_IDENTITY_KEY_CHANGED');
        } else if (rb > ra) {
          assert.deepEqual(r, { accept: true, changed: true });
        } else if (rb === ra && ca === cb) {
          assert.deepEqual(r, { accept: true, changed: false });
        } else {
          assert.equal(!r.accept && r.code, 'ERR_IDENTITY_REVISION');
        }
      }
    ),
    { numRuns: 300 }
  );
});

test('property: folding accepted documents keeps the revision monotonic and the key fixed', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ rev: fc.nat({ max: 20 }), key: fc.integer({ min: 1, max: 2 }) }), {
        minLength: 1,
        maxLength: 30
      }),
      (stream) => {
        let known: KnownDocument | undefined;
        const revisions: number[] = [];
        for (const { rev, key } of stream) {
          const cand = doc(rev, key);
          if (supersedes(known, cand).accept) {
            known = cand;
            revisions.push(rev);
          }
        }
        for (let i = 1; i < revisions.length; i++) assert.ok(revisions[i]! >= revisions[i - 1]!);
        // Every accepted document carries the first one's key.
        assert.equal(known!.body.identityKey[0], stream[0]!.key);
        assert.equal(known!.body.revision, Math.max(...revisions));
      }
    ),
    { numRuns: 200 }
  );
});
