import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, fromCallback, fromPromise, SimulatedClock, type AnyActorRef } from 'xstate';
import { receiverMachine } from './machine.js';

describe('receiver machine', () => {
  it('builds, publishes, fails over avoiding the suspect, and counts', async () => {
    const clock = new SimulatedClock();
    const published: (string | null)[] = [];
    let circuit: { sendBack: (e: never) => void } | null = null;
    const asked: Record<string, number>[] = [];
    const actor: AnyActorRef = createActor(
      receiverMachine.provide({
        actors: {
          findRouters: fromPromise(async ({ input }) => {
            asked.push(input.suspects);
            return ['r1', 'r2'].sort((a, b) => (input.suspects[a] ?? 0) - (input.suspects[b] ?? 0));
          }),
          circuit: fromCallback(({ sendBack }) => void (circuit = { sendBack: sendBack as never }))
        },
        actions: {
          publishContacts: (_, { address }) => void published.push(address),
          withdrawContacts: () => void published.push(null)
        }
      }),
      { input: { hops: 1, retryDelayMs: 10 }, clock }
    ).start();
    actor.send({ type: 'receiver.start' });
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(actor.getSnapshot().value, { attached: 'building' });
    assert.deepEqual(actor.getSnapshot().context.path, ['r1']);
    actor.send({ type: 'circuit.ready', address: 'proxy:r1#a' });
    assert.deepEqual(actor.getSnapshot().value, { attached: 'listening' });
    actor.send({
      type: 'circuit.failed',
      code: 'ERR_PROXY_CIRCUIT_LOST',
      reason: 'router lost',
      suspects: ['r1']
    });
    assert.equal(actor.getSnapshot().value, 'backoff');
    clock.increment(10);
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(actor.getSnapshot().context.path, ['r2']);
    const ctx = actor.getSnapshot().context;
    assert.deepEqual(ctx.failures, { ERR_PROXY_CIRCUIT_LOST: 1 });
    assert.equal(ctx.rebuilds, 1);
    assert.deepEqual(published, ['proxy:r1#a', null]);
    assert.ok(circuit);
  });

  it('waits and retries when there are not enough routers', async () => {
    const clock = new SimulatedClock();
    const actor = createActor(
      receiverMachine.provide({ actors: { findRouters: fromPromise(async () => ['r1']) } }),
      { input: { hops: 3, retryDelayMs: 10 }, clock }
    ).start();
    actor.send({ type: 'receiver.start' });
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(actor.getSnapshot().value, 'backoff');
    assert.equal(actor.getSnapshot().context.lastReason, 'not enough proxy routers: 1 of 3');
  });
});
