// Storage faults on a devnet of real nodes: suppliers that corrupt, withhold or forge shards are caught by
// audits and replaced, a restore never returns wrong bytes and names the blocks lost beyond the
// tolerance; `--from-key` restore into a fresh data dir; bad input (unreadable and vanishing files,
// a supplier whose disk fills up, restoring onto an existing file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, type AnyActorRef } from 'xstate';
import { exportIdentity, importIdentity, saveIdentity } from '../actors/identity/identity.js';
import { MIN_LIMITS } from '../actors/identity/keystore.js';
import { backupTree, restoreTree } from '../actors/storage/customer-files.js';
import { shardHash } from '../actors/storage/merkle.js';
import { alterStoredPieces } from '../actors/storage/test-kit.js';
import { storageDevnet, type StorageDevnet } from './support/storage-devnet.js';
import { diffTrees, makeTree, seededBytes } from './support/storage-data.js';

const MiB = 1024 * 1024;

/** Rewrites (or removes) every shard supplier `i` holds for the customer under `prefix`. */
async function tamper(
  net: StorageDevnet,
  supplierId: string,
  prefix: string,
  how: 'flip' | 'drop' | 'forge'
) {
  const i = net.suppliers.findIndex((s) => s.id === supplierId);
  const store = net.suppliers[i]!.store()!.sub('supplier');
  return alterStoredPieces(store, `${net.customerNode.id}/${prefix}`, (piece) => {
    if (how === 'drop') return null;
    const d = piece.subarray(32);
    // A forger alters every 16 KiB chunk, so any challenge hits altered data.
    if (how === 'forge') for (let i = 0; i < d.length; i += 16 * 1024) d[i]! ^= 0x40;
    else d[d.length >> 1]! ^= 0x40;
    // forge: the supplier's own hash made to match, so only the Merkle proof can tell.
    if (how === 'forge') piece.set(shardHash(d));
    return piece;
  });
}

