// supplier-connector: every status reported to the parent, on a TestClock — hired, refused,
// offline → gone after the limit, retries, periodic checks, and release.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise, setup, type AnyActorRef } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import {
  supplierConnectorMachine,
  type ConnectorInput,
  type ConnectorStateEvent,
  type ConnectorStatus
} from './machine.js';

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};
const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

const input: ConnectorInput = {
  position: 2,
  supplierId: 'sup-1',
  retryMs: 300,
  offlineLimitMs: 1000,
  checkMs: 5000
};

type Answer = 'ok' | Error;
interface Reported {
  status: ConnectorStatus;
  code?: string | undefined;
  reason?: string | undefined;
}

/** The connector alone, `report` replaced by a recorder; `answers` scripts `requestService`. */
function start(answers: Answer[], cancel: Answer = 'ok') {
  const clock = new TestClock();
  const reports: Reported[] = [];
  const requests: { supplierId: string; position: number; at: number }[] = [];
  const cancels: string[] = [];
  const actor = createActor(
    supplierConnectorMachine.provide({
      actors: {
        requestService: fromPromise<void, { supplierId: string; position: number }>(
          async ({ input: i }) => {
            requests.push({ ...i, at: clock.now() });
            const a = answers.shift() ?? coded('ERR_ROUTER_TIMEOUT', 'no answer');
            if (a !== 'ok') throw a;
          }
        ),
        cancelService: fromPromise<void, { supplierId: string }>(async ({ input: i }) => {
          cancels.push(i.supplierId);
          if (cancel !== 'ok') throw cancel;
        })
      },
      actions: {
        report: ({ context }, params) =>
          void reports.push({ status: params.status, code: context.code, reason: context.reason })
      }
    }),
    { clock, input }
  );
  actor.start();
  const statuses = () => reports.map((r) => r.status);
  const tick = async (ms: number) => {
    clock.increment(ms);
    await settle();
  };
  return { actor, clock, reports, requests, cancels, statuses, tick };
}

