// The customer's meter history on a real LMDB file: what is saved comes back after a reopen and
// answers the same figures; pruning removes the old rows on disk too, and the series loses its
// origin; the restored meter integrates on from the last sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbStore } from '../store/index.js';
import { cumulativeAt, record, type Series } from '../../machines/payment/history.js';
import { historyStore, usageOf } from './meter-history.js';

test('history survives a reopen; pruned rows leave the disk', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bitdust-history-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'db');
  // 2^40 bytes held for a while, then changes every 10 s; byte-ms beyond 2^53.
  let s: Series = [];
  let byteMs = 0n;
  let bytes = 0;
  let at = 0;
  for (let i = 0; i < 50; i++) {
    byteMs += BigInt(bytes) * 10_000n;
    at = i * 10_000;
    bytes = 2 ** 40 + i * 1_000;
    s = record(s, at, bytes, byteMs, 1_000, true);
  }
  const history = new Map([['sup', s]]);

  let root = openLmdbStore({ path });
  await historyStore(root.sub('pending')).save(history, -Infinity);
  await root.close();
  root = openLmdbStore({ path });
  let back = await historyStore(root.sub('pending')).load();
  assert.equal(back.get('sup')!.length, 50);
  for (const q of [0, 5_000, 123_456, 490_000, 900_000]) {
    assert.deepEqual(cumulativeAt(back.get('sup')!, q), cumulativeAt(s, q));
  }
  assert.equal(back.get('sup')![0]!.origin, true);
  const u = usageOf(back.get('sup')!)!;
  assert.deepEqual([u.bytes, u.since, u.byteMs], [bytes, at, byteMs]);

  // Prune to 300,000: the sample in force then and the later ones stay.
  const store = historyStore(root.sub('pending'));
  const again = await store.load();
  await store.save(again, 300_000);
  await root.close();
  root = openLmdbStore({ path });
  t.after(() => root.close());
  back = await historyStore(root.sub('pending')).load();
  const p = back.get('sup')!;
  assert.equal(p.length, 20);
  assert.equal(p[0]!.at, 300_000);
  assert.equal(p[0]!.origin, undefined);
  assert.equal(cumulativeAt(p, 299_999), undefined);
  assert.deepEqual(cumulativeAt(p, 400_000), cumulativeAt(s, 400_000));
  assert.equal((await root.sub('pending').range({ prefix: 'h/' })).length, 20);

  // A supplier that holds nothing for us since before the horizon leaves no row behind.
  const later = historyStore(root.sub('pending'));
  const emptied = await later.load();
  const sup = emptied.get('sup')!;
  const last = sup[sup.length - 1]!;
  emptied.set(
    'sup',
    record(sup, 600_000, 0, last.byteMs + BigInt(last.bytes) * BigInt(600_000 - last.at), 1_000)
  );
  await later.save(emptied, 500_000);
  assert.equal(
    (await root.sub('pending').range({ prefix: 'h/' })).length,
    2,
    'the sample in force at the horizon and the last, within it'
  );
  await later.save(emptied, 700_000);
  assert.equal(emptied.has('sup'), false);
  assert.deepEqual(await root.sub('pending').range({ prefix: 'h/' }), []);
});
