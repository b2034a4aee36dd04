/**
 * The store compliance suite: every KvStore implementation runs it (libp2p's interface-compliance
 * pattern), so LMDB and memory stores cannot drift apart. A harness may offer `reopen` (close and
 * open the same data again) to enable the persistence tests.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StoreError, type StoreErrorCode } from './errors.js';
import type { KvOp, KvStore } from './types.js';

/** What a store implementation hands the suite for each test. */
export interface StoreHarness {
  store: KvStore;
  /** Closes `store` and opens the same data again (persistent stores only). */
  reopen?: () => Promise<KvStore>;
}

/** Setup and teardown of one fresh store per test. */
export interface StoreComplianceHooks {
  setup(): Promise<StoreHarness>;
  teardown(harness: StoreHarness): Promise<void>;
}

const rejectsWith = (p: Promise<unknown>, code: StoreErrorCode): Promise<void> =>
  assert.rejects(p, (err) => err instanceof StoreError && err.code === code);

/** Byte order of UTF-8, the order the contract promises. */
const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

// Keys from a small alphabet that still crosses every ordering trap: ASCII, Latin-1, the
// U+E000..U+FFFF block (above surrogates in UTF-16, below them in UTF-8) and astral characters.
const keyArb = fc
  .array(fc.constantFrom('a', 'b', '/', 'é', '\uE000', '\uFFFD', '😀', '𝄞'), {
    minLength: 1,
    maxLength: 5
  })
  .map((cs) => cs.join(''));

