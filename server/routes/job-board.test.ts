import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobBoard, type JobEvent, type ReportProgress } from './job-board.js';

const step = (bytesDone: number, itemsDone: number) => ({
  bytesDone,
  bytesTotal: 100,
  itemsDone,
  itemsTotal: 4,
  items: 'files' as const
});

test('followers see progress only grow, then one verdict; late followers get the end at once', async () => {
  let now = 1000;
  const board = new JobBoard({ now: () => now });
  let report!: ReportProgress;
  let finish!: (v: unknown) => void;
  const job = board.start('backup', (r) => {
    report = r;
    return new Promise((resolve) => (finish = resolve));
  })!;
  const seen: JobEvent[] = [];
  board.follow(job.id, (e) => seen.push(e));
  report(step(10, 0));
  now = 1500;
  report(step(40, 1));
  report(step(30, 1)); // a late update from a parallel file: dropped
  report(step(40, 0)); // fewer items: dropped
  report(step(100, 4));
  finish({ files: 4 });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(
    seen.map((e) => (e.type === 'progress' ? e.progress.bytesDone : e.type)),
    [10, 40, 100, 'done']
  );
  assert.equal((seen[1] as { progress: { elapsedMs: number } }).progress.elapsedMs, 500);
  assert.deepEqual(board.get(job.id)?.result, { files: 4 });
  const late: JobEvent[] = [];
  board.follow(job.id, (e) => late.push(e));
  assert.deepEqual(
    late.map((e) => e.type),
    ['progress', 'done']
  );
  assert.equal(
    board.follow('0000000000000000', () => undefined),
    undefined
  );
});

test('a failing job reports its code; running jobs are capped; old finished ones forgotten', async () => {
  const board = new JobBoard({ maxRunning: 1, keepFinished: 1 });
  let fail!: (e: unknown) => void;
  const a = board.start('restore', () => new Promise((_, reject) => (fail = reject)))!;
  assert.equal(
    board.start('backup', async () => 1),
    undefined,
    'one job at most'
  );
  fail(Object.assign(new Error('exists'), { code: 'ERR_STORAGE_EXISTS' }));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(board.get(a.id)?.error, { code: 'ERR_STORAGE_EXISTS', message: 'exists' });
  const b = board.start('rebuild', async () => 'ok')!;
  await new Promise((r) => setImmediate(r));
  assert.equal(board.get(b.id)?.state, 'done');
  assert.equal(board.get(a.id), undefined, 'only the newest finished job is kept');
});
