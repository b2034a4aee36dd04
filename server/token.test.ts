import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadOrCreateToken, TOKEN_FILE } from './token.js';

test('the token is created once (32 bytes hex, mode 0600) and reused on the next start', async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'bitdust-token-')), 'data');
  const first = await loadOrCreateToken(dir);
  assert.equal(first.created, true);
  assert.match(first.token, /^[0-9a-f]{64}$/);
  assert.equal((await stat(first.path)).mode & 0o777, 0o600);
  const second = await loadOrCreateToken(dir);
  assert.equal(second.created, false);
  assert.equal(second.token, first.token);
});

test('a loosened file is tightened; a corrupt one is replaced', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'bitdust-token-'));
  const { token, path } = await loadOrCreateToken(dir);
  await chmod(path, 0o644);
  assert.equal((await loadOrCreateToken(dir)).token, token);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  await writeFile(join(dir, TOKEN_FILE), 'not a token');
  const replaced = await loadOrCreateToken(dir);
  assert.equal(replaced.created, true);
  assert.notEqual(replaced.token, token);
  assert.equal((await readFile(path, 'utf8')).trim(), replaced.token);
});
