// The block fetcher against scripted suppliers on a TestClock: k data shards first, one more
// position per failure or lying shard, every remaining position once the block is late, and a
// late position asked last afterwards; the block pool's workers code exactly as inline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TestClock } from '../clock.js';
import { generateDataKey } from './block-crypto.js';
import { BlockPool, movableShards } from './block-pool.js';
import type { StorageClient } from './customer-client.js';
import { StorageError } from './errors.js';
import { createHash } from 'node:crypto';
import { BlockFetcher } from './fetch-block.js';
import { encodeBlock } from './pipeline.js';

const dataKey = generateDataKey();
const k = 4;
const m = 2;
const plain = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 0xff);
const { record, shards } = encodeBlock({ dataKey, backupId: 'b1', k, m }, 3, plain);

type Behaviour = 'ok' | 'fail' | 'silent' | 'lie';

/** A client whose position p behaves as `script[p]`; records who was asked, in order. */
function scripted(script: Behaviour[]) {
  const asked: number[] = [];
  const client = {
    getShard: (supplier: string, key: string, expected?: Uint8Array) => {
      const p = Number(supplier.slice(1));
      asked.push(p);
      assert.equal(key, `b1/00000003/${String(p).padStart(3, '0')}`);
      assert.ok(expected);
      const b = script[p]!;
      if (b === 'fail') return Promise.reject(new StorageError('ERR_STORAGE_NOT_FOUND', 'gone'));
      if (b === 'silent') return new Promise<Uint8Array>(() => undefined);
      const s = shards[p]!.slice();
      if (b === 'lie') s[0]! ^= 1; // right announced hash, wrong bytes
      return Promise.resolve(s);
    }
  } as unknown as StorageClient;
  return { asked, client };
}

function fetcher(client: StorageClient, clock: TestClock, reports: [number, boolean][] = []) {
  return new BlockFetcher({
    client,
    suppliers: shards.map((_, p) => `s${p}`),
    dataKey,
    clock,
    pool: new BlockPool(0),
    hedgeMs: 1000,
    onShard: (p, e) => reports.push([p, e === undefined])
  });
}

/** Lets promise chains run (no timers involved). */
const settle = async () => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
};

test('all data shards answer: only the k data positions are asked', async () => {
  const { asked, client } = scripted(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
  const got = await fetcher(client, new TestClock()).fetch('b1', k, record);
  assert.deepEqual(got, plain);
  assert.deepEqual(asked, [0, 1, 2, 3]);
});

test('failures and lying shards are replaced one for one; too many name the block', async () => {
  const reports: [number, boolean][] = [];
  const { asked, client } = scripted(['ok', 'fail', 'lie', 'ok', 'ok', 'ok']);
  assert.deepEqual(await fetcher(client, new TestClock(), reports).fetch('b1', k, record), plain);
  assert.deepEqual(asked, [0, 1, 2, 3, 4, 5]);
  assert.ok(
    reports.some(([p, ok]) => p === 2 && !ok),
    'the lying position is reported'
  );
  const lost = scripted(['ok', 'fail', 'lie', 'ok', 'ok', 'fail']);
  await assert.rejects(fetcher(lost.client, new TestClock()).fetch('b1', k, record), (e) => {
    assert.equal((e as StorageError).code, 'ERR_STORAGE_UNRECOVERABLE');
    assert.deepEqual((e as StorageError).blocks, [3]);
    return true;
  });
});

test('a silent position is hedged around once, then asked last', async () => {
  const clock = new TestClock();
  const { asked, client } = scripted(['ok', 'silent', 'ok', 'ok', 'ok', 'ok']);
  const f = fetcher(client, clock);
  let done: Uint8Array | undefined;
  void f.fetch('b1', k, record).then((p) => (done = p));
  await settle();
  assert.equal(done, undefined, 'waits for the silent one until the hedge');
  assert.deepEqual(asked, [0, 1, 2, 3]);
  clock.increment(f.hedgeDelay());
  await settle();
  assert.deepEqual(done, plain);
  assert.deepEqual(asked, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...f.late], [1]);
  assert.deepEqual(f.stats, { blocks: 1, hedged: 1, reconstructed: 1 });
  // The next block skips the late position without waiting.
  asked.length = 0;
  assert.deepEqual(await f.fetch('b1', k, record), plain);
  assert.deepEqual(asked, [0, 2, 3, 4]);
});

