import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, SimulatedClock } from 'xstate';
import { circuitMachine } from './machine.js';

function start(path: string[], register = true) {
  const clock = new SimulatedClock();
  const sent: string[] = [];
  const actor = createActor(
    circuitMachine.provide({
      actions: {
        sendCreate: () => void sent.push('create'),
        sendExtend: (_, { hop }) => void sent.push(`extend ${hop}`),
        sendRegister: () => void sent.push('register'),
        sendPing: (_, { seq }) => void sent.push(`ping ${seq}`),
        sendDestroy: () => void sent.push('destroy')
      }
    }),
    {
      input: { path, register, buildTimeoutMs: 100, pingIntervalMs: 50, probeTimeoutMs: 20 },
      clock
    }
  ).start();
  return { actor, clock, sent };
}

describe('circuit machine', () => {
  it('creates, extends hop by hop, registers, then probes', () => {
    const { actor, clock, sent } = start(['a', 'b', 'c']);
    actor.send({ type: 'hop.ready' });
    actor.send({ type: 'hop.ready' });
    actor.send({ type: 'hop.ready' });
    assert.equal(actor.getSnapshot().value, 'registering');
    actor.send({ type: 'circuit.registered', address: 'proxy:c#t' });
    assert.equal(actor.getSnapshot().value, 'ready');
    clock.increment(50);
    actor.send({ type: 'circuit.pong', seq: 1 });
    assert.equal(actor.getSnapshot().value, 'ready');
    assert.deepEqual(sent, ['create', 'extend 1', 'extend 2', 'register', 'ping 1']);
  });

  it('fails on a build timeout, blaming the hop', () => {
    const { actor, clock } = start(['a', 'b']);
    clock.increment(100);
    assert.equal(actor.getSnapshot().status, 'done');
    assert.deepEqual(actor.getSnapshot().output?.suspects, ['a']);
    assert.equal(actor.getSnapshot().output?.code, 'ERR_PROXY_CIRCUIT_TIMEOUT');
  });

  it('fails after maxMissed unanswered pings', () => {
    const { actor, clock, sent } = start(['a'], false);
    actor.send({ type: 'hop.ready' });
    clock.increment(50);
    clock.increment(20);
    clock.increment(20);
    assert.equal(actor.getSnapshot().output?.code, 'ERR_PROXY_CIRCUIT_KEEPALIVE');
    assert.deepEqual(sent, ['create', 'ping 1', 'ping 2', 'destroy']);
  });

  it('maps destroy reasons to codes and blames the right hop', () => {
    for (const [reason, depth, code, suspect] of [
      ['authentication failed', 0, 'ERR_PROXY_CIRCUIT_AUTH', 'a'],
      ['router full: 1 of 1 circuits in use', 1, 'ERR_PROXY_CIRCUIT_REFUSED', 'b'],
      ['next hop lost', 0, 'ERR_PROXY_CIRCUIT_DESTROYED', 'b']
    ] as const) {
      const { actor } = start(['a', 'b']);
      actor.send({ type: 'circuit.destroyed', reason, depth });
      assert.equal(actor.getSnapshot().output?.code, code);
      assert.deepEqual(actor.getSnapshot().output?.suspects, [suspect]);
    }
  });

  it('closes on request after the tear-down is acknowledged', () => {
    const { actor } = start(['a'], false);
    actor.send({ type: 'hop.ready' });
    actor.send({ type: 'circuit.close' });
    actor.send({ type: 'circuit.destroyed', reason: 'closed', depth: 0 });
    assert.equal(actor.getSnapshot().output?.status, 'closed');
  });
});
