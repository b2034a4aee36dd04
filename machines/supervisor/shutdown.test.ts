/**
 * Graceful stop: reverse start order, a shutdown event for children that accept one, `brutal_kill`,
 * the per-child timeout (then `killed`), nested supervisors, and stopSupervisor's own deadline.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestClock } from '../../actors/clock.js';
import { startSupervisor, stopSupervisor, supervisorSpec } from '../../actors/supervisor/index.js';
import { childrenOf, stubbornMachine, tickerLogic, workerMachine } from './fixtures.js';

describe('supervisor shutdown', () => {
  it('stops children in reverse start order, gracefully where they accept `shutdown`', async () => {
    // w1, t1, w2 started in that order: w2 quits, t1 (a callback, no events) is stopped, w1 quits.
    const log: string[] = [];
    const sup = startSupervisor({
      clock: new TestClock(),
      children: [
        { id: 'w1', logic: workerMachine, input: { log } },
        { id: 't1', logic: tickerLogic, input: { log } },
        { id: 'w2', logic: workerMachine, input: { log } }
      ]
    });
    await stopSupervisor(sup);
    assert.deepEqual(log, ['quit:w2', 'stop:t1', 'quit:w1']);
    assert.equal(sup.getSnapshot().status, 'done');
    assert.deepEqual(sup.getSnapshot().output, { reason: 'shutdown' });
    for (const c of sup.getSnapshot().context.children) {
      assert.equal(c.status, 'stopped');
      assert.equal(c.lastExit?.kind, 'shutdown');
    }
  });

  it('brutal_kill stops a child without asking it', async () => {
    const log: string[] = [];
    const sup = startSupervisor({
      clock: new TestClock(),
      children: [{ id: 'w', logic: workerMachine, input: { log }, shutdown: 'brutal_kill' }]
    });
    const w = childrenOf(sup).w!;
    await stopSupervisor(sup);
    assert.deepEqual(log, []);
    assert.equal(w.getSnapshot().status, 'stopped');
  });

  it('a child that does not finish within its timeout is stopped (killed)', () => {
    // The stubborn child accepts shutdown but never ends; exits meanwhile are recorded, not restarted.
    const clock = new TestClock();
    const log: string[] = [];
    const sup = startSupervisor({
      clock,
      children: [
        { id: 'w', logic: workerMachine, input: { log } },
        { id: 's', logic: stubbornMachine, input: { log }, shutdown: 1000 }
      ]
    });
    const s = childrenOf(sup).s!;
    sup.send({ type: 'supervisor.shutdown' });
    assert.deepEqual(sup.getSnapshot().value, { stopping: 'waiting' });
    assert.deepEqual(log, ['draining:s']);
    childrenOf(sup).w!.send({ type: 'test.crash' });
    assert.equal(sup.getSnapshot().context.children[0]?.lastExit?.kind, 'abnormal');
    assert.equal(childrenOf(sup).w, undefined, 'not restarted while stopping');
    clock.increment(999);
    assert.equal(s.getSnapshot().status, 'active');
    clock.increment(1);
    assert.equal(s.getSnapshot().status, 'stopped');
    assert.equal(sup.getSnapshot().status, 'done');
    const report = sup.getSnapshot().context.lastReport;
    assert.equal(report?.errorContext, 'shutdown_error');
    assert.deepEqual(report?.reason, { kind: 'killed' });
  });

  it('a nested supervisor shuts down its own children first, in reverse order', async () => {
    const log: string[] = [];
    const worker = (id: string) => ({ id, logic: workerMachine, input: { log } });
    const root = startSupervisor({
      clock: new TestClock(),
      children: [
        worker('first'),
        supervisorSpec('area', { children: [worker('p1'), worker('p2')] }),
        worker('last')
      ]
    });
    await stopSupervisor(root);
    assert.deepEqual(log, ['quit:last', 'quit:p2', 'quit:p1', 'quit:first']);
    const area = root.getSnapshot().context.children.find((c) => c.id === 'area');
    assert.equal(area?.lastExit?.kind, 'shutdown');
  });

  it('stopSupervisor stops the root at its own deadline', async () => {
    const clock = new TestClock();
    const sup = startSupervisor({
      clock,
      children: [{ id: 's', logic: stubbornMachine, shutdown: 'infinity' }]
    });
    const done = stopSupervisor(sup, 500);
    clock.increment(500);
    await done;
    assert.equal(sup.getSnapshot().status, 'stopped');
    assert.equal(childrenOf(sup).s?.getSnapshot().status ?? 'stopped', 'stopped');
  });

  it('a supervisor that is not active resolves at once', async () => {
    const sup = startSupervisor({ clock: new TestClock() });
    await stopSupervisor(sup);
    await stopSupervisor(sup);
    assert.equal(sup.getSnapshot().status, 'done');
  });
});
