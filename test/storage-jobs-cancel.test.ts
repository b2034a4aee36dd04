// Cancelling storage jobs through the API on a devnet customer: DELETE /api/storage/jobs/:id is
// guarded (token, schema), refuses unknown and finished jobs with a clear error, and a cancelled
// backup ends `cancelled` — the job board, its event stream and the tree-job actor the inspector
// shows (`running.cancelling`, then `cancelled`) — keeping nothing half-committed; `bitdust jobs
// cancel <id>` does the same from the CLI; a cancelled restore leaves no partial file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor, type AnyActorRef } from 'xstate';
import { backupTree, restoreTree } from '../actors/storage/customer-files.js';
import { jobsCommand, parseEvents, remoteBackend } from '../server/cli/storage-commands.js';
import { storageApiNet } from './support/storage-api-net.js';
import { seededBytes } from './support/storage-data.js';

const TOKEN = 'c'.repeat(43);

test('storage jobs are cancelled through the API and the CLI', { timeout: 120_000 }, async (t) => {
  // Files named held*.bin are read only once the test lets them: the job is surely running.
  const { net, app, bridge, headers, call, release, hold } = await storageApiNet(t, {
    token: TOKEN,
    held: /held\d*\.bin$/,
    // Two files at a time, so a third one is still waiting when a job is cancelled.
    customer: { parallelFiles: 2 }
  });
  // An inspector is watching (the bridge records actors' histories only then).
  t.after(bridge.subscribe(() => undefined));
  const cancel = (id: string, h: Record<string, string> = headers) =>
    app.inject({ method: 'DELETE', url: `/api/storage/jobs/${id}`, headers: h });
  const fireHire = net.customerNode.root.system.get('storage.fire-hire') as AnyActorRef;
  const supervisor = (fireHire as unknown as { _parent: AnyActorRef })._parent;
  const treeJob = (s: { context: { children: { id: string }[] } }) =>
    s.context.children.find((c) => c.id.startsWith('job.tree-'));

  // A backup of two held files (the two lanes), cancelled while both wait for their reads.
  const src = join(net.base, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'held1.bin'), seededBytes(7, 'h1', 900_000));
  writeFileSync(join(src, 'held2.bin'), seededBytes(7, 'h2', 900_000));
  writeFileSync(join(src, 'later.bin'), seededBytes(7, 'l', 50_000));
  const started = (await call('POST', '/api/storage/jobs', { kind: 'backup', path: src })) as {
    job: { id: string };
  };
  const id = started.job.id;
  await waitFor(supervisor, (s) => treeJob(s) !== undefined, { timeout: 10_000 });
  const snap = supervisor.getSnapshot() as {
    context: { children: { id: string }[] };
    children: Record<string, AnyActorRef>;
  };
  const actor = snap.children[treeJob(snap)!.id]!;
  const states: unknown[] = [];
  actor.subscribe((s: { value: unknown }) => states.push(s.value));

  // Guarded and validated like every route.
  assert.equal((await cancel(id, {})).statusCode, 401);
  const badId = await cancel('not-a-job-id');
  assert.equal(badId.statusCode, 400);
  assert.equal(badId.json().code, 'ERR_API_BAD_REQUEST');
  const unknown = await cancel('0123456789abcdef');
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().code, 'ERR_API_NOT_FOUND');

  const asked = await cancel(id);
  assert.equal(asked.statusCode, 202);
  assert.deepEqual(
    [asked.json().job.id, asked.json().job.state, asked.json().job.cancelling],
    [id, 'running', true]
  );
  await waitFor(actor, (s) => s.matches({ running: 'cancelling' }), { timeout: 10_000 });
  const sid = (actor as unknown as { sessionId: string }).sessionId;
  release();
  const events: { event: string; data: unknown }[] = [];
  const stream = await app.inject({ url: `/api/storage/jobs/${id}/events`, headers });
  for await (const e of parseEvents([stream.body])) events.push(e);
  assert.equal(events.at(-1)!.event, 'failed');
  assert.equal((events.at(-1)!.data as { code: string }).code, 'ERR_STORAGE_CANCELLED');
  const view = (await call('GET', `/api/storage/jobs/${id}`)) as {
    state: string;
    error: { code: string };
  };
  assert.deepEqual([view.state, view.error.code], ['cancelled', 'ERR_STORAGE_CANCELLED']);
  assert.deepEqual(states.slice(-2), [{ running: 'cancelling' }, 'cancelled']);
  // The inspector recorded both steps of the actor.
  const history = (await call('GET', `/api/actors/${net.customerNode.id}/${sid}/history`)) as {
    entries: { kind: string; value?: unknown }[];
  };
  const shown = history.entries.filter((e) => e.kind === 'state').map((e) => e.value);
  assert.deepEqual(shown.slice(-2), [{ running: 'cancelling' }, 'cancelled']);
  // Nothing was committed: the later file was never started, the held ones stopped mid-read.
  assert.deepEqual(await net.customer().catalog.files(), []);

  // A finished job cannot be cancelled.
  const again = await cancel(id);
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().code, 'ERR_API_JOB_FINISHED');
  assert.match(again.json().message, /already ended \(cancelled\)/);

  // From the CLI: a backup held again, cancelled with `bitdust jobs cancel <id>`.
  hold();
  const follow = async function* (path: string) {
    yield* parseEvents([(await app.inject({ url: path, headers })).body]);
  };
  const cli = remoteBackend(call, follow);
  const second = (await call('POST', '/api/storage/jobs', { kind: 'backup', path: src })) as {
    job: { id: string };
  };
  await waitFor(supervisor, (s) => treeJob(s) !== undefined, { timeout: 10_000 });
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  assert.equal(await jobsCommand(cli, ['cancel', second.job.id], io), 0);
  assert.match(lines.at(-1)!, new RegExp(`^${second.job.id} {2}backup {3}cancelling`));
  release();
  await assert.rejects(cli.follow!(second.job.id), /ERR_STORAGE_CANCELLED/);
  lines.length = 0;
  assert.equal(await jobsCommand(cli, [], io), 0);
  assert.ok(
    lines.some((l) => l.startsWith(`${second.job.id}  backup   cancelled`)),
    lines[0]
  );
  assert.equal(await jobsCommand(cli, ['cancel'], io), 2);
  assert.equal(await jobsCommand(cli, ['cancel', second.job.id], io), 1);
  assert.deepEqual(await net.customer().catalog.files(), []);

  // A restore cancelled after its first block: files in flight finish whole or leave nothing,
  // no file is started after, and no partial file is left.
  await backupTree(net.customer(), src);
  const out = join(net.base, 'out');
  const stop = new AbortController();
  await assert.rejects(
    restoreTree(net.customer(), {
      path: src,
      into: out,
      signal: stop.signal,
      onProgress: (p) => p.bytesDone > 0 && stop.abort()
    }),
    { code: 'ERR_STORAGE_CANCELLED' }
  );
  const left = readdirSync(join(out, 'src'));
  assert.ok(left.length < 3, left.join(' '));
  for (const f of left) {
    assert.match(f, /^(held1|held2|later)\.bin$/, 'no partial file');
    const want = { 'held1.bin': ['h1', 900_000], 'held2.bin': ['h2', 900_000] }[f] ?? ['l', 50_000];
    assert.deepEqual(
      readFileSync(join(out, 'src', f)),
      seededBytes(7, want[0] as string, want[1] as number)
    );
  }
});
