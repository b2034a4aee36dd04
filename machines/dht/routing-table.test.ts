import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bucketIndex, compareDistance, decodeId, distance, encodeId, idInBucket } from './ids.js';
import { RoutingTable } from './routing-table.js';

const idArb = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(encodeId);

describe('ids', () => {
  it('base32 round-trips and refuses malformed ids', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (b) => {
        assert.deepEqual(decodeId(encodeId(b)), b);
      }),
      { numRuns: 200 }
    );
    assert.throws(() => decodeId('ABC'), RangeError);
  });

  it('puts an id made for bucket i in bucket i', () => {
    fc.assert(
      fc.property(
        idArb,
        fc.integer({ min: 0, max: 159 }),
        fc.uint8Array({ minLength: 20, maxLength: 20 }),
        (self, i, noise) => {
          const s = decodeId(self);
          assert.equal(bucketIndex(s, idInBucket(s, i, noise)), i);
        }
      ),
      { numRuns: 200 }
    );
  });
});

describe('routing table', () => {
  it('keeps at most k per bucket and reports the oldest when full', () => {
    const self = decodeId(encodeId(new Uint8Array(20)));
    const table = new RoutingTable(encodeId(self), 2);
    const noise = (n: number) => new Uint8Array(20).fill(n);
    const ids = [1, 2, 3].map((n) => encodeId(idInBucket(self, 0, noise(n))));
    assert.equal(table.observe({ id: ids[0]!, address: 'a' }, 1).status, 'added');
    assert.equal(table.observe({ id: ids[1]!, address: 'b' }, 2).status, 'added');
    assert.deepEqual(table.observe({ id: ids[2]!, address: 'c' }, 3), {
      status: 'full',
      oldest: { id: ids[0], address: 'a' }
    });
    assert.equal(table.observe({ id: ids[0]!, address: 'a2' }, 4).status, 'updated');
    assert.equal(table.get(ids[0]!)?.address, 'a2');
    assert.equal(table.observe({ id: encodeId(self), address: 'me' }, 5).status, 'self');
    assert.ok(table.remove(ids[1]!));
    assert.equal(table.size, 1);
    assert.deepEqual(table.staleBuckets(4), []);
    assert.deepEqual(table.staleBuckets(5), [0]);
  });

  it('returns the true closest contacts, closest first', () => {
    fc.assert(
      fc.property(
        idArb,
        fc.uniqueArray(idArb, { minLength: 1, maxLength: 60 }),
        idArb,
        (self, ids, target) => {
          const table = new RoutingTable(self, 20);
          for (const id of ids) table.observe({ id, address: id.slice(0, 4) }, 0);
          const got = table.closest(target, 5).map((c) => c.id);
          const t = decodeId(target);
          const all = table.contacts().map((c) => c.id);
          const want = all
            .sort((a, b) => compareDistance(distance(decodeId(a), t), distance(decodeId(b), t)))
            .slice(0, 5);
          assert.deepEqual(got, want);
        }
      ),
      { numRuns: 100 }
    );
  });
});