test('requests in flight never exceed k before the hedge, whatever fails', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.constantFrom<Behaviour>('ok', 'fail', 'lie'), { minLength: 6, maxLength: 6 }),
      async (script) => {
        let open = 0;
        let most = 0;
        const { client } = scripted(script);
        const counting = {
          getShard: (...a: Parameters<StorageClient['getShard']>) => {
            most = Math.max(most, ++open);
            return client.getShard(...a).finally(() => open--);
          }
        } as unknown as StorageClient;
        const good = script.filter((b) => b === 'ok').length;
        const out = fetcher(counting, new TestClock()).fetch('b1', k, record);
        if (good >= k) assert.deepEqual(await out, plain);
        else await assert.rejects(out);
        assert.ok(most <= k, `${most} requests at once`);
      }
    ),
    { numRuns: 60 }
  );
});

test('the worker pool codes exactly as inline and reports lying positions', async () => {
  const pool = new BlockPool(1);
  try {
    const own = plain.slice();
    const viaWorker = await pool.encode({ dataKey, backupId: 'b1', k, m }, 3, own, true);
    assert.equal(own.byteLength, 0, 'the block was moved, not copied');
    assert.equal(viaWorker.record.shardSize, record.shardSize);
    viaWorker.record.shards.forEach((s, i) => {
      // Sealing draws a fresh nonce, so compare structure, then decode across.
      assert.equal(s.hash.length, 32);
      assert.deepEqual(viaWorker.pieces[i]!.subarray(0, 32), s.hash);
    });
    const back = await pool.decode(dataKey, 'b1', k, viaWorker.record, [...viaWorker.shards]);
    assert.ok(back.ok && Buffer.from(back.plain).equals(plain));
    const bad = viaWorker.shards.map((s, i) => (i === 1 ? s.slice().fill(9) : s));
    const some = bad.map((s, i) => (i < 4 ? s : null));
    const out = await pool.decode(dataKey, 'b1', k, viaWorker.record, some);
    assert.ok(!out.ok);
    assert.equal(out.error.code, 'ERR_STORAGE_UNRECOVERABLE');
    assert.deepEqual(out.bad, [1]);
  } finally {
    await pool.close();
  }
});

test('received pieces move to the worker without a copy, and come back for a retry', async () => {
  const pool = new BlockPool(1);
  try {
    const given: Uint8Array[] = [];
    // As the client hands them: each shard the tail of its own piece `hash ‖ shard`.
    const client = {
      getShard: (supplier: string) => {
        const p = Number(supplier.slice(1));
        const piece = new Uint8Array(32 + shards[p]!.length);
        piece.set(record.shards[p]!.hash);
        piece.set(shards[p]!, 32);
        if (p === 1) piece[40]! ^= 1; // a liar among the data positions
        given[p] = piece.subarray(32);
        return Promise.resolve(given[p]);
      }
    } as unknown as StorageClient;
    const f = new BlockFetcher({
      client,
      suppliers: shards.map((_, p) => `s${p}`),
      dataKey,
      clock: new TestClock(),
      pool
    });
    assert.deepEqual(await f.fetch('b1', k, record), plain);
    assert.deepEqual(
      given.map((s, p) => (s ? `${p}:${s.byteLength}` : undefined)).filter(Boolean),
      ['0:0', '1:0', '2:0', '3:0', '4:0'],
      'every shard was moved (its view detached), none copied; 4 replaced the liar'
    );
    // A shard that is a view into a larger buffer is copied, and its buffer left alone.
    const message = new Uint8Array(100).fill(7);
    const { own, transfer } = movableShards([message.subarray(40, 60), null]);
    assert.deepEqual([own[0]!.byteLength, own[1], transfer.length], [20, null, 1]);
    assert.notEqual(own[0]!.buffer, message.buffer);
    // Nearly all of a large message (a reassembled reply): moved with it, once.
    const reply = new Uint8Array(300_000);
    const inReply = reply.subarray(200, 299_000);
    const twice = movableShards([inReply, inReply.subarray(0, 10)]);
    assert.equal(twice.own[0], inReply);
    assert.deepEqual(twice.transfer[0], reply.buffer);
    assert.notEqual(
      twice.own[1]!.buffer,
      reply.buffer,
      'a second view of a moved buffer is copied'
    );
    // A small part of a large buffer is copied.
    const part = movableShards([reply.subarray(0, 200_000)]);
    assert.notEqual(part.own[0]!.buffer, reply.buffer);
  } finally {
    await pool.close();
  }
});

