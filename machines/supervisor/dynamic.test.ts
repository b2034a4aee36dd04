/**
 * Dynamic children (one per peer, per job): start_child / terminate_child through the promise API,
 * rejections, respawning an id, and exits queued by an old incarnation after a restart.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setup, sendTo } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { BitDustError } from '../../actors/errors.js';
import {
  childSpec,
  startChild,
  startSupervisor,
  terminateChild
} from '../../actors/supervisor/index.js';
import { childrenOf, workerMachine } from './fixtures.js';

describe('supervisor dynamic children', () => {
  it('starts, rejects duplicates and bad specs, terminates and restarts an id', async () => {
    const sup = startSupervisor({ clock: new TestClock() });
    const peer = await startChild(sup, childSpec('peer.alice', workerMachine, { systemId: 'p.a' }));
    assert.equal(peer.getSnapshot().status, 'active');
    assert.equal(sup.system.get('p.a'), peer);
    await assert.rejects(startChild(sup, childSpec('peer.alice', workerMachine)), (err) => {
      assert.ok(err instanceof BitDustError);
      assert.equal(err.code, 'ERR_SUPERVISOR_START_CHILD');
      assert.match(err.message, /already_started/);
      return true;
    });
    await assert.rejects(
      startChild(sup, { id: 'x', logic: workerMachine, restart: 'sometimes' as never }),
      /invalid_restart_type/
    );
    assert.throws(() => childSpec('', workerMachine), /ERR_SUPERVISOR_BAD_SPEC/);
    terminateChild(sup, 'peer.alice');
    assert.equal(peer.getSnapshot().status, 'stopped');
    assert.deepEqual(sup.getSnapshot().context.children, []);
    assert.equal(sup.system.get('p.a'), undefined);
    const again = await startChild(
      sup,
      childSpec('peer.alice', workerMachine, { systemId: 'p.a' })
    );
    assert.notEqual(again, peer);
    sup.stop();
  });

  it('holds hundreds of per-peer children and forgets terminated ones', async () => {
    const sup = startSupervisor({ clock: new TestClock() });
    for (let i = 0; i < 300; i++) {
      await startChild(sup, childSpec(`peer.${i}`, workerMachine, { restart: 'transient' }));
    }
    for (let i = 0; i < 300; i += 2) terminateChild(sup, `peer.${i}`);
    assert.equal(sup.getSnapshot().context.children.length, 150);
    assert.equal(Object.keys(childrenOf(sup)).length, 150);
    childrenOf(sup)['peer.1']!.send({ type: 'test.finish' });
    const one = sup.getSnapshot().context.children.find((c) => c.id === 'peer.1');
    assert.equal(one?.status, 'stopped', 'a transient child that finished stays listed, stopped');
    // A stopped child's id may be started again with a new spec.
    await startChild(sup, childSpec('peer.1', workerMachine));
    sup.stop();
  });

  it('rejects start_child while stopping', async () => {
    const sup = startSupervisor({ clock: new TestClock() });
    sup.send({ type: 'supervisor.shutdown' });
    await assert.rejects(startChild(sup, childSpec('late', workerMachine)), /ERR_SUPERVISOR/);
  });

  it('ignores an exit queued by an incarnation that was already replaced', () => {
    // x tells y to crash, then finishes. y's crash restarts both (one_for_all) while x is still
    // finishing, so x's done event reaches the supervisor after the new x started: it is stale.
    const relay = setup({}).createMachine({
      initial: 'idle',
      states: {
        idle: {
          on: {
            'test.go': {
              target: 'gone',
              actions: sendTo(({ system }) => system.get('y'), { type: 'test.crash' })
            }
          }
        },
        gone: { type: 'final' }
      }
    });
    const sup = startSupervisor({
      clock: new TestClock(),
      strategy: 'one_for_all',
      intensity: 5,
      children: [
        { id: 'x', logic: relay },
        { id: 'y', logic: workerMachine, systemId: 'y' }
      ]
    });
    childrenOf(sup).x!.send({ type: 'test.go' });
    const [x, y] = sup.getSnapshot().context.children;
    assert.equal(sup.getSnapshot().context.recentRestarts, 1);
    assert.equal(x?.restarts, 1);
    assert.equal(y?.restarts, 1);
    assert.equal(childrenOf(sup).x?.getSnapshot().value, 'idle');
    sup.stop();
  });
});