test(
  'corrupting and withholding suppliers: caught by audits and replaced; no wrong bytes',
  { timeout: 120_000 },
  async (t) => {
    const net = await storageDevnet({ suppliers: 9, k: 4, m: 2, customer: { auditFailLimit: 2 } });
    t.after(() => net.stop());
    const seats = await net.ready({ rebuilt: true });
    const src = join(net.base, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a.bin'), seededBytes(1, 'a', 2 * MiB));
    writeFileSync(join(src, 'b.bin'), seededBytes(1, 'b', MiB));
    const c = net.customer();
    assert.equal((await backupTree(c, src)).files, 2);
    const bOf = (await c.catalog.version(join(src, 'b.bin'))).backupId;
    assert.ok((await tamper(net, seats[1]!.supplierId!, '', 'flip')) > 0);
    assert.ok((await tamper(net, seats[3]!.supplierId!, '', 'drop')) > 0);
    // A third bad position for b only: beyond what 4+2 tolerates.
    await tamper(net, seats[5]!.supplierId!, `${bOf}/`, 'flip');
    const out = join(net.base, 'out');
    const r1 = await restoreTree(c, { path: src, into: out });
    assert.equal(
      readFileSync(join(out, 'src', 'a.bin')).equals(seededBytes(1, 'a', 2 * MiB)),
      true
    );
    assert.equal(r1.failed.length, 1);
    const lost = r1.failed[0]!;
    assert.equal(lost.code, 'ERR_STORAGE_UNRECOVERABLE');
    assert.ok(lost.lost.length > 0 && lost.message.includes(`blocks ${lost.lost.join(', ')}`));
    assert.equal(existsSync(join(out, 'src', 'b.bin')), false);
    // Audits find both liars (and maybe the third, for b); each is fired and replaced in place.
    const audit = net.customerNode.root.system.get('storage.audit') as AnyActorRef;
    const caught = () => [1, 3].every((p) => c.fired().some((f) => f.position === p));
    for (let round = 0; round < 60 && !caught(); round++) {
      const before = audit.getSnapshot().context.rounds as number;
      c.auditNow();
      await waitFor(audit, (s) => s.context.rounds > before && s.value === 'waiting', {
        timeout: 30_000
      });
    }
    const fired = new Map(c.fired().map((f) => [f.position, f]));
    assert.equal(fired.get(1)?.code, 'ERR_STORAGE_AUDIT');
    assert.equal(fired.get(3)?.code, 'ERR_STORAGE_AUDIT');
    const after = await net.ready({ rebuilt: true });
    assert.notEqual(after[1]!.supplierId, seats[1]!.supplierId);
    assert.notEqual(after[3]!.supplierId, seats[3]!.supplierId);
    rmSync(out, { recursive: true });
    const r2 = await restoreTree(c, { path: join(src, 'a.bin'), into: out });
    assert.deepEqual(r2.failed, []);
    assert.equal(readFileSync(join(out, 'a.bin')).equals(seededBytes(1, 'a', 2 * MiB)), true);
  }
);

test(
  'a supplier that answers audits from altered data (its own hashes fixed up) fails the proof and is replaced',
  { timeout: 120_000 },
  async (t) => {
    const net = await storageDevnet({ suppliers: 7, k: 4, m: 2, customer: { auditFailLimit: 2 } });
    t.after(() => net.stop());
    const seats = await net.ready({ rebuilt: true });
    const src = join(net.base, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'f.bin'), seededBytes(2, 'f', MiB));
    const c = net.customer();
    assert.equal((await backupTree(c, src)).files, 1);
    assert.ok((await tamper(net, seats[2]!.supplierId!, '', 'forge')) > 0);
    const audit = net.customerNode.root.system.get('storage.audit') as AnyActorRef;
    for (let round = 0; round < 20 && c.fired().length === 0; round++) {
      const before = audit.getSnapshot().context.rounds as number;
      c.auditNow();
      await waitFor(audit, (s) => s.context.rounds > before && s.value === 'waiting', {
        timeout: 30_000
      });
    }
    assert.deepEqual(
      c.fired().map((f) => [f.position, f.supplierId, f.code]),
      [[2, seats[2]!.supplierId, 'ERR_STORAGE_AUDIT']]
    );
    assert.match(c.fired()[0]!.reason, /does not match the catalog's Merkle root/);
    const after = await net.ready({ rebuilt: true });
    assert.notEqual(after[2]!.supplierId, seats[2]!.supplierId);
    const out = join(net.base, 'out');
    assert.deepEqual((await restoreTree(c, { path: src, into: out })).failed, []);
    assert.equal(readFileSync(join(out, 'src', 'f.bin')).equals(seededBytes(2, 'f', MiB)), true);
  }
);

test(
  '--from-key: a fresh data dir with only the identity export restores everything',
  { timeout: 120_000 },
  async (t) => {
    const net = await storageDevnet({ suppliers: 6, k: 4, m: 2 });
    t.after(() => net.stop());
    await net.ready();
    const src = join(net.base, 'src');
    makeTree(src, 4 * MiB, 11);
    assert.deepEqual((await backupTree(net.customer(), src)).problems, []);
    const exported = await exportIdentity(net.customerNode.identity(), 'correct horse', {
      limits: MIN_LIMITS
    });
    await net.customerNode.stop();
    const fresh = join(net.base, 'fresh');
    mkdirSync(fresh);
    await saveIdentity(fresh, await importIdentity(exported, 'correct horse'), '', {
      allowPlaintext: true,
      limits: MIN_LIMITS
    });
    await net.startCustomer('fresh', { fromKey: true });
    await net.ready();
    const c = net.customer();
    assert.ok((await c.catalog.files()).length > 0);
    const out = join(net.base, 'out');
    const r = await restoreTree(c, { path: src, into: out });
    assert.deepEqual(r.failed, []);
    assert.deepEqual(diffTrees(src, join(out, 'src')), []);
  }
);

test(
  'bad input: unreadable and vanishing files reported, disk-full supplier replaced, no overwrite',
  { timeout: 120_000 },
  async (t) => {
    const policy = { capacityBytes: 64 * MiB, maxCustomerBytes: 64 * MiB };
    const net = await storageDevnet({
      suppliers: 7,
      k: 4,
      m: 2,
      policy: (i) =>
        i === 0 ? policy : { capacityBytes: 1024 * MiB, maxCustomerBytes: 512 * MiB },
      customer: {
        neededBytes: 64 * MiB,
        parallelFiles: 1,
        openFile: (path) => {
          if (!path.endsWith('secret.bin')) return undefined;
          return (async function* () {
            yield* [];
            throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), {
              code: 'EACCES'
            });
          })();
        }
      }
    });
    t.after(() => net.stop());
    const seats = await net.ready({ rebuilt: true });
    assert.equal(seats[0]!.supplierId, net.suppliers[0]!.id);
    const src = join(net.base, 'src');
    mkdirSync(src);
    for (const n of ['a', 'b', 'c', 'secret'])
      writeFileSync(join(src, `${n}.bin`), seededBytes(3, n, MiB));
    // The supplier at position 0 fills up: its disk is now full for us.
    (policy as { capacityBytes: number }).capacityBytes = 1;
    const report = await backupTree(net.customer(), src, (p) => {
      // Vanishes before its turn (progress also comes mid-file: removing twice is fine).
      if (p.filesDone === 1) rmSync(join(src, 'c.bin'), { force: true });
    });
    const kinds = new Map(report.problems.map((p) => [p.path.split('/').pop(), p.kind]));
    assert.equal(kinds.get('secret.bin'), 'unreadable');
    assert.equal(kinds.get('c.bin'), 'vanished');
    assert.equal(report.files, 2);
    await net.firedAtLeast(1);
    const c = net.customer();
    assert.deepEqual(
      c.fired().map((f) => [f.position, f.code]),
      [[0, 'ERR_STORAGE_QUOTA']]
    );
    const after = await net.ready({ rebuilt: true });
    assert.notEqual(after[0]!.supplierId, net.suppliers[0]!.id);
    const out = join(net.base, 'out');
    assert.deepEqual((await restoreTree(c, { path: src, into: out })).failed, []);
    const again = await restoreTree(c, { path: src, into: out });
    assert.deepEqual([...new Set(again.failed.map((f) => f.code))], ['ERR_STORAGE_EXISTS']);
    assert.deepEqual((await restoreTree(c, { path: src, into: out, overwrite: true })).failed, []);
    assert.equal(readFileSync(join(out, 'src', 'a.bin')).equals(seededBytes(3, 'a', MiB)), true);
  }
);
