// The supplier's bill store on a real LMDB file: what is written comes back after the store is
// closed and reopened (bigints beyond 2^53 included), and old settled invoices are pruned on load
// while open ones, however old, are kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLmdbStore } from '../store/index.js';
import { keysFromSeed } from '../ledger/fixtures.js';
import { idOf, signInvoice } from '../ledger/index.js';
import type { Invoice } from '../../machines/payment/records.js';
import { billStore, type Billed, type BillStatus } from './bills.js';

const supplier = keysFromSeed(7, 0);
const customer = keysFromSeed(7, 1);
const DAY = 86_400_000;

function billed(n: number, status: BillStatus): Billed {
  const invoice: Invoice = {
    v: 1,
    id: `inv-${n}`,
    contractId: 'k1',
    supplier: idOf(supplier),
    customer: idOf(customer),
    periodStart: n * DAY,
    periodEnd: (n + 1) * DAY,
    storedByteMs: (2n ** 60n + BigInt(n)).toString(),
    transferBytes: n,
    amount: 1_000 + n,
    issuedAt: (n + 1) * DAY
  };
  return { invoice: signInvoice(supplier, invoice), status };
}

test('bills survive a reopen; old settled invoices are pruned, open ones kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bitdust-bills-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'db');
  const cust = idOf(customer);
  const totals = { charged: 2n ** 62n, byteMs: 2n ** 70n + 3n, transferBytes: 5n };
  const debt = { customer: cust, owed: 2_001n, overSince: 3 * DAY };

  let root = openLmdbStore({ path });
  let kv = root.sub('bills');
  const disk = billStore(kv);
  await disk.issued(billed(0, 'sent'), totals, debt);
  await disk.issued(billed(1, 'sent'), totals, debt);
  await disk.issued(billed(2, 'sent'), totals, debt);
  await disk.changed(billed(0, 'paid'), totals, debt);
  await disk.changed(billed(1, 'disputed'), undefined, undefined);
  const usage = { bytes: 4096, since: 2 * DAY, byteMs: 2n ** 64n, transferBytes: 9n };
  await disk.meter([[cust, usage]]);
  await root.close();

  root = openLmdbStore({ path });
  t.after(() => root.close());
  kv = root.sub('bills');
  // Prune before day 2: invoice 0 (paid, issued day 1) goes; invoice 1 (disputed, day 2) and
  // invoice 2 (sent, day 3) stay.
  const saved = await billStore(kv).load(2 * DAY);
  assert.deepEqual([...saved.invoices.keys()].sort(), ['inv-1', 'inv-2']);
  assert.equal(saved.invoices.get('inv-1')!.status, 'disputed');
  const back = saved.invoices.get('inv-2')!.invoice;
  const want = billed(2, 'sent').invoice;
  assert.deepEqual(back.invoice, want.invoice);
  assert.ok(Buffer.from(back.sig).equals(Buffer.from(want.sig)), 'signature bytes kept');
  assert.ok(Buffer.from(back.supplierKey).equals(Buffer.from(want.supplierKey)));
  assert.deepEqual(saved.totals.get(cust), totals);
  assert.equal(saved.overSince.get(cust), 3 * DAY);
  assert.deepEqual(saved.meter.get(cust), usage);
  assert.equal(await kv.get('i/inv-0'), undefined, 'the pruned row is gone from disk');

  // Without a store every call is a no-op and load is empty (the simulation's case).
  const none = billStore(undefined);
  await none.issued(billed(3, 'sent'), totals, debt);
  assert.equal((await none.load()).invoices.size, 0);
});
