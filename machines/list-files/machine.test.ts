// list-files: positions listed in order, one at a time; failures recorded as unreachable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createActor, fromPromise, toPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { listFilesMachine, type ListFilesOutput } from './machine.js';

async function run(positions: readonly number[], failing: ReadonlySet<number>) {
  const order: number[] = [];
  let running = 0;
  let peak = 0;
  const actor = createActor(
    listFilesMachine.provide({
      actors: {
        listPosition: fromPromise<number, { position: number }>(async ({ input }) => {
          order.push(input.position);
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setImmediate(r));
          running--;
          if (failing.has(input.position)) throw new Error(`position ${input.position} offline`);
          return input.position * 10;
        })
      }
    }),
    { clock: new TestClock(), input: { positions } }
  );
  actor.start();
  const out: ListFilesOutput = await toPromise(actor);
  return { out, order, peak, actor };
}

describe('list-files machine', () => {
  it('lists every position in order, one at a time, and names the unreachable ones', async () => {
    const { out, order, peak, actor } = await run([0, 1, 2, 3, 4], new Set([1, 4]));
    assert.deepEqual(out, { listed: [0, 2, 3], unreachable: [1, 4] });
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
    assert.equal(peak, 1, 'positions must not be listed concurrently');
    assert.equal(actor.getSnapshot().value, 'done');
  });

  it('no positions: done at once', async () => {
    const { out, order } = await run([], new Set());
    assert.deepEqual(out, { listed: [], unreachable: [] });
    assert.deepEqual(order, []);
  });

  it('all unreachable', async () => {
    const { out } = await run([3, 7], new Set([3, 7]));
    assert.deepEqual(out, { listed: [], unreachable: [3, 7] });
  });

  it('property: listed and unreachable partition the positions, each in input order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.nat(255), { maxLength: 12 }),
        fc.array(fc.nat(255), { maxLength: 12 }),
        async (positions, down) => {
          const failing = new Set(down);
          const { out, order, peak } = await run(positions, failing);
          assert.deepEqual(order, positions);
          assert.ok(peak <= 1);
          assert.deepEqual(
            out.listed,
            positions.filter((p) => !failing.has(p))
          );
          assert.deepEqual(
            out.unreachable,
            positions.filter((p) => failing.has(p))
          );
        }
      ),
      { numRuns: 60 }
    );
  });
});
