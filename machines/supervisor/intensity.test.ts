/**
 * Restart intensity and backoff, on a simulated clock: escalation when more than `intensity`
 * restarts happen within `periodMs`, the sliding window forgetting old restarts, a parent
 * supervisor restarting an escalated child supervisor, and exponential backoff with a cap.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AnyActorRef } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { BitDustError } from '../../actors/errors.js';
import { startSupervisor, supervisorSpec } from '../../actors/supervisor/index.js';
import { childrenOf, sessions, workerMachine } from './fixtures.js';

function crash(sup: AnyActorRef, id: string): void {
  childrenOf(sup)[id]!.send({ type: 'test.crash' });
}

describe('supervisor intensity', () => {
  it('more than `intensity` restarts in `periodMs` stops all children and escalates', () => {
    // intensity 2: the third restart within the period is refused and the supervisor fails.
    const clock = new TestClock();
    const errors: unknown[] = [];
    const sup = startSupervisor({
      clock,
      intensity: 2,
      periodMs: 1000,
      onError: (e) => errors.push(e),
      children: [
        { id: 'a', logic: workerMachine },
        { id: 'b', logic: workerMachine }
      ]
    });
    crash(sup, 'b');
    crash(sup, 'b');
    const a = childrenOf(sup).a!;
    crash(sup, 'b');
    assert.equal(sup.getSnapshot().status, 'error');
    assert.equal(sup.getSnapshot().value, 'failed');
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof BitDustError);
    assert.equal(errors[0].code, 'ERR_SUPERVISOR_INTENSITY');
    assert.equal(a.getSnapshot().status, 'stopped', 'the sibling was stopped before escalating');
    const report = sup.getSnapshot().context.lastReport;
    assert.equal(report?.reason, 'reached_max_restart_intensity');
    assert.equal(report?.errorContext, 'shutdown');
    assert.equal(report?.offender?.id, 'b');
  });

  it('the window slides: restarts older than `periodMs` are forgotten', () => {
    const clock = new TestClock();
    const sup = startSupervisor({
      clock,
      intensity: 2,
      periodMs: 1000,
      children: [{ id: 'a', logic: workerMachine }]
    });
    for (let round = 0; round < 5; round++) {
      crash(sup, 'a');
      crash(sup, 'a');
      assert.equal(sup.getSnapshot().context.recentRestarts, 2);
      clock.increment(1000);
      assert.equal(sup.getSnapshot().context.recentRestarts, 0);
    }
    assert.equal(sup.getSnapshot().status, 'active');
    assert.equal(sup.getSnapshot().context.children[0]?.restarts, 10);
    sup.stop();
  });

  it('a parent supervisor restarts a child supervisor that escalated', () => {
    // The child supervisor fails on its 2nd restart; the root sees an abnormal exit and restarts it.
    const clock = new TestClock();
    const errors: unknown[] = [];
    const root = startSupervisor({
      clock,
      intensity: 3,
      onError: (e) => errors.push(e),
      children: [
        supervisorSpec('area', {
          intensity: 1,
          children: [
            { id: 'v', logic: workerMachine },
            { id: 'w', logic: workerMachine }
          ]
        }),
        { id: 'other', logic: workerMachine }
      ]
    });
    const area = childrenOf(root).area!;
    const sibling = childrenOf(area).v!;
    const before = sessions(root);
    crash(area, 'w');
    crash(area, 'w');
    assert.equal(sibling.getSnapshot().status, 'stopped', 'the escalating supervisor stopped v');
    assert.equal(area.getSnapshot().status, 'error');
    const after = sessions(root);
    assert.notEqual(after.area, before.area, 'area restarted');
    assert.equal(after.other, before.other, 'one_for_one keeps the sibling');
    const record = root.getSnapshot().context.children.find((c) => c.id === 'area');
    assert.equal(record?.restarts, 1);
    assert.equal(record?.lastExit?.code, 'ERR_SUPERVISOR_INTENSITY');
    const fresh = childrenOf(root).area!;
    assert.equal(fresh.getSnapshot().value.active, 'running');
    assert.equal(childrenOf(fresh).w?.getSnapshot().status, 'active');
    assert.deepEqual(errors, []);
    root.stop();
  });
});

describe('supervisor backoff', () => {
  it('waits initialMs · 2^(n-1), capped at maxMs, on the simulated clock', () => {
    const clock = new TestClock();
    const sup = startSupervisor({
      clock,
      intensity: 10,
      periodMs: 60_000,
      backoff: { initialMs: 100, maxMs: 400 },
      children: [{ id: 'a', logic: workerMachine }]
    });
    for (const delay of [100, 200, 400, 400]) {
      crash(sup, 'a');
      assert.deepEqual(sup.getSnapshot().value, { active: 'restarting' });
      assert.equal(childrenOf(sup).a, undefined);
      clock.increment(delay - 1);
      assert.equal(childrenOf(sup).a, undefined, `not before ${delay} ms`);
      clock.increment(1);
      assert.equal(childrenOf(sup).a?.getSnapshot().status, 'active', `restarted at ${delay} ms`);
      assert.deepEqual(sup.getSnapshot().value, { active: 'running' });
    }
    // Once the window forgot the restarts, the backoff starts again from initialMs.
    clock.increment(60_000);
    crash(sup, 'a');
    clock.increment(100);
    assert.equal(childrenOf(sup).a?.getSnapshot().status, 'active');
    sup.stop();
  });

  it('one_for_all with backoff stops siblings at once and restarts all in order later', () => {
    const clock = new TestClock();
    const sup = startSupervisor({
      clock,
      strategy: 'one_for_all',
      backoff: { initialMs: 50, maxMs: 50 },
      children: ['a', 'b', 'c'].map((id) => ({ id, logic: workerMachine }))
    });
    const a = childrenOf(sup).a!;
    crash(sup, 'b');
    assert.equal(a.getSnapshot().status, 'stopped');
    assert.deepEqual(Object.keys(childrenOf(sup)), []);
    clock.increment(50);
    const order = Object.values(childrenOf(sup)).map((r) => Number(r.sessionId.split(':')[1]));
    assert.deepEqual(Object.keys(childrenOf(sup)), ['a', 'b', 'c']);
    assert.deepEqual(
      order,
      [...order].sort((x, y) => x - y),
      'spawned in spec order'
    );
    sup.stop();
  });
});