test('a rebuild asks k of the other positions and returns the catalog pieces', async () => {
  for (const size of [0, 1]) {
    const pool = new BlockPool(size);
    try {
      const { asked, client } = scripted(['ok', 'fail', 'ok', 'ok', 'ok', 'ok']);
      const f = new BlockFetcher({
        client,
        suppliers: shards.map((_, p) => `s${p}`),
        clock: new TestClock(),
        pool
      });
      const [piece] = await f.rebuild('b1', k, record, [0]);
      assert.deepEqual(asked, [1, 2, 3, 4, 5], 'never position 0; 5 replaces the failed 1');
      assert.deepEqual(piece!.subarray(0, 32), record.shards[0]!.hash);
      assert.deepEqual(piece!.subarray(32), shards[0]);
      await assert.rejects(f.rebuild('b1', k, record, [0, 5]), /cannot be recovered/);
      await assert.rejects(f.fetch('b1', k, record), /no data key/);
    } finally {
      await pool.close();
    }
  }
});

test('a file hash kept on a worker equals SHA-256 of the blocks in order', async () => {
  const pool = new BlockPool(2);
  try {
    const blocks = [0, 1, 2, 3, 4].map((i) =>
      Uint8Array.from({ length: 3000 + i }, (_, j) => i + j)
    );
    const whole = Buffer.concat(blocks);
    const hash = pool.fileHash();
    const params = { dataKey, backupId: 'b1', k, m };
    const encoded = blocks.map((b, i) =>
      i % 2 === 0
        ? pool.encode(params, i, b.slice(), true, hash)
        : (hash.update(b.slice(), true), null)
    );
    await Promise.all(encoded);
    assert.deepEqual(
      await hash.digest(),
      new Uint8Array(createHash('sha256').update(whole).digest())
    );
    const inline = new BlockPool(0).fileHash();
    blocks.forEach((b) => inline.update(b));
    assert.deepEqual(
      await inline.digest(),
      new Uint8Array(createHash('sha256').update(whole).digest())
    );
  } finally {
    await pool.close();
  }
});

test('a file hash whose worker was replaced fails instead of restarting', async () => {
  const pool = new BlockPool(1);
  try {
    const hash = pool.fileHash();
    await pool.encode({ dataKey, backupId: 'b1', k, m }, 0, Uint8Array.of(1, 2, 3), false, hash);
    await pool.close(); // the worker holding the stream is gone; the next job starts a new one
    hash.update(Uint8Array.of(4));
    await assert.rejects(hash.digest(), /lost/);
  } finally {
    await pool.close();
  }
});

test('warming a pool starts every worker before any job', async () => {
  const pool = new BlockPool(2);
  try {
    assert.equal(pool.running, 0);
    await pool.warm();
    assert.equal(pool.running, 2);
    const h = pool.fileHash();
    h.update(Uint8Array.of(1, 2, 3));
    assert.equal((await h.digest()).length, 32);
    assert.equal(pool.running, 2);
  } finally {
    await pool.close();
  }
  assert.equal(pool.running, 0);
});

test('a recycled pieces buffer is reused by the next encode of its size, inline or on a worker', async () => {
  const params = { dataKey, backupId: 'b5', k, m, compression: 'off' as const };
  const inline = new BlockPool(0);
  const first = await inline.encode(params, 0, plain);
  inline.recycle(first);
  const second = await inline.encode(params, 1, plain.slice());
  assert.equal(second.pieces[0]!.buffer, first.pieces[0]!.buffer, 'inline: the same buffer');
  const pool = new BlockPool(1);
  try {
    const a = await pool.encode(params, 0, plain.slice(), true);
    pool.recycle(a);
    pool.recycle(a); // given twice, kept once
    const b = await pool.encode(params, 1, plain.slice(), true);
    assert.equal(a.pieces[0]!.byteLength, 0, 'the recycled buffer moved to the worker');
    const c = await pool.encode(params, 2, plain.slice(), true);
    for (const [i, block] of [b, c].entries()) {
      const got = await pool.decode(dataKey, 'b5', k, block.record, block.shards);
      assert.ok(got.ok, `block ${i + 1} decodes`);
      assert.deepEqual(got.plain, plain);
    }
  } finally {
    await pool.close();
  }
});
