/**
 * The OTP matrix (supervisor_SUITE's groups): strategy × restart type × exit reason. Three workers
 * a, b, c (a and c permanent); b has the restart type under test and exits with the reason under
 * test. Each case checks which children were restarted (new session id), which kept running (same
 * session id) and which are gone, against an expectation table written out case by case.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { supervisorMachine } from './machine.js';
import { childrenOf, sessions, workerMachine } from './fixtures.js';
import type { RestartType, Strategy } from './types.js';

type Reason = 'normal' | 'shutdown' | 'abnormal';
type Fate = 'restarted' | 'kept' | 'stopped' | 'removed';

const trigger: Record<Reason, string> = {
  normal: 'test.finish',
  shutdown: 'test.quit',
  abnormal: 'test.crash'
};

/** b restarts? permanent always; transient only abnormal; temporary never. */
function restartsB(restart: RestartType, reason: Reason): boolean {
  return restart === 'permanent' || (restart === 'transient' && reason === 'abnormal');
}

/** The expected fate of a, b and c, spelled out per OTP's rules. */
function expected(strategy: Strategy, restart: RestartType, reason: Reason): [Fate, Fate, Fate] {
  if (!restartsB(restart, reason)) {
    // Nothing restarts; b is stopped (transient keeps its spec) or removed (temporary).
    return ['kept', restart === 'temporary' ? 'removed' : 'stopped', 'kept'];
  }
  if (strategy === 'one_for_one') return ['kept', 'restarted', 'kept'];
  if (strategy === 'one_for_all') return ['restarted', 'restarted', 'restarted'];
  return ['kept', 'restarted', 'restarted'];
}

const strategies: Strategy[] = ['one_for_one', 'one_for_all', 'rest_for_one'];
const restarts: RestartType[] = ['permanent', 'transient', 'temporary'];
const reasons: Reason[] = ['normal', 'shutdown', 'abnormal'];

describe('supervisor matrix: strategy × restart type × exit reason', () => {
  for (const strategy of strategies) {
    for (const restart of restarts) {
      for (const reason of reasons) {
        it(`${strategy} / ${restart} / ${reason}`, () => {
          const clock = new TestClock();
          const sup = createActor(supervisorMachine, {
            clock,
            input: {
              strategy,
              intensity: 10,
              children: [
                { id: 'a', logic: workerMachine },
                { id: 'b', logic: workerMachine, restart },
                { id: 'c', logic: workerMachine }
              ]
            }
          }).start();
          const before = sessions(sup);
          childrenOf(sup).b!.send({ type: trigger[reason] });
          const after = sessions(sup);
          const records = sup.getSnapshot().context.children;
          const fate = (id: string): Fate => {
            const record = records.find((c) => c.id === id);
            if (!record) return 'removed';
            if (record.status === 'stopped') return 'stopped';
            assert.equal(record.status, 'running');
            assert.ok(after[id], `${id} is a live child`);
            return after[id] === before[id] ? 'kept' : 'restarted';
          };
          assert.deepEqual(['a', 'b', 'c'].map(fate), expected(strategy, restart, reason));
          const b = records.find((c) => c.id === 'b');
          if (b) assert.equal(b.lastExit?.kind, reason);
          assert.equal(sup.getSnapshot().status, 'active');
          assert.deepEqual(sup.getSnapshot().value, { active: 'running' });
          if (reason === 'abnormal')
            assert.equal(sup.getSnapshot().context.lastReport?.offender?.id, 'b');
          sup.stop();
        });
      }
    }
  }

  it('a temporary sibling stopped by one_for_all is not restarted (OTP)', () => {
    const sup = createActor(supervisorMachine, {
      clock: new TestClock(),
      input: {
        strategy: 'one_for_all',
        children: [
          { id: 'a', logic: workerMachine, restart: 'temporary' },
          { id: 'b', logic: workerMachine }
        ]
      }
    }).start();
    childrenOf(sup).b!.send({ type: 'test.crash' });
    assert.deepEqual(
      sup.getSnapshot().context.children.map((c) => c.id),
      ['b']
    );
    assert.deepEqual(Object.keys(childrenOf(sup)), ['b']);
    sup.stop();
  });

  it('a finished transient sibling stays stopped when another child restarts all', () => {
    const sup = createActor(supervisorMachine, {
      clock: new TestClock(),
      input: {
        strategy: 'one_for_all',
        children: [
          { id: 'a', logic: workerMachine, restart: 'transient' },
          { id: 'b', logic: workerMachine }
        ]
      }
    }).start();
    childrenOf(sup).a!.send({ type: 'test.finish' });
    childrenOf(sup).b!.send({ type: 'test.crash' });
    const [a, b] = sup.getSnapshot().context.children;
    assert.equal(a?.status, 'stopped');
    assert.equal(b?.status, 'running');
    assert.deepEqual(Object.keys(childrenOf(sup)), ['b']);
    sup.stop();
  });
});
