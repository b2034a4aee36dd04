// Shard keys and audit keys: round trips, bounds, order, and refusal of anything else.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseShardKey, shardKey, STORAGE_LIMITS, summarize } from './keys.js';

const backupIdArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,63}$/);
const blockArb = fc.integer({ min: 0, max: STORAGE_LIMITS.maxBlocks });
const positionArb = fc.integer({ min: 0, max: STORAGE_LIMITS.maxPositions - 1 });

describe('storage keys', () => {
  it('formats fixed-width numbers', () => {
    assert.equal(shardKey('b1', 1, 2), 'b1/00000001/002');
    assert.equal(shardKey('x', 99_999_999, 255), 'x/99999999/255');
    assert.deepEqual(parseShardKey('b1/00000001/002'), { backupId: 'b1', block: 1, position: 2 });
  });

  it('limits: 256 positions, 960 KiB shards, 8-digit blocks', () => {
    assert.equal(STORAGE_LIMITS.maxPositions, 256);
    assert.equal(STORAGE_LIMITS.maxShardBytes, 983_040);
    assert.equal(String(STORAGE_LIMITS.maxBlocks).length, 8);
  });

  it('refuses out-of-bounds and malformed shard keys', () => {
    for (const bad of [
      'b1/00000001/256',
      'b1/00000001/999',
      shardKey('b1', STORAGE_LIMITS.maxBlocks + 1, 0),
      shardKey('b1', -1, 0),
      shardKey('b1', 0, 1000),
      'B1/00000001/002',
      '-b/00000001/002',
      '/00000001/002',
      `${'a'.repeat(65)}/00000001/002`,
      'b1/0000001/002',
      'b1/00000001/02',
      'b1/00000001/002/',
      'b1/00000001/002\n',
      ' b1/00000001/002',
      'b1/00000001',
      'b_1/00000001/002',
      'b1/0000000x/002',
      'b1/00000001/002#3',
      '../00000001/002',
      ''
    ]) {
      assert.equal(parseShardKey(bad), undefined, bad);
    }
    assert.ok(parseShardKey(`${'a'.repeat(64)}/00000001/002`));
  });

  it('property: every valid address round-trips', () => {
    fc.assert(
      fc.property(backupIdArb, blockArb, positionArb, (backupId, block, position) => {
        const key = shardKey(backupId, block, position);
        assert.deepEqual(parseShardKey(key), { backupId, block, position });
      }),
      { numRuns: 300 }
    );
  });

  it('property: any string parses only if it is the canonical key of what it parses to', () => {
    const near = fc
      .tuple(
        fc.string({ maxLength: 6 }),
        fc.stringMatching(/^\d{0,9}$/),
        fc.stringMatching(/^\d{0,4}$/)
      )
      .map(([a, b, c]) => `${a}/${b}/${c}`);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 30 }), near), (s) => {
        const a = parseShardKey(s);
        if (a === undefined) return;
        assert.equal(shardKey(a.backupId, a.block, a.position), s);
        assert.ok(a.position < STORAGE_LIMITS.maxPositions);
        assert.ok(a.block <= STORAGE_LIMITS.maxBlocks);
      }),
      { numRuns: 500 }
    );
  });

  it('property: within a backup, key order is block then position order', () => {
    fc.assert(
      fc.property(
        backupIdArb,
        blockArb,
        positionArb,
        blockArb,
        positionArb,
        (id, b1, p1, b2, p2) => {
          const k1 = shardKey(id, b1, p1);
          const k2 = shardKey(id, b2, p2);
          const lex = k1 < k2 ? -1 : k1 > k2 ? 1 : 0;
          const tuple = Math.sign(b1 - b2) || Math.sign(p1 - p2);
          assert.equal(lex, tuple);
        }
      ),
      { numRuns: 300 }
    );
  });

  it('summarize groups by backup, block and position and skips non-shard keys', () => {
    const s = summarize([
      shardKey('a', 0, 0),
      shardKey('a', 0, 2),
      shardKey('a', 0, 2),
      shardKey('a', 5, 1),
      shardKey('b', 0, 7),
      `${shardKey('a', 9, 9)}#1`,
      'garbage',
      'a/00000001/300'
    ]);
    assert.deepEqual(
      [...s].map(([id, blocks]) => [id, [...blocks].map(([b, ps]) => [b, [...ps].sort()])]),
      [
        [
          'a',
          [
            [0, [0, 2]],
            [5, [1]]
          ]
        ],
        ['b', [[0, [7]]]]
      ]
    );
    assert.equal(summarize([]).size, 0);
  });
});
