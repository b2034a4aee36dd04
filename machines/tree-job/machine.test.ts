// tree-job: progress only moves forward, the job ends done or failed with the error's code, and a
// cancel ends it cancelled once its work gave up (done when the work finished anyway).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise, type AnyActorRef } from 'xstate';
import { CANCELLED, treeJobMachine, type TreeJobProgress } from './machine.js';

const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};
const at = (bytesDone: number, itemsDone: number): TreeJobProgress => ({
  bytesDone,
  bytesTotal: 100,
  itemsDone,
  itemsTotal: 3,
  items: 'files'
});

function start() {
  let parent!: AnyActorRef;
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const actor = createActor(
    treeJobMachine.provide({
      actors: {
        work: fromPromise<void, { parent: AnyActorRef }>(({ input }) => {
          parent = input.parent;
          return new Promise<void>((resolve, reject) => {
            finish = resolve;
            fail = reject;
          });
        })
      }
    }),
    { input: { kind: 'backup', target: '/home/a' } }
  );
  actor.start();
  return { actor, parent: () => parent, finish: () => finish(), fail: (e: unknown) => fail(e) };
}

describe('tree-job machine', () => {
  it('keeps the newest progress, never an older one, and ends done', async () => {
    const j = start();
    await settle();
    j.parent().send({ type: 'tree.progress', progress: at(40, 1) });
    j.parent().send({ type: 'tree.progress', progress: at(30, 1) });
    j.parent().send({ type: 'tree.progress', progress: at(50, 0) });
    assert.deepEqual(j.actor.getSnapshot().context.progress, at(40, 1));
    j.parent().send({ type: 'tree.progress', progress: at(100, 3) });
    j.finish();
    await settle();
    const snap = j.actor.getSnapshot();
    assert.equal(snap.value, 'done');
    assert.deepEqual(snap.output, { ok: true });
    assert.deepEqual(snap.context.progress, at(100, 3));
  });

  it('a cancel waits for the work to give up, then ends cancelled', async () => {
    const j = start();
    await settle();
    j.parent().send({ type: 'tree.progress', progress: at(40, 1) });
    j.actor.send({ type: 'tree.cancel' });
    assert.deepEqual(j.actor.getSnapshot().value, { running: 'cancelling' });
    // Progress of what is winding down still counts; a second cancel changes nothing.
    j.parent().send({ type: 'tree.progress', progress: at(50, 1) });
    j.actor.send({ type: 'tree.cancel' });
    assert.deepEqual(j.actor.getSnapshot().value, { running: 'cancelling' });
    j.fail(Object.assign(new Error('cancelled'), { code: CANCELLED }));
    await settle();
    const snap = j.actor.getSnapshot();
    assert.equal(snap.value, 'cancelled');
    assert.equal(snap.status, 'done');
    assert.deepEqual(snap.context.error, { code: CANCELLED, message: 'cancelled' });
    assert.deepEqual(snap.context.progress, at(50, 1));
    assert.deepEqual(snap.output, { ok: false });
  });

  it('a cancel that comes too late leaves the job done, and none reaches a finished job', async () => {
    const j = start();
    await settle();
    j.actor.send({ type: 'tree.cancel' });
    j.finish();
    await settle();
    assert.equal(j.actor.getSnapshot().value, 'done');
    j.actor.send({ type: 'tree.cancel' });
    assert.equal(j.actor.getSnapshot().value, 'done');
    // Not cancelled: a failure with another code is a failure.
    const k = start();
    await settle();
    k.actor.send({ type: 'tree.cancel' });
    k.fail(Object.assign(new Error('lost'), { code: 'ERR_STORAGE_UNRECOVERABLE' }));
    await settle();
    assert.equal(k.actor.getSnapshot().value, 'failed');
  });

  it('a failed job keeps the error code and message', async () => {
    const j = start();
    await settle();
    j.fail(Object.assign(new Error('3 of 6 suppliers hired'), { code: 'ERR_STORAGE_NO_SERVICE' }));
    await settle();
    const snap = j.actor.getSnapshot();
    assert.equal(snap.value, 'failed');
    assert.deepEqual(snap.context.error, {
      code: 'ERR_STORAGE_NO_SERVICE',
      message: '3 of 6 suppliers hired'
    });
    assert.deepEqual(snap.output, { ok: false });
  });
});
