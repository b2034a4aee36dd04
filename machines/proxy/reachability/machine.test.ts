import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createActor, SimulatedClock } from 'xstate';
import { reachabilityMachine } from './machine.js';

describe('reachability machine', () => {
  it('direct → relayed → unreachable → relayed, each with its reason', () => {
    const clock = new SimulatedClock();
    const a = createActor(reachabilityMachine, { input: { probeTimeoutMs: 100 }, clock }).start();
    const at = () => [a.getSnapshot().value, a.getSnapshot().context.reason];
    a.send({ type: 'reach.inbound', ok: true });
    assert.deepEqual(at(), ['direct', 'inbound TCP works']);
    a.send({ type: 'reach.relayed', via: 'proxy:r#t', hops: 1 });
    a.send({ type: 'reach.inbound', ok: false, detail: 'probe refused' });
    assert.deepEqual(at(), ['relayed', 'no inbound TCP; relayed via 1 router']);
    a.send({ type: 'reach.relay-lost', reason: 'keepalive unanswered' });
    assert.deepEqual(at(), ['unreachable', 'router lost: keepalive unanswered']);
    a.send({ type: 'reach.relayed', via: 'proxy:s#t', hops: 1 });
    assert.equal(a.getSnapshot().value, 'relayed');
  });

  it('no probe answer counts as no inbound; privacy mode is never direct', () => {
    const clock = new SimulatedClock();
    const a = createActor(reachabilityMachine, { input: { probeTimeoutMs: 100 }, clock }).start();
    clock.increment(100);
    assert.deepEqual(a.getSnapshot().value, 'unreachable');
    assert.equal(a.getSnapshot().context.reason, 'no inbound TCP (no probe answered)');
    const p = createActor(reachabilityMachine, { input: { privacy: true }, clock }).start();
    p.send({ type: 'reach.inbound', ok: true });
    p.send({ type: 'reach.relayed', via: 'proxy:r#t', hops: 3 });
    assert.equal(p.getSnapshot().value, 'relayed');
    assert.equal(p.getSnapshot().context.reason, 'privacy mode; relayed via 3 routers');
  });
});
