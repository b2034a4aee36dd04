// The storage REST routes (token-protected, TypeBox schemas) and the CLI handlers over them, on a
// devnet customer: back up, ls with live redundancy, versions, suppliers, restore (refused onto an
// existing file, then overwritten), rm; errors keep their ERR_STORAGE_* code. Jobs: started at
// once and followed through their event stream (same guard), progress only growing, then done;
// the CLI handlers print progress lines and the summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { waitFor, type AnyActorRef } from 'xstate';
import { join } from 'node:path';
import {
  backupCommand,
  humanBytes,
  jobsCommand,
  lsCommand,
  parseEvents,
  rebuildCommand,
  remoteBackend,
  restoreCommand,
  retentionCommand,
  rmCommand,
  suppliersCommand,
  versionsCommand
} from '../server/cli/storage-commands.js';
import { storageApiNet } from './support/storage-api-net.js';
import { seededBytes } from './support/storage-data.js';

const TOKEN = 't'.repeat(43);

test('REST routes and CLI handlers over a devnet customer', { timeout: 120_000 }, async (t) => {
  // A file named held.bin is read only once the test lets it (to look at a running job).
  const { net, app, headers, call, release } = await storageApiNet(t, {
    token: TOKEN,
    held: /held\.bin$/,
    app: { storageProgressIntervalMs: 0 }
  });
  assert.equal((await app.inject({ url: '/api/storage/files' })).statusCode, 401);
  const src = join(net.base, 'src');
  mkdirSync(src);
  writeFileSync(join(src, 'doc.txt'), 'keep me '.repeat(10_000));
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(`E ${l}`) };
  const b = remoteBackend(call);
  assert.equal(await backupCommand(b, [src], io), 0);
  assert.match(lines.join('\n'), /backed up 1 files \(78 KiB\), 0 unchanged/);
  assert.equal(await lsCommand(b, [], io), 0);
  assert.match(lines.at(-1)!, /v1 .*doc\.txt {2}\(6 of 6 shards alive; tolerates 2 more losses\)/);
  const listed = (await call('GET', '/api/storage/files')) as { files: object[] };
  assert.deepEqual(listed.files, [
    {
      path: join(src, 'doc.txt'),
      version: 1,
      size: 80_000,
      committedAt: (listed.files[0] as { committedAt: number }).committedAt,
      redundancy: '6 of 6 shards alive; tolerates 2 more losses',
      alive: 6,
      total: 6,
      tolerates: 2
    }
  ]);
  const seatsReply = (await call('GET', '/api/storage/suppliers')) as {
    suppliers: Record<string, unknown>[];
  };
  assert.deepEqual(Object.keys(seatsReply.suppliers[0]!).sort(), [
    'position',
    'rebuilt',
    'score',
    'status',
    'supplierId'
  ]);
  // The inspector sees the same through the redundancy watch's context (and fire-hire's records).
  const watch = net.customerNode.root.system.get('storage.redundancy') as AnyActorRef;
  await waitFor(watch, (x) => x.context.fileCount === 1 && x.value === 'waiting', {
    timeout: 10_000
  });
  type Node = { id: string; sid: string; systemId?: string; children: Node[] };
  const bySystemId = async (systemId: string) => {
    const { nodes } = (await call('GET', '/api/actors')) as { nodes: { tree: Node }[] };
    const find = (n: Node): Node | undefined =>
      n.systemId === systemId ? n : n.children.map(find).find(Boolean);
    const found = find(nodes[0]!.tree);
    assert.ok(found, systemId);
    const url = `/api/actors/${net.customerNode.id}/${found.sid}/context`;
    return ((await call('GET', url)) as { value: Record<string, unknown> }).value;
  };
  const seen = (await bySystemId('storage.redundancy')) as {
    files: { path: string; text: string }[];
  };
  assert.deepEqual(
    seen.files.map((f) => [f.path, f.text]),
    [[join(src, 'doc.txt'), '6 of 6 shards alive; tolerates 2 more losses']]
  );
  assert.deepEqual((await bySystemId('storage.fire-hire')).fired, []);
  assert.equal(await versionsCommand(b, [join(src, 'doc.txt')], io), 0);
  assert.match(lines.at(-1)!, /^v1 +78 KiB/);
  assert.equal(await suppliersCommand(b, [], io), 0);
  assert.ok(lines.includes('profile rs/4+2'));
  const out = join(net.base, 'out');
  const args = [join(src, 'doc.txt'), '--into', out];
  assert.equal(await restoreCommand(b, args, io), 0);
  assert.equal(await restoreCommand(b, args, io), 1);
  assert.match(lines.at(-1)!, /ERR_STORAGE_EXISTS/);
  assert.equal(await restoreCommand(b, [...args, '--overwrite'], io), 0);
  assert.equal(readFileSync(join(out, 'doc.txt'), 'utf8'), 'keep me '.repeat(10_000));
  // Retention: read, refused out of range, set to one; the next backup prunes the older version.
  assert.deepEqual(await call('GET', '/api/storage/policy'), { keepVersions: 2 });
  const zero = await app.inject({
    method: 'PUT',
    url: '/api/storage/policy',
    headers,
    payload: { keepVersions: 0 }
  });
  assert.equal(zero.statusCode, 400);
  assert.equal(await retentionCommand(b, ['0'], io), 2);
  assert.equal(await retentionCommand(b, ['1'], io), 0);
  assert.match(lines.at(-1)!, /^keeping 1 version of each file/);
  writeFileSync(join(src, 'doc.txt'), 'changed '.repeat(10_000));
  assert.equal(await backupCommand(b, [src], io), 0);
  assert.equal(await versionsCommand(b, [join(src, 'doc.txt')], io), 0);
  assert.match(lines.at(-1)!, /^v2 /);
  const kept = (await call(
    'GET',
    `/api/storage/versions?path=${encodeURIComponent(join(src, 'doc.txt'))}`
  )) as { versions: { version: number }[] };
  assert.deepEqual(
    kept.versions.map((v) => v.version),
    [2]
  );
  assert.equal(await retentionCommand(b, [], io), 0);
  assert.equal(lines.at(-1), 'keeping 1 version of each file');
  assert.equal(await rmCommand(b, [join(src, 'doc.txt')], io), 0);
  const gone = await call(
    'GET',
    `/api/storage/versions?path=${encodeURIComponent(join(src, 'doc.txt'))}`
  ).catch((e: { status: number; reply: { code: string } }) => e);
  assert.deepEqual(gone, { versions: [] });
  const missing = await call(
    'DELETE',
    `/api/storage/files?path=${encodeURIComponent('/nope')}`
  ).catch((e: { status: number; reply: { code: string } }) => e);
  assert.deepEqual(
    [(missing as { status: number }).status, (missing as { reply: { code: string } }).reply.code],
    [404, 'ERR_STORAGE_NOT_FOUND']
  );
  const bad = await app.inject({
    method: 'POST',
    url: '/api/storage/restore',
    headers,
    payload: { path: 'x' }
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(humanBytes(1536), '1.5 KiB');

  // Jobs: a backup started at once, followed through its event stream.
  const many = join(net.base, 'many');
  mkdirSync(many);
  for (let i = 0; i < 6; i++)
    writeFileSync(join(many, `f${i}.bin`), seededBytes(5, `${i}`, 300_000));
  const job = { kind: 'backup', path: many };
  const start = (h: Record<string, string>, payload: object = job) =>
    app.inject({ method: 'POST', url: '/api/storage/jobs', headers: h, payload });
  assert.equal((await start({})).statusCode, 401);
  assert.equal((await start(headers, { kind: 'restore', path: many })).statusCode, 400);
  assert.equal((await start(headers, { kind: 'format', path: many })).statusCode, 400);
  const started = await start(headers);
  assert.equal(started.statusCode, 202);
  const id = (started.json() as { job: { id: string; state: string } }).job.id;
  const url = `/api/storage/jobs/${id}/events`;
  assert.equal((await app.inject({ url })).statusCode, 401);
  const foreign = { ...headers, origin: 'http://evil.example' };
  assert.equal((await app.inject({ url, headers: foreign })).statusCode, 403);
  assert.equal(
    (await app.inject({ url, headers: { ...headers, host: 'evil.example' } })).statusCode,
    403
  );
  const stream = await app.inject({ url, headers });
  assert.equal(stream.statusCode, 200);
  assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
  assert.equal(stream.headers['x-frame-options'], 'DENY');
  const events: { event: string; data: unknown }[] = [];
  for await (const e of parseEvents([stream.body])) events.push(e);
  const progress = events
    .filter((e) => e.event === 'progress')
    .map(
      (e) =>
        (e.data as { progress: { bytesDone: number; itemsDone: number; bytesTotal: number } })
          .progress
    );
  assert.ok(progress.length >= 2, `${progress.length} progress events`);
  for (let i = 1; i < progress.length; i++) {
    assert.ok(progress[i]!.bytesDone >= progress[i - 1]!.bytesDone, 'bytes never go back');
    assert.ok(progress[i]!.itemsDone >= progress[i - 1]!.itemsDone, 'files never go back');
  }
  assert.deepEqual(progress.at(-1), {
    ...progress.at(-1)!,
    bytesDone: 1_800_000,
    bytesTotal: 1_800_000,
    itemsDone: 6
  });
  assert.equal(events.at(-1)!.event, 'done');
  assert.equal((events.at(-1)!.data as { result: { files: number } }).result.files, 6);
  const view = await call('GET', `/api/storage/jobs/${id}`);
  assert.equal((view as { state: string }).state, 'done');
  assert.equal(
    (await app.inject({ url: '/api/storage/jobs/0123456789abcdef', headers })).statusCode,
    404
  );

  // The CLI handlers over jobs: progress lines (no terminal here), then the summary.
  const follow = async function* (path: string) {
    yield* parseEvents([(await app.inject({ url: path, headers })).body]);
  };
  const bj = remoteBackend(call, follow);
  lines.length = 0;
  assert.equal(await restoreCommand(bj, [many, '--into', join(net.base, 'out2')], io), 0);
  assert.match(lines.join('\n'), /^restore 100% {2}1\.7 MiB \/ 1\.7 MiB {2}6\/6 files .*in \d+s$/m);
  assert.equal(lines.at(-1), 'restored 6 files (1.7 MiB)');
  assert.deepEqual(
    readFileSync(join(net.base, 'out2', 'many', 'f3.bin')),
    seededBytes(5, '3', 300_000)
  );
  lines.length = 0;
  assert.equal(await rebuildCommand(bj, [], io), 0);
  assert.match(lines[0]!, /^rebuild 100% {2}0 B \/ 0 B {2}0\/0 blocks/);
  assert.equal(lines.at(-1), 'rebuilt 0 shards in 0 blocks');

  // A running file job is a temporary child of the customer's supervisor: in the actor tree
  // while it runs, gone once done.
  const slow = join(net.base, 'slow');
  mkdirSync(slow);
  writeFileSync(join(slow, 'held.bin'), seededBytes(6, 'held', 200_000));
  const fireHire = net.customerNode.root.system.get('storage.fire-hire') as AnyActorRef;
  const supervisor = (fireHire as unknown as { _parent: AnyActorRef })._parent;
  const jobIds = (s: { context: { children: { id: string }[] } }) =>
    s.context.children.map((c) => c.id).filter((id) => id.startsWith('job.backup.'));
  const held1 = await start(headers, { kind: 'backup', path: slow });
  await waitFor(supervisor, (s) => jobIds(s).length === 1, { timeout: 10_000 });
  type Tree = { id: string; children: Tree[] };
  const ids = async () => {
    const { nodes } = (await call('GET', '/api/actors')) as { nodes: { tree: Tree }[] };
    const all: string[] = [];
    const walk = (n: Tree) => (all.push(n.id), n.children.forEach(walk));
    nodes.forEach((n) => walk(n.tree));
    return all.filter((id) => id.startsWith('job.backup.'));
  };
  assert.deepEqual(await ids(), jobIds(supervisor.getSnapshot()));
  // The whole job is an actor too, beside its file jobs, with what it works on in its context.
  const { nodes: shown } = (await call('GET', '/api/actors')) as {
    nodes: { tree: Tree & { sid: string } }[];
  };
  const treeJobs: (Tree & { sid: string })[] = [];
  const walkAll = (n: Tree & { sid: string }) => {
    if (n.id.startsWith('job.tree-backup.')) treeJobs.push(n);
    (n.children as (Tree & { sid: string })[]).forEach(walkAll);
  };
  shown.forEach((n) => walkAll(n.tree));
  assert.equal(treeJobs.length, 1);
  const treeCtx = (await call(
    'GET',
    `/api/actors/${net.customerNode.id}/${treeJobs[0]!.sid}/context`
  )) as { value: { kind: string; target: string } };
  assert.deepEqual([treeCtx.value.kind, treeCtx.value.target], ['backup', slow]);
  release();
  const heldId = (held1.json() as { job: { id: string } }).job.id;
  const last: string[] = [];
  const heldUrl = `/api/storage/jobs/${heldId}/events`;
  for await (const e of parseEvents([(await app.inject({ url: heldUrl, headers })).body]))
    last.push(e.event);
  assert.equal(last.at(-1), 'done');
  await waitFor(supervisor, (s) => jobIds(s).length === 0, { timeout: 10_000 });
  assert.deepEqual(await ids(), []);

  // `bitdust jobs` lists them; `bitdust jobs <id>` follows one (here already done) to its summary.
  lines.length = 0;
  assert.equal(await jobsCommand(bj, [], io), 0);
  assert.ok(
    lines.some((l) => l.startsWith(`${heldId}  backup   done  100%  195 KiB / 195 KiB  1/1 files`)),
    lines.join('\n')
  );
  assert.ok(lines.some((l) => /^[0-9a-f]{16} {2}rebuild {2}done/.test(l)));
  lines.length = 0;
  assert.equal(await jobsCommand(bj, [heldId], io), 0);
  // 200,000 random bytes are stored as they are: sealed (+42 B), coded 4+2.
  assert.equal(
    lines.at(-1),
    'backed up 1 files (195 KiB), 0 unchanged, 293 KiB stored on suppliers'
  );
  assert.equal(await jobsCommand(bj, ['0123456789abcdef'], io), 1);
});
