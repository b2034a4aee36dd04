// The job event stream over a real loopback socket: it needs the token, sends progress as it
// comes, and is ended when the API closes (closing must not wait for a job that runs for hours).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { CustomerStorage } from '../../actors/storage/customer.js';
import { parseEvents } from '../cli/storage-commands.js';
import { installGuard } from '../plugins/guard.js';
import { JobBoard, type ReportProgress } from './job-board.js';
import { storageJobRoutes } from './storage-jobs.js';

const TOKEN = 'k'.repeat(43);

test(
  'a followed job streams over loopback, and closing the API ends the stream',
  { timeout: 30_000 },
  async (t) => {
    const app = Fastify({ logger: false });
    installGuard(app, { token: TOKEN });
    const board = new JobBoard();
    storageJobRoutes(app, {
      customer: () => assert.fail('no job is started through the route here') as CustomerStorage,
      board,
      progressIntervalMs: 0
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    t.after(() => app.close());
    const port = (app.server.address() as AddressInfo).port;
    let report!: ReportProgress;
    const job = board.start('backup', (r) => {
      report = r;
      return new Promise(() => undefined); // runs until the test ends
    })!;
    const url = `http://127.0.0.1:${port}/api/storage/jobs/${job.id}/events`;
    assert.equal((await fetch(url)).status, 401);
    const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    const events = parseEvents(res.body as unknown as AsyncIterable<Uint8Array>);
    const step = { bytesTotal: 10, itemsDone: 0, itemsTotal: 1, items: 'files' as const };
    report({ ...step, bytesDone: 3 });
    const first = await events.next();
    assert.equal(first.value?.event, 'progress');
    assert.equal((first.value?.data as { progress: { bytesDone: number } }).progress.bytesDone, 3);
    report({ ...step, bytesDone: 7 });
    const second = await events.next();
    assert.equal((second.value?.data as { progress: { bytesDone: number } }).progress.bytesDone, 7);
    const closed = app.close();
    const bounded = await Promise.race([
      closed.then(() => 'closed'),
      new Promise((resolve) => setTimeout(resolve, 5_000, 'still waiting').unref())
    ]);
    assert.equal(bounded, 'closed');
    assert.equal((await events.next()).done, true, 'the stream ended with the API');
    assert.equal(board.get(job.id)?.state, 'running', 'the job itself goes on');
  }
);
