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

  it('with a spare, takes the next routers as its path and switches to it without a build', async () => {
    const clock = new SimulatedClock();
    const published: (string | null)[] = [];
    const inputs: { path: string[]; spare: string[] }[] = [];
    let circuit: { sendBack: (e: never) => void } | null = null;
    const actor: AnyActorRef = createActor(
      receiverMachine.provide({
        actors: {
          findRouters: fromPromise(async () => ['r1', 'r2', 'r3']),
          circuit: fromCallback(({ sendBack, input }) => {
            inputs.push(input);
            circuit = { sendBack: sendBack as never };
          })
        },
        actions: {
          publishContacts: (_, { address }) => void published.push(address),
          withdrawContacts: () => void published.push(null)
        }
      }),
      { input: { hops: 1, retryDelayMs: 10, spare: true }, clock }
    ).start();
    actor.send({ type: 'receiver.start' });
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(inputs, [{ path: ['r1'], spare: ['r2'] }]);
    actor.send({ type: 'circuit.ready', address: 'proxy:r1#a' });
    assert.ok(circuit);
    actor.send({
      type: 'circuit.switched',
      address: 'proxy:r2#b',
      code: 'ERR_PROXY_CIRCUIT_LOST',
      reason: 'router lost',
      suspects: ['r1']
    });
    const snap = actor.getSnapshot();
    assert.deepEqual(snap.value, { attached: 'listening' });
    assert.deepEqual(snap.context.path, ['r2']);
    assert.deepEqual(snap.context.sparePath, []);
    assert.equal(snap.context.address, 'proxy:r2#b');
    assert.equal(snap.context.switches, 1);
    assert.equal(snap.context.rebuilds, 0);
    assert.deepEqual(snap.context.failures, { ERR_PROXY_CIRCUIT_LOST: 1 });
    assert.deepEqual(snap.context.suspects, { r1: 1 });
    // Published at once, never withdrawn in between; the circuit actor was not restarted.
    assert.deepEqual(published, ['proxy:r1#a', 'proxy:r2#b']);
    assert.equal(inputs.length, 1);
    // The next failure (no spare left) rebuilds as usual.
    actor.send({
      type: 'circuit.failed',
      code: 'ERR_PROXY_CIRCUIT_LOST',
      reason: 'x',
      suspects: []
    });
    assert.equal(actor.getSnapshot().value, 'backoff');
  });

  it('builds no spare without enough routers for a disjoint one', async () => {
    const inputs: { path: string[]; spare: string[] }[] = [];
    const actor = createActor(
      receiverMachine.provide({
        actors: {
          findRouters: fromPromise(async () => ['r1', 'r2', 'r3', 'r4', 'r5']),
          circuit: fromCallback(({ input }) => void inputs.push(input))
        }
      }),
      { input: { hops: 3, spare: true } }
    ).start();
    actor.send({ type: 'receiver.start' });
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(inputs, [{ path: ['r1', 'r2', 'r3'], spare: [] }]);
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
