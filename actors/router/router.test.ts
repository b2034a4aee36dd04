import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BitDustError } from '../errors.js';
import { createCodec } from '../wire/index.js';
import { routerMessages } from '../../machines/router/messages.js';
import { RouterError } from './errors.js';
import { MAX_KEPT_REPLY_BYTES } from './router.js';
import { drive, routerNet, testId } from './fixtures.js';

const codec = createCodec({ messages: routerMessages });
const ack = { type: 'cmd.ack', body: { v: 1 } } as const;
const data = (key: string) => ({ v: 1, key, data: new Uint8Array([1]) }) as const;

describe('router', () => {
  it('matches a reply to its request', async () => {
    const { clock, routers } = routerNet(['alice', 'bob']);
    routers.get('bob')!.handle('cmd.retrieve', (env) => ({
      type: 'cmd.data',
      body: { v: 1, key: env.body.key, data: new Uint8Array([7]) }
    }));
    let reply: unknown;
    void routers
      .get('alice')!
      .request(testId('bob'), 'cmd.retrieve', { v: 1, key: 'k' })
      .then((r) => (reply = r));
    assert.ok(await drive(clock, () => reply !== undefined));
    assert.equal((reply as { type: string }).type, 'cmd.data');
    assert.equal(routers.get('alice')!.stats().pending, 0);
  });

  it('gives every request exactly one outcome and never executes one twice', async () => {
    const totals = { retries: 0, answered: 0, timeouts: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.double({ min: 0, max: 0.4, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        async (seed, loss, reorder, duplicate) => {
          const net = routerNet(['alice', 'bob', 'carol'], {
            seed,
            duplicate,
            faults: { loss, reorder, delay: { minMs: 1, maxMs: 80 } }
          });
          const runs = new Map<string, number>();
          for (const name of ['bob', 'carol']) {
            net.routers.get(name)!.handle('cmd.data', (env) => {
              const k = `${env.from}/${env.id}`;
              runs.set(k, (runs.get(k) ?? 0) + 1);
              return ack;
            });
          }
          const outcomes: string[][] = Array.from({ length: 30 }, () => []);
          for (let i = 0; i < outcomes.length; i++) {
            const to = testId(i % 2 ? 'bob' : 'carol');
            net.routers
              .get('alice')!
              .request(to, 'cmd.data', data(`k${i}`))
              .then(
                (r) => outcomes[i]!.push(r.type),
                (e: unknown) => outcomes[i]!.push(e instanceof RouterError ? e.code : 'untyped')
              );
          }
          const done = () => outcomes.every((o) => o.length > 0);
          assert.ok(await drive(net.clock, done, { stepMs: 50, maxSteps: 2000 }), `seed ${seed}`);
          await drive(net.clock, () => false, { stepMs: 100, maxSteps: 100 });
          for (const o of outcomes) {
            assert.equal(o.length, 1);
            assert.ok(['cmd.ack', 'ERR_ROUTER_TIMEOUT'].includes(o[0]!), o[0]);
          }
          for (const [k, n] of runs) assert.equal(n, 1, `${k} executed ${n} times`);
          const stats = [...net.routers.values()].map((r) => r.stats());
          totals.retries += stats[0]!.requests.retries;
          totals.timeouts += stats[0]!.requests.failed.ERR_ROUTER_TIMEOUT ?? 0;
          for (const st of stats) totals.answered += st.inbound.duplicatesAnswered;
          await net.network.close();
        }
      ),
      { numRuns: 12, seed: 42 }
    );
    // The faults did their job: requests were retried and retries answered from the cache.
    assert.ok(totals.retries > 0 && totals.answered > 0, JSON.stringify(totals));
  });

  it('answers a retry from its cache when the first reply was lost', async () => {
    const { clock, network, routers } = routerNet(['alice', 'bob']);
    let runs = 0;
    routers.get('bob')!.handle('cmd.data', () => {
      runs++;
      // Lose bob's first reply: cut the link just for its way back.
      network.partition(['mem-bobaaa'], ['mem-alicea']);
      setImmediate(() => network.heal());
      return ack;
    });
    let reply: unknown;
    void routers
      .get('alice')!
      .request(testId('bob'), 'cmd.data', data('k'))
      .then((r) => (reply = r));
    assert.ok(await drive(clock, () => reply !== undefined));
    assert.equal(runs, 1);
    const bob = routers.get('bob')!.stats();
    assert.equal(bob.inbound.duplicatesAnswered, 1);
    assert.equal(routers.get('alice')!.stats().requests.retries, 1);
  });

  it('runs a retry of a read again when its large reply was not kept, and carries it intact', async () => {
    const { clock, network, routers } = routerNet(['alice', 'bob']);
    const shard = new Uint8Array(MAX_KEPT_REPLY_BYTES + 1).map((_, i) => (i * 7) & 0xff);
    let runs = 0;
    routers.get('bob')!.handle('cmd.retrieve', (env) => {
      // Lose bob's first reply only: the retry finds no kept reply and reads again.
      if (runs++ === 0) {
        network.partition(['mem-bobaaa'], ['mem-alicea']);
        setImmediate(() => network.heal());
      }
      return { type: 'cmd.data', body: { v: 1, key: env.body.key, data: shard } };
    });
    let reply: { type: string; body: { data: Uint8Array } } | undefined;
    void routers
      .get('alice')!
      .request(testId('bob'), 'cmd.retrieve', { v: 1, key: 'k' })
      .then((r) => (reply = r as never));
    assert.ok(await drive(clock, () => reply !== undefined));
    assert.equal(runs, 2);
    assert.deepEqual(reply!.body.data, shard);
    const bob = routers.get('bob')!.stats().inbound;
    assert.equal(bob.duplicatesRerun, 1);
    assert.equal(bob.duplicatesAnswered, 0);
  });

  it('carries a large request intact, and answers its retry from the cache', async () => {
    const { clock, network, routers } = routerNet(['alice', 'bob']);
    const big = new Uint8Array(MAX_KEPT_REPLY_BYTES + 1).fill(3);
    let runs = 0;
    routers.get('bob')!.handle('cmd.data', (env) => {
      runs++;
      assert.deepEqual(env.body.data, big);
      network.partition(['mem-bobaaa'], ['mem-alicea']);
      setImmediate(() => network.heal());
      return ack;
    });
    let reply: unknown;
    void routers
      .get('alice')!
      .request(testId('bob'), 'cmd.data', { v: 1, key: 'k', data: big })
      .then((r) => (reply = r));
    assert.ok(await drive(clock, () => reply !== undefined));
    assert.equal(runs, 1);
    assert.equal(routers.get('bob')!.stats().inbound.duplicatesAnswered, 1);
  });

  it('drops a retry that arrives while the first copy is still running', async () => {
    const { clock, routers } = routerNet(['alice', 'bob']);
    let release: () => void = () => undefined;
    let runs = 0;
    routers.get('bob')!.handle('cmd.data', async () => {
      runs++;
      await new Promise<void>((resolve) => (release = resolve));
      return ack;
    });
    let reply: unknown;
    void routers
      .get('alice')!
      .request(testId('bob'), 'cmd.data', data('k'))
      .then((r) => (reply = r));
    await drive(clock, () => routers.get('bob')!.stats().inbound.duplicatesInflight > 0);
    release();
    assert.ok(await drive(clock, () => reply !== undefined));
    assert.equal(runs, 1);
  });

  it('refuses replays: cached, stale, from the future, and ids reused for another type', async () => {
    const { clock, network, routers, transports } = routerNet(['alice', 'bob']);
    let runs = 0;
    routers.get('bob')!.handle('cmd.data', () => (runs++, ack));
    routers.get('bob')!.handle('cmd.retrieve', () => (runs++, ack as never));
    let reply: unknown;
    void routers
      .get('alice')!
      .request(testId('bob'), 'cmd.data', data('k'))
      .then((r) => (reply = r));
    assert.ok(await drive(clock, () => reply !== undefined));
    const captured = transports.get('alice')!.frames[0]!.frame;
    const mallory = network.transport('mem-mallory');
    await mallory.send('mem-bobaaa', captured);
    await drive(clock, () => routers.get('bob')!.stats().inbound.duplicatesAnswered === 1);
    // The same id with another type is not a retry: refused, not answered.
    const original = codec.decode(captured);
    const forge = (patch: object) => codec.encode({ ...original, ...patch } as never);
    await mallory.send('mem-bobaaa', forge({ type: 'cmd.retrieve', body: { v: 1, key: 'k' } }));
    await drive(clock, () => routers.get('bob')!.stats().refused.replay === 1);
    // Dated too far ahead, or addressed to someone else.
    await mallory.send('mem-bobaaa', forge({ id: 'fresh.1', ts: clock.now() + 60_000 }));
    await mallory.send('mem-bobaaa', forge({ id: 'fresh.2', to: testId('carol') }));
    await drive(clock, () => routers.get('bob')!.stats().refused.misrouted === 1);
    assert.equal(routers.get('bob')!.stats().refused.stale, 1);
    clock.increment(150_001); // past the window and the skew: the cache may forget it now
    await mallory.send('mem-bobaaa', captured);
    await drive(clock, () => routers.get('bob')!.stats().refused.stale === 2);
    assert.equal(runs, 1);
  });

  it('fails with typed errors: timeout, unreachable, no route, closed', async () => {
    const { clock, network, routers } = routerNet(['alice', 'bob', 'carol']);
    const alice = routers.get('alice')!;
    const codes: string[] = [];
    const record = (p: Promise<unknown>) =>
      p.then(
        () => codes.push('reply'),
        (e: RouterError) => codes.push(e.code)
      );
    network.partition(['mem-alicea'], ['mem-bobaaa']);
    network.crash('mem-carola');
    void record(alice.request(testId('bob'), 'dht.ping', { v: 1 }));
    void record(alice.request(testId('carol'), 'dht.ping', { v: 1 }));
    void record(alice.request(testId('nobody'), 'dht.ping', { v: 1 }));
    assert.ok(await drive(clock, () => codes.length === 3));
    assert.deepEqual(codes.sort(), [
      'ERR_ROUTER_NO_ROUTE',
      'ERR_ROUTER_TIMEOUT',
      'ERR_ROUTER_UNREACHABLE'
    ]);
    void record(alice.request(testId('bob'), 'dht.ping', { v: 1 }));
    alice.stop();
    await drive(clock, () => codes.length === 4);
    assert.equal(codes.at(-1), 'ERR_ROUTER_CLOSED');
    assert.equal(alice.stats().requests.failed.ERR_ROUTER_TIMEOUT, 1);
  });

  it('turns a missing handler and a thrown BitDustError into cmd.fail', async () => {
    const { clock, routers } = routerNet(['alice', 'bob']);
    routers.get('bob')!.handle('cmd.delete', () => {
      throw new BitDustError('ERR_STORE_DENIED', 'not yours');
    });
    const replies: Array<{ type: string; body: unknown }> = [];
    const alice = routers.get('alice')!;
    void alice
      .request(testId('bob'), 'cmd.delete', { v: 1, keys: ['k'] })
      .then((r) => replies.push(r));
    void alice
      .request(testId('bob'), 'cmd.message', { v: 1, payload: new Uint8Array(1) })
      .then((r) => replies.push(r));
    assert.ok(await drive(clock, () => replies.length === 2));
    const codes = replies.map((r) => (r.body as { code: string }).code).sort();
    assert.deepEqual(codes, ['ERR_ROUTER_NO_HANDLER', 'ERR_STORE_DENIED']);
  });

  it('refuses senders the node layer does not vouch for, and envelopes for someone else', async () => {
    const { clock, network, routers } = routerNet(['alice', 'bob'], {
      options: { checkSender: (address, id) => address.slice(4) === id.slice(0, 6) }
    });
    const bob = routers.get('bob')!;
    bob.handle('dht.ping', () => ack);
    let reply: unknown;
    void routers
      .get('alice')!
      .request(testId('bob'), 'dht.ping', { v: 1 })
      .then((r) => (reply = r));
    assert.ok(await drive(clock, () => reply !== undefined));
    assert.equal(bob.stats().refused.sender, 0);
    // Mallory claims to be alice from her own address.
    const forged = codec.encode({
      v: 1,
      type: 'dht.ping',
      id: 'm.1',
      from: testId('alice'),
      to: testId('bob'),
      ts: clock.now(),
      body: { v: 1 }
    });
    await network.transport('mem-mallor').send('mem-bobaaa', forged);
    assert.ok(await drive(clock, () => bob.stats().refused.sender === 1));
    assert.equal(bob.stats().inbound.requests, 1);
  });
});
