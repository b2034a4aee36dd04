import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli } from './support/cli-process.js';

interface Seats {
  suppliers: { status: string }[];
}

it('backs up a tree to the devnet suppliers and restores it byte for byte, through the CLI', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'bitdust-run-storage-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const dataDir = join(home, 'node');
  const source = join(home, 'files');
  mkdirSync(join(source, 'docs'), { recursive: true });
  const files = { 'photo.bin': randomBytes(1_500_000), 'docs/note.txt': Buffer.from('hello\n') };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(source, name), bytes);

  const node = runCli([
    'node',
    'start',
    '--data-dir',
    dataDir,
    '--port',
    '0',
    '--devnet',
    '5',
    '--json'
  ]);
  t.after(() => node.child.kill('SIGKILL'));
  const { url } = JSON.parse(await node.firstLine()) as { url: string };
  const token = readFileSync(join(dataDir, 'api-token'), 'utf8').trim();

  // Four devnet peers fit the 2+2 profile; hiring goes through the DHT suppliers layer.
  let hired = 0;
  for (let i = 0; i < 60 && hired < 4; i++) {
    const res = await fetch(`${url}/api/storage/suppliers`, {
      headers: { authorization: `Bearer ${token}` }
    });
    hired = ((await res.json()) as Seats).suppliers.filter((s) => s.status === 'hired').length;
    if (hired < 4) await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  assert.equal(hired, 4, 'every position of the 2+2 profile is hired within 60 s');

  const backup = runCli(['backup', source, '--data-dir', dataDir]);
  assert.equal(await backup.exited(60_000), 0, backup.output());
  assert.match(backup.output(), /backed up 2 files/);
  const into = join(home, 'restored');
  const restore = runCli(['restore', source, '--into', into, '--data-dir', dataDir]);
  assert.equal(await restore.exited(60_000), 0, restore.output());
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

  node.child.kill('SIGINT');
  assert.equal(await node.exited(), 0);
});
