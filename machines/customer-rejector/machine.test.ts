// customer-rejector: the pure decision on plain data, and the machine patrolling on a TestClock
// against a real supplier store (memory KvStore).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createActor, fromPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { createMemoryStore } from '../../actors/store/index.js';
import { openSupplierStore } from '../../actors/storage/supplier-store.js';
import { rejectorLogic } from '../../actors/storage/rejector.js';
import { shardHash } from '../../actors/storage/merkle.js';
import { shardKey } from '../storage/keys.js';
import {
  customerRejectorMachine,
  decideRejections,
  type PatrolAccount,
  type PatrolReport,
  type Rejection
} from './machine.js';

const account = (customer: string, over: Partial<PatrolAccount> = {}): PatrolAccount => ({
  customer,
  grantedBytes: 100,
  usedBytes: 50,
  idleMs: 0,
  since: 0,
  ...over
});

test('decisions: over quota, idle, then newest first until the rest fits', () => {
  const report = {
    capacityBytes: 100,
    accounts: [
      account('a', { usedBytes: 101 }),
      account('b', { idleMs: 11 }),
      account('c', { since: 1 }),
      account('d', { since: 3 }),
      account('e', { since: 2 })
    ]
  };
  assert.deepEqual(
    decideRejections(report, 10).map((r) => [r.customer, r.reason]),
    [
      ['a', 'over-quota'],
      ['b', 'idle'],
      ['d', 'capacity']
    ]
  );
});

test('decisions: unpaid customers with an account go first, with the payment detail', () => {
  const unpaid: Rejection[] = [
    { customer: 'b', reason: 'unpaid', detail: 'owes 9 µc, over the limit 5 ms' },
    { customer: 'gone', reason: 'unpaid', detail: 'no account here' }
  ];
  const report = {
    capacityBytes: 1000,
    accounts: [account('a'), account('b', { usedBytes: 101 }), account('c', { idleMs: 11 })],
    unpaid
  };
  assert.deepEqual(decideRejections(report, 10), [
    { customer: 'b', reason: 'unpaid', detail: 'owes 9 µc, over the limit 5 ms' },
    { customer: 'c', reason: 'idle', detail: 'idle for 11 ms' }
  ]);
});

test('decisions: every survivor is within quota, active, and fits the capacity', () => {
  const accountArb = fc.record({
    customer: fc.string({ minLength: 1, maxLength: 4 }),
    grantedBytes: fc.nat(1000),
    usedBytes: fc.nat(1000),
    idleMs: fc.nat(100),
    since: fc.nat(100)
  });
  fc.assert(
    fc.property(
      fc.uniqueArray(accountArb, { selector: (a) => a.customer, maxLength: 12 }),
      fc.nat(5000),
      fc.nat(100),
      (accounts, capacityBytes, idleLimit) => {
        const out = decideRejections({ accounts, capacityBytes }, idleLimit);
        const gone = new Set(out.map((r) => r.customer));
        assert.equal(gone.size, out.length);
        const kept = accounts.filter((a) => !gone.has(a.customer));
        assert.ok(kept.every((a) => a.usedBytes <= a.grantedBytes && a.idleMs <= idleLimit));
        assert.ok(kept.reduce((n, a) => n + a.usedBytes, 0) <= capacityBytes);
        for (const r of out.filter((x) => x.reason === 'capacity')) {
          const a = accounts.find((x) => x.customer === r.customer)!;
          assert.ok(a.usedBytes <= a.grantedBytes && a.idleMs <= idleLimit);
        }
      }
    ),
    { numRuns: 300 }
  );
});

test('the machine patrols on the clock and drops an idle customer with its reason', async () => {
  const clock = new TestClock(0);
  const store = createMemoryStore();
  const policy = { capacityBytes: 10_000, maxCustomerBytes: 5_000 };
  const supplier = await openSupplierStore({ store, clock, policy });
  const req = { v: 1 as const, neededBytes: 1000, position: 0, profile: 'rs/4+2' };
  await supplier.requestService('alice', req);
  await supplier.requestService('bob', req);
  await supplier.put(
    'alice',
    shardKey('b1', 0, 0),
    shardHash(new Uint8Array(10)),
    new Uint8Array(10)
  );
  const rejected: string[] = [];
  const actor = createActor(
    rejectorLogic(
      supplier,
      clock,
      () => 10_000,
      (r) => rejected.push(r.customer)
    ),
    { clock, input: { patrolMs: 60_000, idleLimitMs: 100_000 } }
  ).start();
  const flush = () => new Promise((r) => setImmediate(r));

  clock.increment(60_000);
  await flush();
  assert.equal(actor.getSnapshot().context.patrols, 1);
  assert.deepEqual(rejected, []);

  // Bob keeps talking to the supplier; Alice falls silent.
  clock.increment(59_000);
  await supplier.requestService('bob', req);
  clock.increment(60_000);
  for (let i = 0; i < 5; i++) await flush();
  assert.deepEqual(rejected, ['alice']);
  assert.equal(actor.getSnapshot().value, 'idle');
  assert.equal(actor.getSnapshot().context.history[0]?.reason, 'idle');
  assert.match((await supplier.rejection('alice'))!.reason, /^idle: idle for 179000 ms/);
  assert.equal(supplier.account('alice'), undefined);
  assert.ok(supplier.account('bob'));
  actor.stop();
});

test('a failing inspection is recorded and retried at the next patrol', async () => {
  const clock = new TestClock(0);
  let calls = 0;
  const logic = customerRejectorMachine.provide({
    actors: {
      inspect: fromPromise<PatrolReport>(async () => {
        if (calls++ === 0) throw new Error('disk unreadable');
        return { capacityBytes: 1, accounts: [account('z', { usedBytes: 2, grantedBytes: 5 })] };
      }),
      reject: fromPromise<void, { rejections: readonly Rejection[] }>(async () => undefined)
    }
  });
  const actor = createActor(logic, { clock, input: { patrolMs: 10, idleLimitMs: 10 } }).start();
  actor.send({ type: 'rejector.patrol' });
  await new Promise((r) => setImmediate(r));
  assert.equal(actor.getSnapshot().context.lastError, 'disk unreadable');
  clock.increment(10);
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  assert.equal(actor.getSnapshot().context.lastError, undefined);
  assert.deepEqual(
    actor.getSnapshot().context.history.map((r) => r.reason),
    ['capacity']
  );
  actor.stop();
});