describe('supplier-connector machine', () => {
  it('requests service with position and supplier, then reports hired', async () => {
    const t = start(['ok']);
    assert.equal(t.actor.getSnapshot().value, 'requesting');
    await settle();
    assert.ok(t.actor.getSnapshot().matches('hired'), 'hired');
    assert.deepEqual(t.requests, [{ supplierId: 'sup-1', position: 2, at: 0 }]);
    assert.deepEqual(t.statuses(), ['requesting', 'hired']);
    assert.equal(t.actor.getSnapshot().context.attempts, 1);
    t.actor.stop();
  });

  for (const code of [
    'ERR_STORAGE_REFUSED',
    'ERR_STORAGE_QUOTA',
    'ERR_STORAGE_NO_SERVICE',
    'ERR_ROUTER_NO_SERVICE'
  ]) {
    it(`a refusal (${code}) is final: refused with its code and reason, never retried`, async () => {
      const t = start([coded(code, 'no room for you')]);
      await settle();
      assert.equal(t.actor.getSnapshot().value, 'refused');
      assert.deepEqual(t.reports.at(-1), { status: 'refused', code, reason: 'no room for you' });
      await t.tick(60_000);
      assert.equal(t.requests.length, 1);
      assert.equal(t.actor.getSnapshot().value, 'refused');
      t.actor.stop();
    });
  }

  it('no answer: offline, retried every retryMs, gone after offlineLimitMs, hired when it answers', async () => {
    const t = start([]);
    await settle();
    assert.deepEqual(t.actor.getSnapshot().value, { unavailable: 'offline' });
    assert.deepEqual(t.reports.at(-1), {
      status: 'offline',
      code: 'ERR_ROUTER_TIMEOUT',
      reason: 'no answer'
    });
    for (let i = 0; i < 3; i++) await t.tick(300); // t = 900: probes at 300, 600, 900
    assert.deepEqual(
      t.requests.map((r) => r.at),
      [0, 300, 600, 900]
    );
    assert.deepEqual(t.statuses(), ['requesting', 'offline'], 'failed probes are not reported');
    await t.tick(100); // t = 1000: the limit runs across retries
    assert.deepEqual(t.actor.getSnapshot().value, { unavailable: 'gone' });
    assert.deepEqual(t.statuses(), ['requesting', 'offline', 'gone']);
    await t.tick(300); // still retried while gone
    assert.equal(t.requests.length, 5);
    assert.equal(t.requests.at(-1)!.at, 1300);
    assert.deepEqual(t.statuses(), ['requesting', 'offline', 'gone']);
    assert.deepEqual(t.actor.getSnapshot().value, { unavailable: 'waiting' });
    // It answers at last.
    await t.tick(300);
    assert.equal(t.requests.length, 6);
    await t.tick(0);
    t.actor.stop();
  });

  it('a probe that succeeds while gone brings it back to hired, with code cleared', async () => {
    const t = start([
      coded('ERR_ROUTER_TIMEOUT', 'x'),
      coded('ERR_ROUTER_TIMEOUT', 'x'),
      coded('ERR_ROUTER_TIMEOUT', 'x'),
      coded('ERR_ROUTER_TIMEOUT', 'x'),
      'ok'
    ]);
    await settle();
    for (let i = 0; i < 3; i++) await t.tick(300); // probes at 300, 600, 900 fail
    await t.tick(100); // gone at 1000
    assert.deepEqual(t.actor.getSnapshot().value, { unavailable: 'gone' });
    await t.tick(300); // gone retries retryMs after it began: 1300, answered
    assert.deepEqual(
      t.requests.map((r) => r.at),
      [0, 300, 600, 900, 1300]
    );
    assert.ok(t.actor.getSnapshot().matches('hired'), 'hired');
    assert.deepEqual(t.statuses(), ['requesting', 'offline', 'gone', 'hired']);
    assert.deepEqual(t.reports.at(-1), { status: 'hired', code: undefined, reason: undefined });
    t.actor.stop();
  });

  it('a probe answered with a refusal goes to refused', async () => {
    const t = start([coded('ERR_ROUTER_TIMEOUT', 'x'), coded('ERR_STORAGE_QUOTA', 'full')]);
    await settle();
    await t.tick(300);
    assert.equal(t.actor.getSnapshot().value, 'refused');
    assert.deepEqual(t.reports.at(-1), {
      status: 'refused',
      code: 'ERR_STORAGE_QUOTA',
      reason: 'full'
    });
    t.actor.stop();
  });

  it('hired → connector.unreachable → offline; connector.reachable asks again', async () => {
    const t = start(['ok', 'ok']);
    await settle();
    t.actor.send({ type: 'connector.unreachable' });
    assert.deepEqual(t.actor.getSnapshot().value, { unavailable: 'offline' });
    t.actor.send({ type: 'connector.reachable' });
    await settle();
    assert.ok(t.actor.getSnapshot().matches('hired'), 'hired');
    assert.deepEqual(t.statuses(), ['requesting', 'hired', 'offline', 'requesting', 'hired']);
    assert.equal(t.actor.getSnapshot().context.attempts, 2);
    assert.equal(t.requests.length, 2);
    t.actor.stop();
  });

  it('a fresh spell of unavailability gets the full offline limit again', async () => {
    const t = start(['ok', 'ok']);
    await settle();
    t.actor.send({ type: 'connector.unreachable' });
    await t.tick(250); // before the first retry
    t.actor.send({ type: 'connector.reachable' });
    await settle();
    t.actor.send({ type: 'connector.unreachable' });
    await t.tick(900); // 1150 since the first spell began, 900 into this one
    assert.ok(!t.statuses().includes('gone'), 'the limit must restart with each spell');
    await t.tick(100);
    assert.deepEqual(t.actor.getSnapshot().value, { unavailable: 'gone' });
    t.actor.stop();
  });

  it('hired → connector.refused → refused with the event code and reason', async () => {
    const t = start(['ok']);
    await settle();
    t.actor.send({ type: 'connector.refused', code: 'ERR_STORAGE_QUOTA', reason: 'over quota' });
    assert.equal(t.actor.getSnapshot().value, 'refused');
    assert.deepEqual(t.reports.at(-1), {
      status: 'refused',
      code: 'ERR_STORAGE_QUOTA',
      reason: 'over quota'
    });
    t.actor.stop();
  });

  it('every checkMs while hired it asks again; a silent supplier goes offline', async () => {
    const t = start(['ok', 'ok', coded('ERR_ROUTER_TIMEOUT', 'silent')]);
    await settle();
    await t.tick(4999);
    assert.equal(t.requests.length, 1);
    await t.tick(1);
    assert.equal(t.requests.length, 2);
    assert.ok(t.actor.getSnapshot().matches('hired'), 'hired');
    await t.tick(5000);
    assert.equal(t.requests.length, 3);
    assert.deepEqual(t.actor.getSnapshot().value, { unavailable: 'offline' });
    assert.equal(t.statuses().at(-1), 'offline');
    t.actor.stop();
  });

  it('a check answered with a refusal goes to refused', async () => {
    const t = start(['ok', coded('ERR_STORAGE_REFUSED', 'rejected')]);
    await settle();
    await t.tick(5000);
    assert.equal(t.actor.getSnapshot().value, 'refused');
    assert.deepEqual(t.reports.at(-1), {
      status: 'refused',
      code: 'ERR_STORAGE_REFUSED',
      reason: 'rejected'
    });
    t.actor.stop();
  });

  it('connector.unreachable during a check goes offline at once', async () => {
    const t = start(['ok']);
    await settle();
    // The next request (the check) never settles within the test.
    t.clock.increment(5000);
    assert.deepEqual(t.actor.getSnapshot().value, { hired: 'checking' });
    t.actor.send({ type: 'connector.unreachable' });
    assert.deepEqual(t.actor.getSnapshot().value, { unavailable: 'offline' });
    await settle();
    t.actor.stop();
  });

  it('a successful check is not reported (the doc: "reported only if the answer changes")', async () => {
    const t = start(['ok', 'ok', 'ok']);
    await settle();
    await t.tick(5000);
    await t.tick(5000);
    assert.deepEqual(t.statuses(), ['requesting', 'hired']);
    t.actor.stop();
  });

  for (const from of ['requesting', 'hired', 'offline', 'refused'] as const) {
    it(`connector.close from ${from}: cancelService, then closed (final)`, async () => {
      const answers: Answer[] =
        from === 'refused'
          ? [coded('ERR_STORAGE_REFUSED', 'no')]
          : from === 'offline'
            ? []
            : ['ok'];
      const t = start(answers);
      if (from !== 'requesting') await settle();
      t.actor.send({ type: 'connector.close' });
      assert.equal(t.actor.getSnapshot().value, 'releasing');
      await settle();
      assert.equal(t.actor.getSnapshot().value, 'closed');
      assert.equal(t.actor.getSnapshot().status, 'done');
      assert.deepEqual(t.cancels, ['sup-1']);
      assert.equal(t.statuses().at(-1), 'closed');
      const before = t.requests.length;
      await t.tick(60_000);
      assert.equal(t.requests.length, before, 'a closed connector asks nothing more');
    });
  }

  it('a cancelService that fails still closes (the supplier may be dead)', async () => {
    const t = start(['ok'], new Error('unreachable'));
    await settle();
    t.actor.send({ type: 'connector.close' });
    await settle();
    assert.equal(t.actor.getSnapshot().value, 'closed');
    assert.deepEqual(t.cancels, ['sup-1']);
  });

  it('sends connector.state events to its real parent', async () => {
    const clock = new TestClock();
    const heard: ConnectorStateEvent[] = [];
    const child = supplierConnectorMachine.provide({
      actors: {
        requestService: fromPromise<void, { supplierId: string; position: number }>(async () => {
          throw coded('ERR_STORAGE_QUOTA', 'full');
        }),
        cancelService: fromPromise<void, { supplierId: string }>(async () => undefined)
      }
    });
    const parent = setup({
      types: { events: {} as ConnectorStateEvent | { type: 'close' } },
      actors: { child }
    }).createMachine({
      invoke: { id: 'c', src: 'child', input },
      on: {
        'connector.state': { actions: ({ event }) => void heard.push(event) },
        close: {
          actions: ({ self }) =>
            (self.getSnapshot().children.c as AnyActorRef).send({ type: 'connector.close' })
        }
      }
    });
    const actor = createActor(parent, { clock });
    actor.start();
    await settle();
    actor.send({ type: 'close' });
    await settle();
    assert.deepEqual(heard, [
      { type: 'connector.state', position: 2, supplierId: 'sup-1', status: 'requesting' },
      {
        type: 'connector.state',
        position: 2,
        supplierId: 'sup-1',
        status: 'refused',
        code: 'ERR_STORAGE_QUOTA',
        reason: 'full'
      },
      {
        type: 'connector.state',
        position: 2,
        supplierId: 'sup-1',
        status: 'closed',
        code: 'ERR_STORAGE_QUOTA',
        reason: 'full'
      }
    ]);
    actor.stop();
  });
});
