// The CLI's storage commands over a scripted API: a job followed through its event stream prints
// progress lines then the summary; a failed job surfaces its code; a stream cut before the end
// falls back to the job's state; the event-stream parser copes with chunks cut anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from './args.js';
import {
  backupCommand,
  parseEvents,
  rebuildCommand,
  remoteBackend,
  type StreamEvent
} from './storage-commands.js';

const progress = (bytesDone: number, itemsDone: number) => ({
  progress: {
    bytesDone,
    bytesTotal: 4 << 20,
    itemsDone,
    itemsTotal: 2,
    items: 'files',
    elapsedMs: 2000
  }
});

function api(stream: StreamEvent[], state?: unknown) {
  const calls: string[] = [];
  const call = async (method: string, path: string, body?: unknown) => {
    calls.push(`${method} ${path}${body ? ` ${JSON.stringify(body)}` : ''}`);
    if (method === 'POST') return { job: { id: '0123456789abcdef', state: 'running' } };
    return state;
  };
  const events = async function* (path: string) {
    calls.push(`EVENTS ${path}`);
    yield* stream;
  };
  return { backend: remoteBackend(call, events), calls };
}

const io = () => {
  const lines: string[] = [];
  return {
    lines,
    io: { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`E ${l}`) }
  };
};

test('a backup job: progress lines, then the summary and problems', async () => {
  const report = {
    files: 1,
    bytes: 4 << 20,
    unchanged: 0,
    storedBytes: 6 << 20,
    versions: [],
    catalogSeq: 1,
    problems: [{ path: '/x/y', kind: 'vanished', detail: 'ENOENT' }]
  };
  const { backend, calls } = api([
    { event: 'progress', data: progress(1 << 20, 0) },
    { event: 'progress', data: progress(4 << 20, 2) },
    { event: 'done', data: { result: report } }
  ]);
  const { lines, io: out } = io();
  assert.equal(
    await backupCommand(backend, ['/x'], out),
    EXIT.failure,
    'a vanished file is a failure'
  );
  assert.deepEqual(calls, [
    'POST /api/storage/jobs {"kind":"backup","path":"/x"}',
    'EVENTS /api/storage/jobs/0123456789abcdef/events'
  ]);
  assert.deepEqual(lines, [
    'backup  25%  1.0 MiB / 4.0 MiB  0/2 files  512 KiB/s  ETA 6s',
    'backup 100%  4.0 MiB / 4.0 MiB  2/2 files  2.0 MiB/s  in 2s',
    'backed up 1 files (4.0 MiB), 0 unchanged, 6.0 MiB stored on suppliers',
    'E   vanished: /x/y (ENOENT)'
  ]);
});

test('a failed job rejects with its code; a cut stream asks for the job state', async () => {
  const failed = api([
    { event: 'failed', data: { code: 'ERR_STORAGE_NO_SERVICE', message: '3 of 6 suppliers hired' } }
  ]);
  await assert.rejects(
    backupCommand(failed.backend, ['/x'], io().io),
    /ERR_STORAGE_NO_SERVICE: 3 of 6 suppliers hired/
  );
  const result = { ok: true, blocks: 3, sent: 2, unsent: 1, lost: ['/f v1 block 2'] };
  const cut = api([{ event: 'progress', data: progress(1, 0) }], { state: 'done', result });
  const { lines, io: out } = io();
  assert.equal(await rebuildCommand(cut.backend, [], out), EXIT.failure);
  assert.equal(cut.calls.at(-1), 'GET /api/storage/jobs/0123456789abcdef');
  assert.deepEqual(lines.slice(-2), [
    'rebuilt 2 shards in 3 blocks, 1 not sent (a position did not take them)',
    'E   lost beyond repair: /f v1 block 2'
  ]);
  const running = api([], { state: 'running' });
  await assert.rejects(rebuildCommand(running.backend, [], io().io), /still running/);
});

test('the event-stream parser: chunks cut anywhere, comments skipped', async () => {
  const text =
    ': keep-alive\n\nevent: progress\ndata: {"a":1}\n\nevent: done\ndata: {"result":2}\n\n';
  for (let cut = 1; cut < text.length; cut += 7) {
    const bytes = new TextEncoder().encode(text);
    const chunks = [bytes.subarray(0, cut), bytes.subarray(cut)];
    const got: StreamEvent[] = [];
    for await (const e of parseEvents(chunks)) got.push(e);
    assert.deepEqual(got, [
      { event: 'progress', data: { a: 1 } },
      { event: 'done', data: { result: 2 } }
    ]);
  }
});
