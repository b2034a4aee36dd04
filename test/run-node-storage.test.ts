import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli, startNodeCli } from './support/cli-process.js';

interface Seats {
  suppliers: { position: number; status: string; supplierId?: string; rebuilt?: boolean }[];
  fired: { position: number; supplierId: string; code: string; reason: string }[];
}

it('backs up a tree to the devnet suppliers and restores it byte for byte, through the CLI', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'bitdust-run-storage-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const dataDir = join(home, 'node');
  const source = join(home, 'files');
  mkdirSync(join(source, 'docs'), { recursive: true });
  const files = {
    'photo.bin': randomBytes(1_500_000),
    'docs/note.txt': Buffer.from('hello\n'.repeat(100_000))
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(source, name), bytes);

  const { node, url, token } = await startNodeCli(t, dataDir, ['--devnet', '5']);

  // Four devnet peers fit the 2+2 profile; hiring goes through the DHT suppliers layer.
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    });
    assert.ok(res.ok, `${path}: HTTP ${res.status}`);
    return res.json() as Promise<unknown>;
  };
  /** Polls the suppliers until `ok` holds (at most 60 polls a second apart). */
  const seatsWhen = async (ok: (s: Seats) => boolean, what: string) => {
    let s = (await api('/api/storage/suppliers')) as Seats;
    for (let i = 0; i < 60 && !ok(s); i++) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      s = (await api('/api/storage/suppliers')) as Seats;
    }
    assert.ok(ok(s), `${what} within 60 s: ${JSON.stringify(s)}`);
    return s;
  };
  const allHired = (s: Seats) =>
    s.suppliers.length === 4 && s.suppliers.every((x) => x.status === 'hired');
  const seats = await seatsWhen(allHired, 'every position of the 2+2 profile is hired');

  const backup = runCli(['backup', source, '--data-dir', dataDir]);
  assert.equal(await backup.exited(60_000), 0, backup.output());
  // No terminal here: plain progress lines, the last at 100 %, then the summary.
  assert.match(backup.output(), /^backup 100% {2}2\.0 MiB \/ 2\.0 MiB {2}2\/2 files .*in \d+s$/m);
  // At 2+2 the suppliers hold twice the random photo, and next to nothing for the text (deflated).
  assert.match(
    backup.output(),
    /backed up 2 files \(2\.0 MiB\), 0 unchanged, 2\.9 MiB stored on suppliers/
  );
  const jobs = runCli(['jobs', '--data-dir', dataDir]);
  assert.equal(await jobs.exited(60_000), 0, jobs.output());
  assert.match(jobs.output(), /^[0-9a-f]{16} {2}backup {3}done {2}100% {2}2\.0 MiB \/ 2\.0 MiB/m);
  const into = join(home, 'restored');
  const restore = runCli(['restore', source, '--into', into, '--data-dir', dataDir]);
  assert.equal(await restore.exited(60_000), 0, restore.output());
  assert.match(restore.output(), /^restore 100% {2}2\.0 MiB \/ 2\.0 MiB {2}2\/2 files /m);
  assert.match(restore.output(), /restored 2 files \(2\.0 MiB\)/);
  for (const [name, bytes] of Object.entries(files)) {
    assert.deepEqual(
      readFileSync(join(into, 'files', name)),
      bytes,
      `${name} comes back identical`
    );
  }
  const again = runCli(['restore', source, '--into', into, '--data-dir', dataDir]);
  assert.equal(
    await again.exited(60_000),
    1,
    'an existing file is not overwritten without --overwrite'
  );
  assert.match(again.output(), /ERR_STORAGE_EXISTS/);
  assert.match(again.output(), /restored 0 files \(0 B\)/, 'nothing restored, nothing counted');

  // Fire position 0 through the API: the fifth devnet peer, found through the DHT suppliers
  // layer (the host gives the customer no list), takes that position; the reason is shown.
  const firedId = seats.suppliers[0]!.supplierId!;
  const others = new Set(seats.suppliers.map((x) => x.supplierId));
  await api('/api/storage/suppliers/0/fire', {
    method: 'POST',
    body: JSON.stringify({ reason: 'moved out' })
  });
  const after = await seatsWhen(
    (s) => allHired(s) && s.fired.length === 1 && s.suppliers[0]!.rebuilt === true,
    'position 0 replaced and rebuilt'
  );
  assert.deepEqual(
    after.fired.map((f) => [f.position, f.supplierId, f.code, f.reason]),
    [[0, firedId, 'ERR_STORAGE_FIRED', 'moved out']]
  );
  assert.ok(!others.has(after.suppliers[0]!.supplierId), 'a supplier new to this customer');
  const listed = (await api('/api/storage/files')) as { files: { redundancy: string }[] };
  assert.deepEqual(
    listed.files.map((f) => f.redundancy),
    Array(2).fill('4 of 4 shards alive; tolerates 2 more losses')
  );
  const rebuild = runCli(['rebuild', '--data-dir', dataDir]);
  assert.equal(await rebuild.exited(60_000), 0, rebuild.output());
  assert.match(rebuild.output(), /^rebuild 100% .* blocks/m);
  assert.match(rebuild.output(), /rebuilt 0 shards in 0 blocks/);

  node.child.kill('SIGINT');
  assert.equal(await node.exited(), 0);
});

it('--compression off stores every block as it is', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'bitdust-run-storage-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const dataDir = join(home, 'node');
  const source = join(home, 'files');
  mkdirSync(source, { recursive: true });
  writeFileSync(join(source, 'note.txt'), 'hello\n'.repeat(100_000));
  const args = ['--devnet', '5', '--compression', 'off'];
  const { node, url, token } = await startNodeCli(t, dataDir, args);
  const headers = { authorization: `Bearer ${token}` };
  let hired = 0;
  for (let i = 0; i < 60 && hired < 4; i++) {
    const res = await fetch(`${url}/api/storage/suppliers`, { headers });
    const seats = (await res.json()) as Seats;
    hired = seats.suppliers.filter((s) => s.status === 'hired').length;
    if (hired < 4) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  assert.equal(hired, 4, 'every position of the 2+2 profile is hired');
  const backup = runCli(['backup', source, '--data-dir', dataDir]);
  assert.equal(await backup.exited(60_000), 0, backup.output());
  // 600,000 bytes of text, not deflated: sealed (+42 B) and coded 2+2, twice the file.
  assert.match(backup.output(), /backed up 1 files \(586 KiB\), 0 unchanged, 1\.1 MiB stored/);
  node.child.kill('SIGINT');
  assert.equal(await node.exited(), 0);
});
