import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { classifySendError, requestMachine } from './machine.js';
import type { RequestInput, TransmitInput } from './machine.js';

const input: RequestInput = {
  requestId: 'r1',
  peer: 'bob',
  type: 'cmd.retrieve',
  timeoutMs: 1000,
  maxAttempts: 3,
  backoffMs: 100,
  maxBackoffMs: 150
};

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A request actor whose transmit records attempts and fails with `errors[attempt-1]` if set. */
function start(errors: Array<unknown> = []) {
  const clock = new TestClock();
  const sent: number[] = [];
  const logic = requestMachine.provide({
    actors: {
      transmit: fromPromise<void, TransmitInput>(async ({ input: i }) => {
        sent.push(i.attempt);
        const error = errors[i.attempt - 1];
        if (error) throw error;
      })
    }
  });
  const actor = createActor(logic, { clock, input });
  actor.start();
  return { clock, actor, sent };
}

describe('request machine', () => {
  it('ends done with the reply', async () => {
    const { actor, sent } = start();
    await settle();
    assert.equal(actor.getSnapshot().value, 'awaitingReply');
    actor.send({ type: 'router.reply', reply: 'pong' });
    assert.equal(actor.getSnapshot().status, 'done');
    assert.deepEqual(actor.getSnapshot().output, { ok: true, reply: 'pong', attempts: 1 });
    assert.deepEqual(sent, [1]);
  });

  it('retries after each timeout with a capped doubling backoff, then fails', async () => {
    const { clock, actor, sent } = start();
    await settle();
    clock.increment(1000); // attempt 1 times out
    assert.equal(actor.getSnapshot().value, 'backingOff');
    clock.increment(99);
    assert.equal(actor.getSnapshot().value, 'backingOff');
    clock.increment(1);
    await settle();
    assert.deepEqual(sent, [1, 2]);
    clock.increment(1000);
    clock.increment(150); // 100·2 capped at 150
    await settle();
    assert.deepEqual(sent, [1, 2, 3]);
    clock.increment(1000);
    const out = actor.getSnapshot().output;
    assert.equal(out?.ok, false);
    assert.equal(out?.ok === false && out.code, 'ERR_ROUTER_TIMEOUT');
    assert.equal(out?.attempts, 3);
  });

  it('accepts a late reply to an earlier attempt while backing off', async () => {
    const { clock, actor } = start();
    await settle();
    clock.increment(1000);
    actor.send({ type: 'router.reply', reply: 'late' });
    assert.deepEqual(actor.getSnapshot().output, { ok: true, reply: 'late', attempts: 1 });
  });

  it('retries an unreachable peer, but not a missing route', async () => {
    const unreachable = { code: 'ERR_TRANSPORT_UNREACHABLE', message: 'down' };
    const a = start([unreachable]);
    await settle();
    assert.equal(a.actor.getSnapshot().value, 'backingOff');
    a.clock.increment(100);
    await settle();
    assert.equal(a.actor.getSnapshot().value, 'awaitingReply');

    const b = start([{ code: 'ERR_ROUTER_NO_ROUTE', message: 'who?' }]);
    await settle();
    const out = b.actor.getSnapshot().output;
    assert.equal(out?.ok === false && out.code, 'ERR_ROUTER_NO_ROUTE');
  });

  it('gives up as unreachable when every attempt is refused', async () => {
    const unreachable = { code: 'ERR_TRANSPORT_UNREACHABLE', message: 'down' };
    const { clock, actor, sent } = start([unreachable, unreachable, unreachable]);
    for (let i = 0; i < 5 && actor.getSnapshot().status === 'active'; i++) {
      await settle();
      clock.increment(200);
    }
    const out = actor.getSnapshot().output;
    assert.equal(out?.ok === false && out.code, 'ERR_ROUTER_UNREACHABLE');
    assert.deepEqual(sent, [1, 2, 3]);
  });

  it('ends failed on cancel with the given code', async () => {
    const { actor } = start();
    actor.send({ type: 'router.cancel', code: 'ERR_ROUTER_CLOSED', message: 'stopping' });
    const out = actor.getSnapshot().output;
    assert.equal(out?.ok === false && out.code, 'ERR_ROUTER_CLOSED');
  });

  it('classifies send errors', () => {
    assert.deepEqual(classifySendError({ code: 'ERR_TRANSPORT_CLOSED' }), {
      code: 'ERR_ROUTER_CLOSED',
      retry: false
    });
    assert.equal(
      classifySendError({ code: 'ERR_TRANSPORT_FRAME_TOO_LARGE' }).code,
      'ERR_ROUTER_TOO_LARGE'
    );
    assert.equal(classifySendError(new TypeError('bug')).code, 'ERR_ROUTER_SEND');
    assert.equal(classifySendError(null).retry, false);
  });
});
