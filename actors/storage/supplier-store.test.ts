// Supplier side on real LMDB: service by quota and policy, durable puts with accounting, reads
// verified against the hash (corrupt shards reported, never served), list, summary, delete, and
// the whole command set over the router on the memory network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock } from '../clock.js';
import { openLmdbStore, type KvStore } from '../store/index.js';
import { routerNet, testId } from '../router/fixtures.js';
import { shardKey } from '../../machines/storage/keys.js';

import { checkProof } from './audit-proof.js';
import { merkleRoot, shardHash } from './merkle.js';
import {
  diskFull,
  openSupplierStore,
  SUPPLIER_FORMAT,
  type SupplierPolicy
} from './supplier-store.js';
import { serveStorage } from './supplier-service.js';
import { alterStoredPieces, IoGate, pump } from './test-kit.js';
import { encodeServiceRequest, packPiece, unpackPiece } from './wire.js';

const policy: SupplierPolicy = { capacityBytes: 10_000, maxCustomerBytes: 6_000 };
const req = (neededBytes: number) => ({
  v: 1 as const,
  neededBytes,
  position: 0,
  profile: 'rs/4+2'
});

async function setup(t: { after: (fn: () => unknown) => void }, p = policy) {
  const dir = mkdtempSync(join(tmpdir(), 'bd-supplier-'));
  const store: KvStore = openLmdbStore({ path: dir });
  t.after(async () => {
    await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = new TestClock(1000);
  const corrupt: string[] = [];
  const supplier = await openSupplierStore({
    store,
    clock,
    policy: p,
    onCorrupt: (c, k) => corrupt.push(`${c}:${k}`)
  });
  return { dir, store, clock, supplier, corrupt };
}

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

test('service is granted within quota and capacity, refused beyond or by policy', async (t) => {
  const refuse = (c: string) => (c === 'mallory' ? 'not on the allow list' : undefined);
  const { supplier } = await setup(t, { ...policy, refuse });
  await assert.rejects(supplier.requestService('mallory', req(1)), { code: 'ERR_STORAGE_REFUSED' });
  await assert.rejects(supplier.requestService('alice', req(6_001)), { code: 'ERR_STORAGE_QUOTA' });
  assert.equal((await supplier.requestService('alice', req(6_000))).grantedBytes, 6_000);
  await assert.rejects(supplier.requestService('bob', req(4_001)), { code: 'ERR_STORAGE_QUOTA' });
  await supplier.requestService('bob', req(4_000));
  await assert.rejects(
    supplier.put('carol', 'b/00000000/000', shardHash(bytes(1, 1)), bytes(1, 1)),
    {
      code: 'ERR_STORAGE_NO_SERVICE'
    }
  );
});

test('puts are durable and accounted; reads verify; overwrites and deletes adjust', async (t) => {
  const { supplier, store, clock, dir } = await setup(t);
  await supplier.requestService('alice', req(5_000));
  const k0 = shardKey('b1', 0, 0);
  const k1 = shardKey('b1', 1, 0);
  await supplier.put('alice', k0, shardHash(bytes(1000, 1)), bytes(1000, 1));
  clock.increment(50);
  await supplier.put('alice', k1, shardHash(bytes(2000, 2)), bytes(2000, 2));
  await assert.rejects(supplier.put('alice', k1, shardHash(bytes(9, 9)), bytes(2000, 2)), {
    code: 'ERR_STORAGE_HASH_MISMATCH'
  });
  await assert.rejects(
    supplier.put('alice', shardKey('b1', 2, 0), shardHash(bytes(2001, 3)), bytes(2001, 3)),
    {
      code: 'ERR_STORAGE_QUOTA'
    }
  );
  await supplier.put('alice', k1, shardHash(bytes(500, 4)), bytes(500, 4));
  assert.deepEqual(
    { used: supplier.account('alice')?.usedBytes, n: supplier.account('alice')?.shards },
    { used: 1500, n: 2 }
  );
  assert.equal(supplier.account('alice')?.lastActivity, 1050);
  assert.deepEqual((await supplier.get('alice', k1)).shard, bytes(500, 4));
  await assert.rejects(supplier.get('alice', shardKey('b9', 0, 0)), {
    code: 'ERR_STORAGE_NOT_FOUND'
  });
  assert.deepEqual(await supplier.listFiles('alice', 'b1/', 1), {
    files: [{ key: k0, size: 1000 }],
    more: true
  });
  assert.deepEqual([...(await supplier.summary('alice')).get('b1')!.keys()], [0, 1]);
  await supplier.delete('alice', [k0, 'b1/00000007/000']);
  assert.equal(supplier.account('alice')?.usedBytes, 500);

  // What a reopened store sees is what was acknowledged.
  await store.close();
  const again = openLmdbStore({ path: dir });
  const reopened = await openSupplierStore({ store: again, clock, policy });
  assert.equal(reopened.account('alice')?.usedBytes, 500);
  assert.deepEqual((await reopened.get('alice', k1)).shard, bytes(500, 4));
  await again.close();
});

test('a shard corrupted at rest is reported and removed, never served', async (t) => {
  const { supplier, store, corrupt } = await setup(t);
  await supplier.requestService('alice', req(5_000));
  const key = shardKey('b1', 0, 3);
  await supplier.put('alice', key, shardHash(bytes(100, 1)), bytes(100, 1));
  const altered = await alterStoredPieces(store, `alice/${key}`, (piece) => {
    piece[32 + 7]! ^= 0xff;
    return piece;
  });
  assert.equal(altered, 1);
  await assert.rejects(supplier.get('alice', key), { code: 'ERR_STORAGE_CORRUPT' });
  assert.deepEqual(corrupt, [`alice:${key}`]);
  assert.equal(supplier.corrupt, 1);
  await assert.rejects(supplier.get('alice', key), { code: 'ERR_STORAGE_NOT_FOUND' });
  assert.equal(supplier.account('alice')?.usedBytes, 0);
});

test('dropping a customer with a reason refuses it later', async (t) => {
  const { supplier } = await setup(t);
  await supplier.requestService('alice', req(5_000));
  await supplier.put('alice', shardKey('b1', 0, 0), shardHash(bytes(10, 1)), bytes(10, 1));
  await supplier.dropCustomer('alice', 'idle: 15 days');
  assert.equal(supplier.account('alice'), undefined);
  assert.equal(supplier.usedBytes(), 0);
  await assert.rejects(supplier.requestService('alice', req(1)), /idle: 15 days/);
});

test('the storage commands over the router, with audit proofs', async (t) => {
  const { supplier } = await setup(t, { capacityBytes: 1e6, maxCustomerBytes: 1e6 });
  const { clock, routers } = routerNet(['cust', 'supp']);
  const cust = routers.get('cust')!;
  const supp = routers.get('supp')!;
  const gate = new IoGate();
  serveStorage(supp, gate.wrap(supplier));
  const to = testId('supp');
  const run = <T>(p: Promise<T>): Promise<T> => pump(clock, gate, p, { stepMs: 1, maxSteps: 5000 });
  const payload = encodeServiceRequest(req(100_000));
  const accepted = await run(
    cust.request(to, 'cmd.request-service', { v: 1, service: 'storage', payload })
  );
  assert.equal(accepted.type, 'cmd.ack');
  const other = await run(
    cust.request(to, 'cmd.request-service', { v: 1, service: 'proxy', payload })
  );
  assert.equal(other.type === 'cmd.fail' && other.body.code, 'ERR_ROUTER_NO_SERVICE');

  const shard = Uint8Array.from({ length: 40_000 }, (_, i) => (i * 7) & 255);
  const key = shardKey('b1', 0, 2);
  const stored = await run(cust.request(to, 'cmd.data', { v: 1, key, data: packPiece(shard) }));
  assert.deepEqual(stored.type === 'cmd.ack' && stored.body.note, 'durable');
  const bad = packPiece(shard);
  bad[40]! ^= 1;
  const refused = await run(cust.request(to, 'cmd.data', { v: 1, key, data: bad }));
  assert.equal(refused.type === 'cmd.fail' && refused.body.code, 'ERR_STORAGE_HASH_MISMATCH');

  const back = await run(cust.request(to, 'cmd.retrieve', { v: 1, key }));
  assert.equal(back.type, 'cmd.data');
  if (back.type === 'cmd.data') assert.deepEqual(unpackPiece(back.body.data).shard, shard);
  const challenge = { backupId: 'b1', block: 0, position: 2, leaves: [1], nonce: bytes(16, 9) };
  const audit = await run(cust.request(to, 'cmd.audit', { v: 1, ...challenge }));
  assert.equal(audit.type, 'cmd.proof');
  if (audit.type === 'cmd.proof') {
    assert.deepEqual(checkProof(challenge, audit.body, merkleRoot(shard), 3), { ok: true });
  }
  const files = await run(cust.request(to, 'cmd.list-files', { v: 1, prefix: 'b1/', limit: 10 }));
  assert.deepEqual(files.type === 'cmd.files' && files.body.files, [{ key, size: 40_000 }]);
  const gone = await run(cust.request(to, 'cmd.delete', { v: 1, keys: [key] }));
  assert.equal(gone.type, 'cmd.ack');
  const missing = await run(cust.request(to, 'cmd.retrieve', { v: 1, key }));
  assert.equal(missing.type === 'cmd.fail' && missing.body.code, 'ERR_STORAGE_NOT_FOUND');
  cust.stop();
  supp.stop();
});

test('a full disk refuses the shard as ERR_STORAGE_QUOTA (over the router too), nothing counted', async (t) => {
  const { store, clock } = await setup(t);
  // The LMDB store with its writes failing the way a full disk makes them fail.
  let full = false;
  const failing = new Proxy(store, {
    get: (target, prop) => {
      if (prop === 'batch' && full) {
        return () =>
          Promise.reject(
            Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
          );
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    }
  });
  const supplier = await openSupplierStore({
    store: failing,
    clock,
    policy: { capacityBytes: 1e6, maxCustomerBytes: 1e6 }
  });
  const { clock: netClock, routers } = routerNet(['cust', 'supp']);
  const gate = new IoGate();
  serveStorage(routers.get('supp')!, gate.wrap(supplier));
  t.after(() => routers.forEach((r) => r.stop()));
  const run = <T>(p: Promise<T>): Promise<T> =>
    pump(netClock, gate, p, { stepMs: 1, maxSteps: 5000 });
  await supplier.requestService(testId('cust'), req(100_000));
  full = true;
  const key = shardKey('b1', 0, 0);
  await assert.rejects(supplier.put(testId('cust'), key, shardHash(bytes(10, 1)), bytes(10, 1)), {
    code: 'ERR_STORAGE_QUOTA',
    message: /supplier disk full \(ENOSPC/
  });
  assert.equal(supplier.account(testId('cust'))?.usedBytes, 0);
  const reply = await run(
    routers
      .get('cust')!
      .request(testId('supp'), 'cmd.data', { v: 1, key, data: packPiece(bytes(10, 2)) })
  );
  assert.equal(reply.type === 'cmd.fail' && reply.body.code, 'ERR_STORAGE_QUOTA');
  // Any other write failure stays what it is.
  full = false;
  const other = Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
  assert.equal(diskFull(other), undefined);
  assert.equal(
    diskFull(new Error('MDB_MAP_FULL: Environment mapsize limit reached'))?.code,
    'ERR_STORAGE_QUOTA'
  );
});

test('a store of shard format 1 is refused at open and left as it is', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bd-supplier-old-'));
  const store: KvStore = openLmdbStore({ path: dir });
  t.after(async () => {
    await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = new TestClock(1000);
  // Format 1 kept `{ h, d, t }` per shard and no format key.
  const old = { h: new Uint8Array(32), d: bytes(10, 1), t: 1 };
  await store.sub('shards').put('alice/b1/00000000/000', old, { durable: true });
  await assert.rejects(openSupplierStore({ store, clock, policy }), {
    code: 'ERR_STORAGE_FORMAT',
    message: /format 1/
  });
  assert.deepEqual(await store.sub('shards').get('alice/b1/00000000/000'), old);
  assert.equal(await store.get('format'), undefined);

  const fresh = openLmdbStore({ path: join(dir, 'fresh') });
  t.after(() => fresh.close());
  await openSupplierStore({ store: fresh, clock, policy });
  assert.equal(await fresh.get('format'), SUPPLIER_FORMAT);
  await openSupplierStore({ store: fresh, clock, policy });
});