/** Registers the suite under `describe(name)`. */
export function storeCompliance(name: string, hooks: StoreComplianceHooks): void {
  describe(`KvStore compliance: ${name}`, () => {
    let h: StoreHarness;
    let s: KvStore;
    beforeEach(async () => {
      h = await hooks.setup();
      s = h.store;
    });
    afterEach(() => hooks.teardown(h));

    it('round-trips every kind of value, as a copy', async () => {
      const bytes = new Uint8Array([1, 2, 3]);
      const value = {
        n: 1.5,
        s: 'ß',
        b: bytes,
        a: [null, true, { x: -7 }] as unknown[],
        big: 2 ** 40
      };
      await s.put('k', value);
      bytes[0] = 99;
      assert.deepStrictEqual(await s.get('k'), { ...value, b: new Uint8Array([1, 2, 3]) });
      const got = (await s.get<typeof value>('k')) as typeof value;
      got.a.push(1);
      assert.equal(((await s.get<typeof value>('k')) as typeof value).a.length, 3);
      for (const v of [null, 0, '', false, new Uint8Array(0)]) {
        await s.put('v', v);
        assert.deepStrictEqual(await s.get('v'), v);
      }
      assert.equal(await s.get('missing'), undefined);
    });

    it('gets many in order, overwrites and removes', async () => {
      await s.batch([
        { type: 'put', key: 'a', value: 1 },
        { type: 'put', key: 'b', value: 2 }
      ]);
      await s.put('a', 10);
      await s.remove('b');
      await s.remove('never-there');
      assert.deepStrictEqual(await s.getMany(['b', 'a', 'z']), [undefined, 10, undefined]);
    });

    it('applies writes in call order, batches included', async () => {
      const writes = [s.put('k', 1), s.batch([{ type: 'put', key: 'k', value: 2 }]), s.put('k', 3)];
      writes.push(s.batch([{ type: 'remove', key: 'j' }]), s.put('j', 'x'), s.remove('k'));
      await Promise.all(writes);
      assert.deepStrictEqual(await s.getMany(['k', 'j']), [undefined, 'x']);
    });

    it('rejects a batch as a whole when one op is invalid', async () => {
      await s.put('keep', 'old');
      const good: KvOp[] = [
        { type: 'put', key: 'keep', value: 'new' },
        { type: 'put', key: 'x', value: 1 }
      ];
      await rejectsWith(s.batch([...good, { type: 'put', key: '', value: 1 }]), 'ERR_STORE_KEY');
      await rejectsWith(
        s.batch([...good, { type: 'put', key: 'y', value: undefined }]),
        'ERR_STORE_VALUE'
      );
      await rejectsWith(
        s.batch([...good, { type: 'remove', key: 'z', sub: 'Bad!' }]),
        'ERR_STORE_NAMESPACE'
      );
      assert.deepStrictEqual(await s.getMany(['keep', 'x', 'y']), ['old', undefined, undefined]);
      await s.batch([...good, { type: 'put', key: 'i', value: 2, sub: 'index' }]);
      assert.deepStrictEqual(await s.getMany(['keep', 'x']), ['new', 1]);
      assert.equal(await s.sub('index').get('i'), 2);
    });

    it('stores bytes as they are with put-bytes, atomically with other writes', async () => {
      const blob = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 0xff);
      const sum = (b: Uint8Array) => b.reduce((n, x) => n + x, 0);
      await s.batch(
        [
          { type: 'put-bytes', key: 'blob', bytes: blob, sub: 'data' },
          { type: 'put', key: 'blob', value: { n: blob.length }, sub: 'meta' }
        ],
        { durable: true }
      );
      const read = await s.sub('data').readBytes('blob', (b) => ({ copy: b.slice(), sum: sum(b) }));
      assert.deepStrictEqual(read?.copy, blob);
      assert.equal(read?.sum, sum(blob));
      assert.deepStrictEqual(await s.sub('meta').get('blob'), { n: blob.length });
      assert.equal(await s.sub('data').readBytes('none', (b) => b.length), undefined);
      await s.sub('data').batch([{ type: 'put-bytes', key: 'empty', bytes: new Uint8Array(0) }]);
      assert.equal(await s.sub('data').readBytes('empty', (b) => b.length), 0);
      // Bytes that are not bytes reject the whole batch.
      await rejectsWith(
        s.batch([
          { type: 'put', key: 'x', value: 1 },
          { type: 'put-bytes', key: 'y', bytes: 'no' as unknown as Uint8Array }
        ]),
        'ERR_STORE_VALUE'
      );
      assert.equal(await s.get('x'), undefined);
      await s.sub('data').remove('blob');
      assert.equal(await s.sub('data').readBytes('blob', (b) => b.length), undefined);
    });

    it('validates keys', async () => {
      for (const key of ['', 'x'.repeat(1025), '\uD800', 'a\uDC00b', 42 as unknown as string]) {
        await rejectsWith(s.put(key, 1), 'ERR_STORE_KEY');
        await rejectsWith(s.get(key), 'ERR_STORE_KEY');
      }
      await s.put('é'.repeat(512), 1); // exactly 1024 bytes
      await rejectsWith(s.range({ limit: -1 }), 'ERR_STORE_RANGE');
    });

    it('ranges in UTF-8 byte order with prefix, bounds, limit and reverse (property)', async () => {
      const query = fc.record({
        prefix: fc.option(keyArb, { nil: undefined }),
        start: fc.option(keyArb, { nil: undefined }),
        end: fc.option(keyArb, { nil: undefined }),
        limit: fc.option(fc.nat(6), { nil: undefined }),
        reverse: fc.boolean()
      });
      let round = 0;
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(keyArb, { maxLength: 20 }), query, async (keys, q) => {
          // A fresh namespace per run: the model below is exactly `keys`.
          const ns = s.sub(`r${round++}`);
          await ns.batch(keys.map((key, i) => ({ type: 'put', key, value: i })));
          let want = [...keys].sort(byUtf8).filter((k) => {
            if (q.prefix !== undefined && !k.startsWith(q.prefix)) return false;
            if (q.start !== undefined && byUtf8(k, q.start) < 0) return false;
            return q.end === undefined || byUtf8(k, q.end) < 0;
          });
          if (q.reverse) want.reverse();
          want = want.slice(0, q.limit ?? Infinity);
          const got = await ns.range<number>(q);
          assert.deepStrictEqual(
            got.map((e) => e.key),
            want
          );
          for (const e of got) assert.equal(e.value, keys.indexOf(e.key));
        }),
        { numRuns: 40 }
      );
    });

    it('keeps namespaces apart, nested ones included', async () => {
      const shards = s.sub('shards');
      assert.equal(s.sub('shards'), shards);
      assert.equal(shards.sub('meta').namespace, 'shards/meta');
      await s.put('k', 'root');
      await shards.put('k', 'shards');
      await shards.sub('meta').put('k', 'meta');
      assert.deepStrictEqual(await s.range(), [{ key: 'k', value: 'root' }]);
      assert.deepStrictEqual(await shards.range(), [{ key: 'k', value: 'shards' }]);
      assert.equal(await shards.sub('meta').get('k'), 'meta');
      assert.throws(() => s.sub('../etc'), { code: 'ERR_STORE_NAMESPACE' });
    });

    it('resolves durable writes and flushed() (for acknowledgements)', async () => {
      await s.put('a', 1, { durable: true });
      await s.batch([{ type: 'put', key: 'b', value: 2 }], { durable: true });
      await s.remove('a', { durable: true });
      const pending = s.put('c', 3);
      await s.flushed();
      await pending;
      assert.deepStrictEqual(await s.getMany(['a', 'b', 'c']), [undefined, 2, 3]);
    });

    it('rejects every call once closed', async () => {
      const sub = s.sub('x');
      await sub.close();
      await rejectsWith(sub.get('k'), 'ERR_STORE_CLOSED');
      await s.put('k', 1);
      await s.close();
      await rejectsWith(s.get('k'), 'ERR_STORE_CLOSED');
      await rejectsWith(s.put('k', 1), 'ERR_STORE_CLOSED');
      await rejectsWith(s.sub('y').batch([]), 'ERR_STORE_CLOSED');
      await rejectsWith(s.range(), 'ERR_STORE_CLOSED');
      await s.close(); // idempotent
    });

    it('keeps what it wrote across close and reopen', async (t) => {
      if (!h.reopen) return t.skip('not a persistent store');
      await s.put('a', { x: new Uint8Array([7]) }, { durable: true });
      await s.sub('shards').batch([{ type: 'put', key: 'b', value: 2 }], { durable: true });
      const blob = Uint8Array.of(9, 8, 7);
      await s.batch([{ type: 'put-bytes', key: 'c', bytes: blob }], { durable: true });
      s = await h.reopen();
      h.store = s;
      assert.deepStrictEqual(await s.get('a'), { x: new Uint8Array([7]) });
      assert.deepStrictEqual(await s.readBytes('c', (b) => b.slice()), blob);
      assert.equal(await s.sub('shards').get('b'), 2);
    });
  });
}
