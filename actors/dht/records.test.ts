import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom } from '../random.js';
import { seededKeys } from './fixtures.js';
import { checkRecord, recordKey, signRecord } from './records.js';
import { RecordStore } from './record-store.js';

const random = createRandom(3);
const alice = seededKeys(random);
const bob = seededKeys(random);
const policy = { maxTtlMs: 10_000 };
const fields = { layer: 3, name: '', value: new Uint8Array([1, 2]), seq: 1, expiresAt: 5_000 };

describe('DHT records', () => {
  it('accepts a signed record and refuses forged, expired and over-long ones', () => {
    const good = signRecord(alice, fields);
    assert.equal(checkRecord(good, 0, policy), undefined);
    const forged = signRecord(bob, fields);
    assert.equal(
      checkRecord({ ...forged, publisher: good.publisher }, 0, policy),
      'ERR_DHT_RECORD_FORGED'
    );
    assert.equal(checkRecord({ ...good, seq: 2 }, 0, policy), 'ERR_DHT_RECORD_FORGED');
    assert.equal(
      checkRecord({ ...good, sig: new Uint8Array(64) }, 0, policy),
      'ERR_DHT_RECORD_FORGED'
    );
    assert.equal(checkRecord(good, 5_000, policy), 'ERR_DHT_RECORD_EXPIRED');
    assert.equal(
      checkRecord(signRecord(alice, { ...fields, expiresAt: 20_001 }), 10_000 - 1, policy),
      'ERR_DHT_RECORD_TTL'
    );
    const big = signRecord(alice, { ...fields, value: new Uint8Array(4097) });
    assert.equal(checkRecord(big, 0, policy), 'ERR_DHT_RECORD_TOO_LARGE');
  });

  it('derives distinct keys per layer and name', () => {
    assert.notEqual(recordKey(1, 'x'), recordKey(3, 'x'));
    assert.notEqual(recordKey(3, 'x'), recordKey(3, 'y'));
    assert.match(recordKey(3, ''), /^[a-z2-7]{32}$/);
  });

  it('keeps the newest revision per publisher, within its caps, and sweeps expired ones', () => {
    const store = new RecordStore({ maxKeys: 1, maxPerKey: 1 });
    const r1 = signRecord(alice, fields);
    assert.equal(store.put('k', r1), 'stored');
    assert.equal(store.put('k', r1), 'unchanged');
    assert.throws(
      () => store.put('k', signRecord(alice, { ...fields, seq: 0 })),
      /ERR_DHT_RECORD_STALE/
    );
    assert.equal(store.put('k', signRecord(alice, { ...fields, seq: 2 })), 'replaced');
    assert.throws(() => store.put('k2', r1), /ERR_DHT_STORE_FULL/);
    // Full key: bob's later-expiring record takes the place of alice's.
    assert.equal(store.put('k', signRecord(bob, { ...fields, expiresAt: 9_000 })), 'stored');
    assert.deepEqual(
      store.get('k', 0, 10).map((r) => r.publisher),
      [signRecord(bob, fields).publisher]
    );
    assert.equal(store.get('k', 9_000, 10).length, 0);
    assert.equal(store.sweep(9_000), 1);
    assert.equal(store.size, 0);
  });
});
