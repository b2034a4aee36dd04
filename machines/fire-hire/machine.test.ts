// fire-hire with its supplier-connector children on a TestClock, the effects faked: hiring a full
// set, firing for offline / refusal / audit with the reason kept, one replacement at a time, and
// never more fires than the code tolerates; the seat decisions as properties.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createActor, fromPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { BitDustError } from '../../actors/errors.js';
import { supplierConnectorMachine } from '../supplier-connector/machine.js';
import { fireHireMachine, type FireHireInput } from './machine.js';
import { initialSeats, nextFire, withSeat, type Seat } from './seats.js';

const settle = () => new Promise((r) => setImmediate(r));

function harness(over: Partial<FireHireInput> = {}) {
  const clock = new TestClock();
  const down = new Set<string>();
  const refusing = new Set<string>();
  const pool = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'];
  const hired: Array<[number, string]> = [];
  const logic = fireHireMachine.provide({
    actors: {
      supplierConnector: supplierConnectorMachine.provide({
        actors: {
          requestService: fromPromise(async ({ input }) => {
            if (refusing.has(input.supplierId)) {
              throw new BitDustError('ERR_STORAGE_QUOTA', 'supplier disk full');
            }
            if (down.has(input.supplierId)) throw new BitDustError('ERR_ROUTER_TIMEOUT', 'no');
          }),
          cancelService: fromPromise<void, { supplierId: string }>(async () => undefined)
        }
      }),
      findSupplier: fromPromise(async ({ input }) => {
        const c = pool.find((p) => !input.exclude.includes(p) && !down.has(p));
        if (!c) throw new Error('nobody');
        return c;
      }),
      savePosition: fromPromise<void, { position: number; supplierId: string }>(
        async () => undefined
      )
    },
    actions: {
      notifyHired: (_, p: { position: number; supplierId: string }) =>
        void hired.push([p.position, p.supplierId])
    }
  });
  const actor = createActor(logic, {
    clock,
    input: {
      k: 4,
      m: 2,
      suppliers: [],
      offlineLimitMs: 10_000,
      connectorRetryMs: 1_000,
      connectorCheckMs: 60_000,
      hireTimeoutMs: 5_000,
      retryMs: 2_000,
      maxHireAttempts: 3,
      ...over
    }
  });
  actor.start();
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 500) {
      await settle();
      clock.increment(500);
    }
    await settle();
  };
  const seats = () => actor.getSnapshot().context.seats;
  return { actor, run, down, refusing, hired, seats };
}

test('hires a full set one at a time, then fires an offline supplier and replaces it', async () => {
  const h = harness();
  await h.run(2_000);
  assert.deepEqual(
    h.seats().map((s) => [s.supplierId, s.status]),
    ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'].map((p) => [p, 'hired'])
  );
  for (let i = 0; i < 6; i++) h.actor.send({ type: 'fire-hire.rebuilt', position: i });
  h.down.add('p2');
  h.actor.getSnapshot().children['connector-2-3']!.send({ type: 'connector.unreachable' });
  await h.run(5_000);
  assert.equal(h.seats()[2]!.status, 'offline');
  await h.run(8_000);
  const ctx = h.actor.getSnapshot().context;
  assert.equal(ctx.seats[2]!.supplierId, 'p6');
  assert.deepEqual(
    ctx.fired.map((f) => [f.position, f.supplierId, f.code]),
    [[2, 'p2', 'ERR_STORAGE_OFFLINE']]
  );
  assert.deepEqual(h.hired.at(-1), [2, 'p6']);
  h.actor.stop();
});

test('a refusing candidate is skipped; a full disk and a failed audit fire with their reasons', async () => {
  const h = harness({ suppliers: ['p0', 'p1', 'p2', 'p3', 'p4', undefined] });
  h.refusing.add('p5');
  await h.run(3_000);
  assert.equal(h.seats()[5]!.supplierId, 'p6');
  for (let i = 0; i < 6; i++) h.actor.send({ type: 'fire-hire.rebuilt', position: i });
  const child = (pos: number) => h.seats()[pos]!.child!;
  h.actor.getSnapshot().children[child(1)]!.send({
    type: 'connector.refused',
    code: 'ERR_STORAGE_QUOTA',
    reason: 'supplier disk full'
  });
  h.actor.send({ type: 'audit.failed', position: 3, supplierId: 'p3', reason: '2 proofs failed' });
  await h.run(3_000);
  const ctx = h.actor.getSnapshot().context;
  assert.deepEqual(
    ctx.fired.map((f) => [f.position, f.supplierId, f.code, f.reason]),
    [
      [1, 'p1', 'ERR_STORAGE_QUOTA', 'supplier disk full'],
      [3, 'p3', 'ERR_STORAGE_AUDIT', '2 proofs failed']
    ]
  );
  // Both replaced at their own positions; neither rebuilt yet, so a third fire must wait.
  assert.deepEqual([ctx.seats[1]!.supplierId, ctx.seats[3]!.supplierId], ['p7', 'p8']);
  h.actor.send({ type: 'fire-hire.fire', position: 0, reason: 'operator' });
  await h.run(2_000);
  assert.equal(h.seats()[0]!.supplierId, 'p0');
  h.actor.send({ type: 'fire-hire.rebuilt', position: 1 });
  await h.run(2_000);
  assert.equal(h.seats()[0]!.supplierId, 'p9');
  h.actor.stop();
});

const seatArb = (position: number) =>
  fc.record({
    position: fc.constant(position),
    supplierId: fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }),
    status: fc.constantFrom('hired', 'offline', 'gone', 'refused', 'vacant' as const),
    child: fc.constant(undefined),
    rebuilt: fc.boolean()
  }) as fc.Arbitrary<Seat>;

test('property: an allowed fire never leaves m or more other seats lacking data', () => {
  fc.assert(
    fc.property(fc.tuple(...[0, 1, 2, 3, 4, 5].map(seatArb)), fc.nat(5), (seats, pos) => {
      const supplierId = seats[pos]!.supplierId ?? 'x';
      const s = withSeat(seats, pos, { supplierId });
      const fire = nextFire(s, [{ position: pos, supplierId, code: 'E', reason: 'r' }], 2);
      const others = s.filter((x) => x.position !== pos && (x.status !== 'hired' || !x.rebuilt));
      assert.equal(fire !== undefined, others.length < 2);
    }),
    { numRuns: 200 }
  );
  assert.equal(initialSeats(3, ['a']).filter((s) => s.status === 'vacant').length, 2);
});
