// End to end on the memory network: a customer backs up a few MiB of mixed files with 4+2 over 6
// suppliers (each a real LMDB store, shards through the real WASM coder and the router), two
// suppliers crash, and every file restores byte-identical; a third crash makes a restore fail
// with the lost blocks named and nothing written; an interrupted backup resumes without re-sending
// staged blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { routerNet, testId } from '../actors/router/fixtures.js';
import { createRandom } from '../actors/random.js';
import { generateDataKey } from '../actors/storage/block-crypto.js';
import { Catalog } from '../actors/storage/catalog.js';
import { StorageClient } from '../actors/storage/customer-client.js';
import { runBackup, runRestore, type JobContext } from '../actors/storage/jobs.js';
import { openSupplierStore, type SupplierStore } from '../actors/storage/supplier-store.js';
import { serveStorage } from '../actors/storage/supplier-service.js';
import { IoGate, pump, tempStores } from '../actors/storage/test-kit.js';

const MiB = 1024 * 1024;
const names = ['s0', 's1', 's2', 's3', 's4', 's5'];
const address = (name: string) => `mem-${testId(name).slice(0, 6)}`;

async function devnet(t: { after: (fn: () => unknown) => void }) {
  const temp = tempStores('bd-e2e-');
  t.after(() => temp.cleanup());
  const { clock, network, routers } = routerNet(['cust', ...names], { seed: 7 });
  const gate = new IoGate();
  const suppliers = new Map<string, SupplierStore>();
  for (const name of names) {
    const store = await openSupplierStore({
      store: temp.open(name),
      clock,
      policy: { capacityBytes: 64 * MiB, maxCustomerBytes: 32 * MiB }
    });
    suppliers.set(name, store);
    serveStorage(routers.get(name)!, gate.wrap(store));
  }
  t.after(() => routers.forEach((r) => r.stop()));
  const client = new StorageClient(routers.get('cust')!);
  const ctx: JobContext = {
    client,
    catalog: new Catalog(temp.open('customer').sub('catalog')),
    dataKey: generateDataKey(),
    suppliers: names.map(testId),
    clock
  };
  const run = <T>(p: Promise<T>) => pump(clock, gate, p);
  for (const [position, id] of ctx.suppliers.entries()) {
    const req = { v: 1 as const, neededBytes: 16 * MiB, position, profile: 'rs/4+2' };
    await run(client.requestService(id!, req));
  }
  const src = join(temp.dir, 'src');
  const out = join(temp.dir, 'out');
  mkdirSync(src);
  mkdirSync(out);
  return { ctx, run, network, suppliers, src, out };
}

function mixedFiles(dir: string): Map<string, Buffer> {
  const random = createRandom(42);
  const noise = (n: number) => Buffer.from(Uint8Array.from({ length: n }, () => random.int(256)));
  const files = new Map<string, Buffer>([
    ['empty', Buffer.alloc(0)],
    ['one-byte', Buffer.from([7])],
    ['text.txt', Buffer.from('BitDust keeps your files. '.repeat(4000))],
    ['random.bin', noise(3 * MiB + 12_345)],
    ['zeros.img', Buffer.alloc(2 * MiB)]
  ]);
  for (const [name, data] of files) writeFileSync(join(dir, name), data);
  return files;
}

test('4+2 over 6 suppliers: back up mixed files, crash 2 suppliers, restore byte-identical', async (t) => {
  const { ctx, run, network, suppliers, src, out } = await devnet(t);
  const files = mixedFiles(src);
  let n = 0;
  for (const name of files.keys()) {
    const result = await run(
      runBackup({
        ...ctx,
        path: `/src/${name}`,
        backupId: `b${n++}`,
        source: () => createReadStream(join(src, name), { highWaterMark: 256 * 1024 }),
        mtimeMs: 0,
        k: 4,
        m: 2,
        blockSize: MiB
      })
    );
    assert.deepEqual(result, { ok: true, version: 1, pruned: [] });
  }
  // Every supplier holds one shard of every block: position i of each.
  const blocks = (await ctx.catalog.allVersions()).reduce((s, v) => s + v.blockCount, 0);
  for (const [name, store] of suppliers) {
    assert.equal(store.account(testId('cust'))?.shards, blocks, name);
  }

  network.crash(address('s1'));
  network.crash(address('s4'));
  for (const [name, data] of files) {
    const target = join(out, name);
    const result = await run(runRestore({ ...ctx, path: `/src/${name}`, target }));
    assert.deepEqual(result, { ok: true, blocks: Math.max(1, Math.ceil(data.length / MiB)) });
    assert.ok(readFileSync(target).equals(data), name);
  }

  // A third loss is beyond what 4+2 tolerates: every block is named, nothing is written.
  network.crash(address('s0'));
  const target = join(out, 'lost.bin');
  const lost = await run(runRestore({ ...ctx, path: '/src/random.bin', target }));
  assert.deepEqual(lost, {
    ok: false,
    code: 'ERR_STORAGE_UNRECOVERABLE',
    message:
      'ERR_STORAGE_UNRECOVERABLE: blocks 0, 1, 2, 3 cannot be recovered: /src/random.bin version 1',
    lost: [0, 1, 2, 3]
  });
  assert.equal(existsSync(target), false);
});

test('an interrupted backup resumes without re-sending what suppliers acknowledged', async (t) => {
  const { ctx, run, suppliers, src, out } = await devnet(t);
  const data = Buffer.from(Uint8Array.from({ length: 5 * MiB }, (_, i) => (i * 13) & 255));
  writeFileSync(join(src, 'big'), data);
  const job = {
    ...ctx,
    path: '/src/big',
    backupId: 'big1',
    mtimeMs: 0,
    k: 4,
    m: 2,
    blockSize: MiB
  };
  async function* failingAfter(bytes: number) {
    let sent = 0;
    for await (const chunk of createReadStream(join(src, 'big'))) {
      if (sent >= bytes) throw Object.assign(new Error('disk read error'), { code: 'EIO' });
      sent += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
  const first = await run(runBackup({ ...job, source: () => failingAfter(2 * MiB + 1) }));
  assert.equal(first.ok, false);
  assert.equal(first.ok === false && first.code, 'EIO');
  assert.deepEqual(
    (await ctx.catalog.stagedBlocks('big1')).map((b) => b.index),
    [0, 1]
  );
  const before = suppliers.get('s0')!.account(testId('cust'))!.shards;
  const second = await run(runBackup({ ...job, source: () => createReadStream(join(src, 'big')) }));
  assert.deepEqual(second, { ok: true, version: 1, pruned: [] });
  assert.equal(suppliers.get('s0')!.account(testId('cust'))!.shards - before, 3);
  const target = join(out, 'big');
  assert.deepEqual(await run(runRestore({ ...ctx, path: '/src/big', target })), {
    ok: true,
    blocks: 5
  });
  assert.ok(readFileSync(target).equals(data));
});
