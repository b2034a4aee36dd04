/**
 * Storage through the proxy, with real nodes on tcp over loopback, each on its own 127.0.0.x
 * (test/support/proxy-storage-net.ts): a customer started `--hide privacy` backs a tree up to
 * suppliers through a 3-hop circuit and restores it byte-identical. Every socket in the process is
 * recorded with the bytes it received, so the checks are on what each node's sockets actually
 * saw: no supplier (nor any node but the first hop) ever had a socket with the hidden node's ip
 * or received a byte naming it, and no router received a stored shard's bytes (the end-to-end
 * session's plaintext).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { backupTree, restoreTree } from '../actors/storage/customer-files.js';
import { SocketLog, waitFor } from '../actors/proxy/test-kit.js';
import { diffTrees, makeTree } from './support/storage-data.js';
import { proxyStorageNet } from './support/proxy-storage-net.js';

const MiB = 1024 * 1024;

test(
  'a hidden customer (privacy, 3 hops) backs up and restores; suppliers never see its address',
  { timeout: 120_000 },
  async (t) => {
    const sockets = new SocketLog({ bytes: true }).start();
    const hiddenIp = '127.0.0.60';
    const net = await proxyStorageNet({
      routerIps: ['127.0.0.41', '127.0.0.42', '127.0.0.43'],
      supplierIps: ['127.0.0.51', '127.0.0.52', '127.0.0.53'],
      hiddenIp,
      hide: 'privacy',
      k: 2,
      m: 1
    });
    t.after(async () => {
      sockets.stop();
      await net.stop();
    });
    const status = net.hidden.node.network()!.raw as unknown as {
      status(): { path: string[]; reachability: { state: string; reason: string } };
    };
    assert.equal(status.status().reachability.state, 'relayed');
    assert.match(status.status().reachability.reason, /privacy mode; relayed via 3 routers/);
    const path = status.status().path;
    assert.equal(path.length, 3);
    await net.ready();

    const src = join(net.base, 'src');
    const files = makeTree(src, 3 * MiB, 77);
    const c = net.customer();
    const report = await backupTree(c, src);
    assert.deepEqual(report.problems, []);
    assert.equal(report.files, files.size);
    const out = join(net.base, 'out');
    const restored = await restoreTree(c, { path: src, into: out });
    assert.deepEqual(restored.failed, []);
    assert.deepEqual(diffTrees(src, join(out, 'src')), []);

    // Shards as the suppliers stored them: what the end-to-end session carried in plaintext.
    const windows: Buffer[] = [];
    for (const s of net.supplierServices) {
      const store = s.supplier()!;
      const { files: keys } = await store.listFiles(net.hidden.node.id, '', 1000);
      assert.ok(keys.length > 0, 'each supplier holds shards');
      for (const k of keys.filter((f) => f.size >= 4096).slice(0, 4)) {
        const { shard } = await store.get(net.hidden.node.id, k.key);
        for (const at of [100, 2000, 3000]) windows.push(Buffer.from(shard.subarray(at, at + 48)));
      }
    }
    assert.ok(windows.length >= 9);

    const ipOf = (address: string) => /^tcp:\/\/([0-9.]+):/.exec(address)?.[1] as string;
    const firstHop = net.routers.find((r) => r.address === path[0])!;
    const hiddenText = Buffer.from(hiddenIp);
    for (const n of [...net.routers, ...net.suppliers]) {
      const seen = sockets.of(n.ip);
      assert.ok(seen.length > 0, `${n.ip} had sockets`);
      for (const s of seen) {
        if (n !== firstHop) {
          assert.notEqual(s.remoteIp, hiddenIp, `${n.ip} had a socket with the hidden node`);
          assert.ok(!s.bytes.includes(hiddenText), `${n.ip} received the hidden node's address`);
        }
      }
    }
    // The suppliers did receive the shards, so a miss below is not a recording gap.
    const supplierBytes = net.suppliers.flatMap((n) => sockets.of(n.ip).map((s) => s.bytes));
    assert.ok(supplierBytes.reduce((a, b) => a + b.length, 0) > 3 * MiB);
    // Routers: frames only with their circuit neighbours carried the shards, always encrypted.
    for (const r of net.routers) {
      for (const s of sockets.of(r.ip)) {
        for (const w of windows) assert.ok(!s.bytes.includes(w), `${r.ip} received plaintext`);
      }
    }
    // Where the hops run: the first hop is the only node the hidden node's sockets reached.
    const hiddenPeers = new Set(sockets.of(hiddenIp).map((s) => s.remoteIp));
    assert.deepEqual([...hiddenPeers], [ipOf(firstHop.address)]);
  }
);

test(
  'the router of a hidden customer (nat) dies mid-backup: it moves to another within 10 s, nothing lost',
  { timeout: 120_000 },
  async (t) => {
    const net = await proxyStorageNet({
      routerIps: ['127.0.0.71', '127.0.0.72'],
      supplierIps: ['127.0.0.81', '127.0.0.82', '127.0.0.83'],
      hiddenIp: '127.0.0.90',
      hide: 'nat',
      k: 2,
      m: 1
    });
    t.after(() => net.stop());
    const raw = net.hidden.node.network()!.raw as unknown as {
      address: string;
      status(): {
        path: string[];
        rebuilds: number;
        failures: Record<string, number>;
        reachability: { state: string; reason: string };
      };
    };
    assert.equal(raw.status().reachability.reason, 'no inbound TCP; relayed via 1 router');
    await net.ready();
    const first = raw.address;
    const dead = net.routers.find((r) => r.address === raw.status().path[0])!;

    const src = join(net.base, 'src');
    const files = makeTree(src, 8 * MiB, 78);
    const c = net.customer();
    const stored = () =>
      net.supplierServices.reduce((n, s) => n + (s.supplier()?.usedBytes() ?? 0), 0);
    const backup = backupTree(c, src);
    await waitFor(() => stored() >= 2 * MiB, 30_000, '2 MiB stored');
    // Real time: the kill closes the router's sockets; the receiver notices the lost link at once.
    const killedAt = Date.now();
    await dead.node.stop();
    await waitFor(() => raw.address !== '' && raw.address !== first, 10_000, 'a new router');
    const movedMs = Date.now() - killedAt;
    assert.ok(movedMs <= 10_000, `moved after ${movedMs} ms`);
    assert.ok(!raw.address.includes(dead.address));
    assert.equal(raw.status().reachability.state, 'relayed');
    assert.ok(raw.status().rebuilds >= 1);
    assert.ok(stored() < 8 * MiB * 1.5, 'the kill came before the backup finished');

    // What /api/proxy shows: relayed again, the loss counted with its reason.
    const st = net.hidden.node.proxy()!;
    assert.equal(st.reachability.state, 'relayed');
    assert.equal(st.reachability.reason, 'no inbound TCP; relayed via 1 router');
    const lost =
      (st.receiver?.failures.ERR_PROXY_CIRCUIT_LOST ?? 0) +
      (st.receiver?.failures.ERR_PROXY_CIRCUIT_DESTROYED ?? 0);
    assert.ok(lost >= 1, JSON.stringify(st.receiver?.failures));
    assert.ok(st.receiver?.lastReason, 'the failure has a plain reason');

    const report = await backup;
    assert.deepEqual(report.problems, []);
    assert.equal(report.files, files.size);
    const out = join(net.base, 'out');
    const restored = await restoreTree(c, { path: src, into: out });
    assert.deepEqual(restored.failed, []);
    assert.deepEqual(diffTrees(src, join(out, 'src')), []);
  }
);
