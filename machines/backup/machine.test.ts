// backup: one job driven with scripted actor stubs — blocks read, staged blocks skipped (a resumed
// job never re-sends what suppliers acknowledged), failures and cancel.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createActor, fromPromise, toPromise } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { backupMachine, type BlockRead } from './machine.js';

const settle = async () => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};
const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

interface Script {
  prepare?: () => Promise<{ staged: number }>;
  reads: (BlockRead | Error)[];
  send?: (index: number, signal: AbortSignal) => Promise<{ bytes: number }>;
  commit?: () => Promise<{ version: number; pruned: readonly string[] }>;
}

function start(s: Script) {
  const calls = { prepare: 0, reads: 0, sent: [] as number[], commit: 0 };
  const actor = createActor(
    backupMachine.provide({
      actors: {
        prepare: fromPromise(async () => {
          calls.prepare++;
          return s.prepare ? s.prepare() : { staged: 0 };
        }),
        nextBlock: fromPromise<BlockRead>(async () => {
          calls.reads++;
          const r = s.reads.shift() ?? { index: undefined, staged: false, bytes: 0 };
          if (r instanceof Error) throw r;
          return r;
        }),
        sendBlock: fromPromise<{ bytes: number }, { index: number }>(async ({ input, signal }) => {
          calls.sent.push(input.index);
          return s.send ? s.send(input.index, signal) : { bytes: 100 + input.index };
        }),
        commit: fromPromise(async () => {
          calls.commit++;
          return s.commit ? s.commit() : { version: 7, pruned: ['old-1'] };
        })
      }
    }),
    { clock: new TestClock(), input: { path: '/home/a.txt', backupId: 'b1' } }
  );
  return { actor, calls };
}

const block = (index: number, staged = false, bytes = 10): BlockRead => ({ index, staged, bytes });
const end: BlockRead = { index: undefined, staged: false, bytes: 0 };

describe('backup machine', () => {
  it('reads, sends and commits every block, then outputs the version', async () => {
    const { actor, calls } = start({ reads: [block(0), block(1), block(2), end] });
    actor.start();
    const out = await toPromise(actor);
    assert.deepEqual(out, { ok: true, version: 7, pruned: ['old-1'] });
    assert.deepEqual(calls, { prepare: 1, reads: 4, sent: [0, 1, 2], commit: 1 });
    const c = actor.getSnapshot().context;
    assert.equal(actor.getSnapshot().value, 'done');
    assert.equal(c.blocksDone, 3);
    assert.equal(c.blocksSkipped, 0);
    assert.equal(c.bytesSent, 100 + 101 + 102);
    assert.equal(c.current, 2);
  });

  it('a resumed job skips staged blocks and sends only the rest', async () => {
    const { actor, calls } = start({
      prepare: async () => ({ staged: 2 }),
      reads: [block(0, true), block(1, true), block(2), block(3, true), block(4), end]
    });
    actor.start();
    const out = await toPromise(actor);
    assert.equal(out.ok, true);
    assert.deepEqual(calls.sent, [2, 4], 'staged blocks must not be sent again');
    const c = actor.getSnapshot().context;
    assert.equal(c.blocksSkipped, 3);
    assert.equal(c.blocksDone, 2);
    assert.equal(c.bytesSent, 102 + 104);
  });

  it('an empty source commits at once', async () => {
    const { actor, calls } = start({ reads: [end] });
    actor.start();
    assert.deepEqual(await toPromise(actor), { ok: true, version: 7, pruned: ['old-1'] });
    assert.deepEqual(calls.sent, []);
    assert.equal(calls.commit, 1);
  });

  it('a failed prepare fails the job with its code and reads nothing', async () => {
    const { actor, calls } = start({
      prepare: () => Promise.reject(coded('ERR_STORAGE_NOT_FOUND', 'no such file')),
      reads: [block(0), end]
    });
    actor.start();
    assert.deepEqual(await toPromise(actor), {
      ok: false,
      code: 'ERR_STORAGE_NOT_FOUND',
      message: 'no such file'
    });
    assert.equal(calls.reads, 0);
    assert.equal(actor.getSnapshot().value, 'failed');
  });

  it('a read error fails the job; uncoded errors are ERR_STORAGE_INTERNAL', async () => {
    const { actor, calls } = start({ reads: [block(0), new Error('EIO')] });
    actor.start();
    assert.deepEqual(await toPromise(actor), {
      ok: false,
      code: 'ERR_STORAGE_INTERNAL',
      message: 'EIO'
    });
    assert.deepEqual(calls.sent, [0]);
    assert.equal(calls.commit, 0);
  });

  it('a block that cannot reach enough positions fails the job, which does not commit', async () => {
    const { actor, calls } = start({
      reads: [block(0), block(1), block(2), end],
      send: async (i) => {
        if (i === 1) throw coded('ERR_STORAGE_TOO_FEW', 'only 3 of 6 positions acknowledged');
        return { bytes: 5 };
      }
    });
    actor.start();
    const out = await toPromise(actor);
    assert.deepEqual(out, {
      ok: false,
      code: 'ERR_STORAGE_TOO_FEW',
      message: 'only 3 of 6 positions acknowledged'
    });
    assert.deepEqual(calls.sent, [0, 1]);
    assert.equal(calls.commit, 0);
    assert.equal(actor.getSnapshot().context.blocksDone, 1);
    assert.equal(actor.getSnapshot().context.bytesSent, 5);
  });

  it('a failed commit fails the job; a non-Error rejection keeps its text', async () => {
    const { actor } = start({ reads: [block(0), end], commit: () => Promise.reject('disk full') });
    actor.start();
    assert.deepEqual(await toPromise(actor), {
      ok: false,
      code: 'ERR_STORAGE_INTERNAL',
      message: 'disk full'
    });
  });

  it('backup.cancel mid-send stops the send and fails with ERR_STORAGE_CANCELLED', async () => {
    let aborted: AbortSignal | undefined;
    const { actor, calls } = start({
      reads: [block(0), block(1), end],
      send: (_i, signal) => {
        aborted = signal;
        return new Promise(() => undefined);
      }
    });
    actor.start();
    await settle();
    assert.equal(actor.getSnapshot().value, 'sending');
    actor.send({ type: 'backup.cancel' });
    const snap = actor.getSnapshot();
    assert.equal(snap.status, 'done');
    assert.equal(snap.value, 'failed');
    assert.deepEqual(snap.output, {
      ok: false,
      code: 'ERR_STORAGE_CANCELLED',
      message: 'backup cancelled'
    });
    assert.equal(aborted?.aborted, true);
    await settle();
    assert.deepEqual(calls.sent, [0]);
    assert.equal(calls.commit, 0);
  });

  it('backup.cancel after done changes nothing', async () => {
    const { actor } = start({ reads: [end] });
    actor.start();
    await toPromise(actor);
    actor.send({ type: 'backup.cancel' });
    assert.equal(actor.getSnapshot().value, 'done');
    assert.equal(actor.getSnapshot().output?.ok, true);
  });
});
