// The storage REST routes (token-protected, TypeBox schemas) and the CLI handlers over them, on a
// devnet customer: back up, ls with live redundancy, versions, suppliers, restore (refused onto an
// existing file, then overwritten), rm; errors keep their ERR_STORAGE_* code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { realClock } from '../actors/clock.js';
import { createInspectionBridge } from '../actors/inspection/create-inspection-bridge.js';
import { buildApp } from '../server/app.js';
import {
  backupCommand,
  humanBytes,
  lsCommand,
  remoteBackend,
  restoreCommand,
  rmCommand,
  suppliersCommand,
  versionsCommand
} from '../server/cli/storage-commands.js';
import { storageDevnet } from './support/storage-devnet.js';

const TOKEN = 't'.repeat(43);

test('REST routes and CLI handlers over a devnet customer', { timeout: 120_000 }, async (t) => {
  const net = await storageDevnet({ suppliers: 6, k: 4, m: 2 });
  t.after(() => net.stop());
  await net.ready({ rebuilt: true });
  const bridge = createInspectionBridge({ clock: realClock });
  const app = await buildApp({ token: TOKEN, nodes: () => [net.customerNode], bridge });
  t.after(() => app.close());
  const headers = { authorization: `Bearer ${TOKEN}` };
  assert.equal((await app.inject({ url: '/api/storage/files' })).statusCode, 401);
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(body ? { payload: body as object } : {})
    });
    if (res.statusCode !== 200)
      throw Object.assign(new Error(res.body), { status: res.statusCode, reply: res.json() });
    return res.json() as unknown;
  };
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
});
