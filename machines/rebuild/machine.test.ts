// rebuild: scan, then one block at a time; lost blocks named, unsent counted, failures and cancel.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise, toPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { rebuildMachine, type BlockRebuilt } from './machine.js';

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};
const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

function start(
  scan: (positions: readonly number[]) => Promise<{ count: number }>,
  block: (index: number, signal: AbortSignal) => Promise<BlockRebuilt>,
  positions: readonly number[] = [2, 5]
) {
  const calls = { scans: [] as (readonly number[])[], blocks: [] as number[] };
  const actor = createActor(
    rebuildMachine.provide({
      actors: {
        scan: fromPromise<{ count: number }, { positions: readonly number[] }>(({ input }) => {
          calls.scans.push(input.positions);
          return scan(input.positions);
        }),
        rebuildBlock: fromPromise<BlockRebuilt, { index: number }>(({ input, signal }) => {
          calls.blocks.push(input.index);
          return block(input.index, signal);
        })
      }
    }),
    { clock: new TestClock(), input: { positions } }
  );
  actor.start();
  return { actor, calls };
}

describe('rebuild machine', () => {
  it('scans the asked positions, rebuilds each block in turn and sums what was sent', async () => {
    const { actor, calls } = start(
      async () => ({ count: 3 }),
      async (i) => ({ sent: i + 1, unsent: i === 2 ? 1 : 0 })
    );
    assert.deepEqual(await toPromise(actor), {
      ok: true,
      blocks: 3,
      sent: 6,
      unsent: 1,
      lost: []
    });
    assert.deepEqual(calls.scans, [[2, 5]]);
    assert.deepEqual(calls.blocks, [0, 1, 2]);
    assert.equal(actor.getSnapshot().value, 'done');
  });

  it('names every lost block and carries on to the next', async () => {
    const { actor, calls } = start(
      async () => ({ count: 4 }),
      async (i) =>
        i === 1 || i === 3 ? { sent: 0, unsent: 0, lost: `b1/block ${i}` } : { sent: 2, unsent: 0 }
    );
    assert.deepEqual(await toPromise(actor), {
      ok: true,
      blocks: 4,
      sent: 4,
      unsent: 0,
      lost: ['b1/block 1', 'b1/block 3']
    });
    assert.deepEqual(calls.blocks, [0, 1, 2, 3]);
  });

  it('nothing missing: done without rebuilding', async () => {
    const { actor, calls } = start(
      async () => ({ count: 0 }),
      async () => ({ sent: 1, unsent: 0 }),
      []
    );
    assert.deepEqual(await toPromise(actor), { ok: true, blocks: 0, sent: 0, unsent: 0, lost: [] });
    assert.deepEqual(calls.scans, [[]]);
    assert.deepEqual(calls.blocks, []);
  });

  it('a scan error fails the job with its code', async () => {
    const { actor, calls } = start(
      () => Promise.reject(coded('ERR_STORAGE_NO_CATALOG', 'catalog closed')),
      async () => ({ sent: 1, unsent: 0 })
    );
    assert.deepEqual(await toPromise(actor), {
      ok: false,
      code: 'ERR_STORAGE_NO_CATALOG',
      message: 'catalog closed'
    });
    assert.deepEqual(calls.blocks, []);
    assert.equal(actor.getSnapshot().value, 'failed');
  });

  it('a block that throws fails the job and later blocks are not tried', async () => {
    const { actor, calls } = start(
      async () => ({ count: 5 }),
      async (i) => {
        if (i === 2) throw new Error('catalog read failed');
        return { sent: 1, unsent: 0 };
      }
    );
    assert.deepEqual(await toPromise(actor), {
      ok: false,
      code: 'ERR_STORAGE_INTERNAL',
      message: 'catalog read failed'
    });
    assert.deepEqual(calls.blocks, [0, 1, 2]);
  });

  it('rebuild.cancel stops the running block and fails with ERR_STORAGE_CANCELLED', async () => {
    let signal: AbortSignal | undefined;
    const { actor, calls } = start(
      async () => ({ count: 3 }),
      (i, s) => {
        if (i === 0) return Promise.resolve({ sent: 1, unsent: 0 });
        signal = s;
        return new Promise(() => undefined);
      }
    );
    await settle();
    assert.equal(actor.getSnapshot().value, 'rebuilding');
    assert.equal(actor.getSnapshot().context.next, 1);
    actor.send({ type: 'rebuild.cancel' });
    assert.equal(signal?.aborted, true);
    assert.deepEqual(await toPromise(actor), {
      ok: false,
      code: 'ERR_STORAGE_CANCELLED',
      message: 'rebuild cancelled'
    });
    await settle();
    assert.deepEqual(calls.blocks, [0, 1]);
    assert.equal(actor.getSnapshot().context.sent, 1);
  });
});
