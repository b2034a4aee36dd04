// redundancy: measurements on a TestClock — at start, every interval and on refresh; worst files
// first and capped; a refresh during a measurement measures again; a failed one keeps the figures.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { redundancyMachine, type FileRedundancy } from './machine.js';

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

const file = (path: string, alive: number, total = 6, k = 4): FileRedundancy => ({
  path,
  version: 1,
  alive,
  total,
  tolerates: alive - k,
  text: `${alive} of ${total} shards alive`
});

function start(answers: Array<readonly FileRedundancy[] | Error>, maxFiles = 2) {
  const clock = new TestClock();
  let measured = 0;
  let hold: Promise<void> | undefined;
  let announced = 0;
  const actor = createActor(
    redundancyMachine.provide({
      actors: {
        measure: fromPromise<readonly FileRedundancy[]>(async () => {
          measured++;
          if (hold) await hold;
          const a = answers.shift();
          if (a === undefined) throw new Error('no answer scripted');
          if (a instanceof Error) throw a;
          return a;
        })
      },
      actions: { announce: () => void announced++ }
    }),
    { clock, input: { intervalMs: 1000, maxFiles } }
  );
  actor.start();
  return {
    actor,
    clock,
    measured: () => measured,
    announced: () => announced,
    holdNext: () => {
      let release!: () => void;
      hold = new Promise((r) => (release = r));
      return () => {
        hold = undefined;
        release();
      };
    }
  };
}

describe('redundancy machine', () => {
  it('measures at start, then every interval; files worst first, capped, counted in full', async () => {
    const r = start([
      [file('/a', 6), file('/b', 4), file('/c', 3)],
      [file('/a', 6), file('/b', 5)]
    ]);
    await settle();
    let ctx = r.actor.getSnapshot().context;
    assert.equal(r.announced(), 1);
    assert.equal(r.actor.getSnapshot().value, 'waiting');
    assert.deepEqual(
      ctx.files.map((f) => [f.path, f.tolerates]),
      [
        ['/c', -1],
        ['/b', 0]
      ]
    );
    assert.deepEqual([ctx.fileCount, ctx.atRisk, ctx.unrecoverable], [3, 2, 1]);
    r.clock.increment(999);
    await settle();
    assert.equal(r.measured(), 1);
    r.clock.increment(1);
    await settle();
    ctx = r.actor.getSnapshot().context;
    assert.equal(r.measured(), 2);
    assert.deepEqual(
      [ctx.fileCount, ctx.atRisk, ctx.unrecoverable, ctx.measurements],
      [2, 0, 0, 2]
    );
  });

  it('a refresh measures at once; one during a measurement measures again after it', async () => {
    const r = start([[file('/a', 6)], [file('/a', 5)], [file('/a', 4)]]);
    await settle();
    const release = r.holdNext();
    r.actor.send({ type: 'redundancy.refresh' });
    await settle();
    assert.equal(r.actor.getSnapshot().value, 'measuring');
    r.actor.send({ type: 'redundancy.refresh' }); // the picture changed again meanwhile
    release();
    await settle();
    assert.equal(r.measured(), 3);
    assert.equal(r.actor.getSnapshot().context.files[0]!.alive, 4, 'the last measurement wins');
    assert.equal(r.actor.getSnapshot().value, 'waiting');
  });

  it('a failed measurement keeps the last figures and says why', async () => {
    const r = start([[file('/a', 5)], new Error('catalog closed')]);
    await settle();
    r.actor.send({ type: 'redundancy.refresh' });
    await settle();
    const ctx = r.actor.getSnapshot().context;
    assert.equal(ctx.lastError, 'catalog closed');
    assert.equal(ctx.files[0]!.alive, 5);
    assert.equal(r.actor.getSnapshot().value, 'waiting');
  });
});
