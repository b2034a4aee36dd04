// The dispute rule: a figure within the margin either way is re-billed, one further apart (or a
// dispute of a correction) ends service; the customer's figure is exactly its metered usage over
// the period; a corrected amount swaps the storage charge and stays in range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { correctedAmount, DISPUTE_MARGIN_PPM, meteredOver, resolveDispute } from './dispute.js';
import { record, type Series } from './history.js';
import { MAX_AMOUNT, storageCharge } from './units.js';

test('within the margin either way is corrected, beyond it or for a correction is dropped', () => {
  assert.equal(resolveDispute(1_000n, 900n, false).kind, 'correct');
  assert.equal(resolveDispute(1_000n, 1_100n, false).kind, 'correct');
  assert.equal(resolveDispute(1_000n, 899n, false).kind, 'drop');
  assert.equal(resolveDispute(1_000n, 1_101n, false).kind, 'drop');
  assert.equal(resolveDispute(1_000n, 0n, false).kind, 'drop');
  assert.equal(resolveDispute(0n, 0n, false).kind, 'correct');
  assert.equal(resolveDispute(1_000n, 1_000n, true).kind, 'drop', 'a correction is final');
  assert.match(resolveDispute(1_000n, 10n, false).reason, /claims 10 byte-ms, billed 1000/);
  fc.assert(
    fc.property(
      fc.bigInt({ min: 1n, max: 10n ** 30n }),
      fc.bigInt({ min: 0n, max: 10n ** 30n }),
      (b, x) => {
        const gap = b > x ? b - x : x - b;
        const inside = gap * 1_000_000n <= b * DISPUTE_MARGIN_PPM;
        const d = resolveDispute(b, x, false);
        assert.equal(d.kind, inside ? 'correct' : 'drop');
        assert.equal(d.claimed, x);
      }
    )
  );
});

test("the customer's figure is its metered byte-ms over exactly the period", () => {
  let h: Series = [];
  h = record(h, 1_000, 10, 0n, 1, true);
  h = record(h, 5_000, 30, 40_000n, 1, true);
  // [2000, 7000): 10 B for 3 s then 30 B for 2 s.
  assert.equal(meteredOver(h, 2_000, 7_000), 30_000n + 60_000n);
  // A period that begins before the history: what it saw from its first sample on.
  assert.equal(meteredOver(h, 0, 5_000), 40_000n);
  assert.equal(meteredOver([], 0, 5_000), 0n);
  assert.equal(meteredOver(h, 0, 500), 0n, 'nothing seen before the period ended');
});

test('a corrected amount swaps the storage charge and stays in range', () => {
  const GBh = 3_600_000_000_000_000n;
  assert.equal(correctedAmount(2_000, 2n * GBh, GBh, 1_000), 1_000);
  assert.equal(correctedAmount(2_050, 2n * GBh, GBh, 1_000), 1_050, 'transfer kept');
  assert.equal(correctedAmount(10, 2n * GBh, 0n, 1_000), 0);
  assert.equal(correctedAmount(MAX_AMOUNT, 0n, 10n ** 30n, 1_000), MAX_AMOUNT);
  fc.assert(
    fc.property(fc.nat(10 ** 9), fc.bigInt({ min: 0n, max: 10n ** 22n }), (a, x) => {
      const billed = 10n ** 21n;
      const got = correctedAmount(a, billed, x, 1_000);
      const want = BigInt(a) - storageCharge(billed, 1_000) + storageCharge(x, 1_000);
      assert.equal(BigInt(got), want < 0n ? 0n : want);
    })
  );
});
