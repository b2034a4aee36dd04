// restore: blocks in order, lost blocks named all at once, the temporary file removed on every
// failure after prepare, and cancel.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise, toPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { restoreMachine } from './machine.js';

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};
const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

interface Script {
  prepare?: () => Promise<{ blockCount: number }>;
  block?: (index: number) => Promise<{ ok: boolean }>;
  finish?: (lost: readonly number[]) => Promise<void>;
  abort?: () => Promise<void>;
}

function start(s: Script) {
  const calls = { blocks: [] as number[], finish: [] as (readonly number[])[], abort: 0 };
  const actor = createActor(
    restoreMachine.provide({
      actors: {
        prepare: fromPromise(async () => (s.prepare ? s.prepare() : { blockCount: 3 })),
        restoreBlock: fromPromise<{ ok: boolean }, { index: number }>(async ({ input }) => {
          calls.blocks.push(input.index);
          return s.block ? s.block(input.index) : { ok: true };
        }),
        finish: fromPromise<void, { lost: readonly number[] }>(async ({ input }) => {
          calls.finish.push(input.lost);
          if (s.finish) await s.finish(input.lost);
        }),
        abort: fromPromise<void>(async () => {
          calls.abort++;
          if (s.abort) await s.abort();
        })
      }
    }),
    { clock: new TestClock(), input: { path: '/home/a.txt', version: 4 } }
  );
  actor.start();
  return { actor, calls };
}

describe('restore machine', () => {
  it('restores every block in order, finishes and outputs the block count', async () => {
    const { actor, calls } = start({});
    assert.deepEqual(await toPromise(actor), { ok: true, blocks: 3 });
    assert.deepEqual(calls, { blocks: [0, 1, 2], finish: [[]], abort: 0 });
    assert.equal(actor.getSnapshot().value, 'done');
    assert.equal(actor.getSnapshot().context.blocksDone, 3);
  });

  it('a file with no blocks goes straight to finishing', async () => {
    const { actor, calls } = start({ prepare: async () => ({ blockCount: 0 }) });
    assert.deepEqual(await toPromise(actor), { ok: true, blocks: 0 });
    assert.deepEqual(calls.blocks, []);
    assert.deepEqual(calls.finish, [[]]);
  });

  it('keeps going past lost blocks and names all of them in the error', async () => {
    const { actor, calls } = start({
      prepare: async () => ({ blockCount: 5 }),
      block: async (i) => ({ ok: i !== 1 && i !== 3 }),
      finish: async (lost) => {
        if (lost.length) throw coded('ERR_STORAGE_LOST', `${lost.length} blocks lost`);
      }
    });
    const out = await toPromise(actor);
    assert.deepEqual(out, {
      ok: false,
      code: 'ERR_STORAGE_LOST',
      message: '2 blocks lost',
      lost: [1, 3]
    });
    assert.deepEqual(calls.blocks, [0, 1, 2, 3, 4]);
    assert.deepEqual(calls.finish, [[1, 3]]);
    assert.equal(calls.abort, 1, 'the temporary file must be removed');
    assert.equal(actor.getSnapshot().context.blocksDone, 3);
    assert.equal(actor.getSnapshot().value, 'failed');
  });

  it('a failed prepare fails without abort (nothing opened)', async () => {
    const { actor, calls } = start({
      prepare: () => Promise.reject(coded('ERR_STORAGE_EXISTS', 'target exists'))
    });
    assert.deepEqual(await toPromise(actor), {
      ok: false,
      code: 'ERR_STORAGE_EXISTS',
      message: 'target exists',
      lost: []
    });
    assert.equal(calls.abort, 0);
    assert.deepEqual(calls.blocks, []);
  });

  it('a block that throws aborts the job at once', async () => {
    const { actor, calls } = start({
      prepare: async () => ({ blockCount: 4 }),
      block: async (i) => {
        if (i === 0) return { ok: false };
        throw new Error('disk write failed');
      }
    });
    assert.deepEqual(await toPromise(actor), {
      ok: false,
      code: 'ERR_STORAGE_INTERNAL',
      message: 'disk write failed',
      lost: [0]
    });
    assert.deepEqual(calls.blocks, [0, 1]);
    assert.deepEqual(calls.finish, []);
    assert.equal(calls.abort, 1);
  });

  it('an abort that fails still ends in failed with the original error', async () => {
    const { actor, calls } = start({
      finish: () => Promise.reject(coded('ERR_STORAGE_HASH_MISMATCH', 'file hash differs')),
      abort: () => Promise.reject(new Error('unlink failed'))
    });
    assert.deepEqual(await toPromise(actor), {
      ok: false,
      code: 'ERR_STORAGE_HASH_MISMATCH',
      message: 'file hash differs',
      lost: []
    });
    assert.equal(calls.abort, 1);
  });

  it('restore.cancel mid-fetch aborts: no more blocks, temporary file removed', async () => {
    let signal: AbortSignal | undefined;
    const calls = { blocks: [] as number[], abort: 0, finish: 0 };
    const actor = createActor(
      restoreMachine.provide({
        actors: {
          prepare: fromPromise(async () => ({ blockCount: 3 })),
          restoreBlock: fromPromise<{ ok: boolean }, { index: number }>(({ input, signal: s }) => {
            calls.blocks.push(input.index);
            signal = s;
            return new Promise(() => undefined);
          }),
          finish: fromPromise<void, { lost: readonly number[] }>(async () => void calls.finish++),
          abort: fromPromise<void>(async () => void calls.abort++)
        }
      }),
      { clock: new TestClock(), input: { path: '/p', version: 1 } }
    );
    actor.start();
    await settle();
    assert.equal(actor.getSnapshot().value, 'fetching');
    actor.send({ type: 'restore.cancel' });
    assert.equal(actor.getSnapshot().value, 'aborting');
    assert.equal(signal?.aborted, true);
    const out = await toPromise(actor);
    assert.deepEqual(out, {
      ok: false,
      code: 'ERR_STORAGE_CANCELLED',
      message: 'restore cancelled',
      lost: []
    });
    assert.deepEqual(calls, { blocks: [0], abort: 1, finish: 0 });
  });
});
