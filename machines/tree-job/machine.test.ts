// tree-job: progress only moves forward, the job ends done or failed with the error's code.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise, type AnyActorRef } from 'xstate';
import { treeJobMachine, type TreeJobProgress } from './machine.js';

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
