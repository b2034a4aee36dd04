/**
 * A router opens each layer into a recycled buffer and forwards a view of it; the buffer must not
 * be reused while the socket still queues the cell it is in. The first router's socket to the
 * next is held corked while a window of cells arrives, so every forwarded cell sits in user
 * space: a buffer given back before its write completed would be overwritten by the next layer,
 * the second router's authentication would fail and the payloads would not arrive intact.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { generateKeyPair } from '../crypto/primitives.js';
import { createProxyTransport, serveTransfers, staticDirectory, TransferClient } from './index.js';
import { LayerPool } from './layer-pool.js';
import { ProxyNet, SocketLog, waitFor } from './test-kit.js';

test('a pooled buffer is given back once, and only kept while the pool has room', () => {
  const pool = new LayerPool(1);
  const [a, b] = [pool.take(), pool.take()];
  assert.notEqual(a, b);
  const give = pool.giver(a);
  give();
  give();
  assert.equal(pool.outstanding, 1);
  pool.giver(b)();
  assert.equal(pool.outstanding, 0);
  assert.equal(pool.take(), a, 'the first buffer given back is reused');
  assert.notEqual(pool.take(), b, 'beyond `keep`, a buffer given back is dropped');
  assert.equal(pool.allocated, 3);
});

test('3 hops, a write held back: layers stay lent until written, every chunk arrives intact', async () => {
  const net = new ProxyNet();
  const log = new SocketLog().start();
  try {
    const rs = [
      await net.router('127.0.0.161'),
      await net.router('127.0.0.162'),
      await net.router('127.0.0.163')
    ];
    for (const r of rs) r.transport.record = false;
    const keys = generateKeyPair();
    const supplierBase = await net.endpoint('127.0.0.164');
    supplierBase.record = false;
    const supplier = createProxyTransport({ base: supplierBase, mode: 'direct' });
    const server = serveTransfers(supplier, keys);
    const base = await net.endpoint('127.0.0.165');
    base.record = false;
    const node = createProxyTransport({
      base,
      mode: 'privacy',
      directory: staticDirectory(rs.map((r) => r.info)),
      timing: { pingIntervalMs: 60_000 }
    });
    await node.whenReady();
    const window = 32;
    const client = new TransferClient(node, supplier.address, keys.publicKey, {
      timeoutMs: 30_000,
      window
    });
    await client.open();
    // Every link between two routers, both ways: the entry router's cells to the next one stay
    // queued in user space (corked), and so does anything sent back along those links.
    const ips = rs.map((r) => r.host);
    const ip = (end: string) => end.slice(0, end.lastIndexOf(':'));
    const links = () =>
      log.sockets.filter((s) => ips.includes(ip(s.local)) && ips.includes(ip(s.remote)));
    await waitFor(() => links().length === 4, 5_000, 'the routers to dial each other');
    const held = links().map((s) => s.socket);
    const sum = (k: 'relayed' | 'layersOut' | 'authFailures') =>
      rs.reduce((n, r) => n + r.router.stats()[k], 0);
    const relayed0 = sum('relayed');
    for (const s of held) s.cork();
    const count = 200;
    const chunks = Array.from({ length: count }, (_, i) => randomBytes(40_000 + i * 37));
    const put = client.put(chunks);
    await waitFor(() => sum('relayed') >= relayed0 + window, 20_000, 'a window relayed');
    assert.equal(sum('layersOut'), window, 'each queued cell holds its layer');
    for (const s of held) s.uncork();
    await Promise.race([
      put,
      waitFor(() => sum('authFailures') + server.counters.bad > 0, 60_000, 'the transfer').then(
        () => {
          throw new Error('a layer was overwritten before it was written');
        }
      )
    ]);
    assert.deepEqual(server.counters, { bad: 0, puts: count, gets: 0 });
    assert.equal(client.counters.retries, 0);
    const stored = server.sessions.get(Buffer.from(client.sid).toString('hex'));
    for (let i = 0; i < count; i++) {
      assert.ok(Buffer.from(chunks[i]!).equals(stored?.chunks.get(i) ?? Buffer.alloc(0)), `${i}`);
    }
    await waitFor(() => rs.every((r) => r.router.stats().layersOut === 0), 10_000, 'writes');
    for (const r of rs) {
      const s = r.router.stats();
      assert.equal(s.authFailures, 0);
      // Recycled: far fewer buffers than cells, bounded by the cells in flight at once.
      assert.ok(s.layersAllocated <= 2 * window, `${s.layersAllocated} layer buffers`);
    }
    client.close();
    await node.close();
    await supplier.close();
  } finally {
    log.stop();
    await net.close();
  }
});
