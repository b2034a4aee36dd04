// The tree scan reports what it cannot take and goes on: an entry listed and then gone (vanished
// mid-scan), a directory or file it may not open (unreadable; the tests run as root, where modes
// do not bite, so the refusals are injected at the file-system calls), special files skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanTree, type ScanFs } from './scanner.js';

const errno = (code: string, path: string) =>
  Object.assign(new Error(`${code}: ${path}`), { code });

test('vanished, unreadable and special entries are reported; the rest is listed', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'bd-scan-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'docs'));
  mkdirSync(join(root, 'locked'));
  mkdirSync(join(root, 'going'));
  for (const f of ['a.txt', 'docs/b.txt', 'locked/c.txt', 'going/d.txt', 'gone.txt', 'secret.txt'])
    writeFileSync(join(root, f), f);
  symlinkSync(join(root, 'a.txt'), join(root, 'link'));
  // Listed by readdir, removed before lstat reaches it: what a concurrent delete looks like.
  const fs: ScanFs = {
    lstat: (async (p: string) => {
      if (p === join(root, 'gone.txt')) {
        rmSync(p);
        return lstat(p);
      }
      return lstat(p);
    }) as ScanFs['lstat'],
    readdir: async (p) => {
      if (p === join(root, 'locked')) throw errno('EACCES', p);
      if (p === join(root, 'going')) {
        rmSync(p, { recursive: true });
        return readdir(p);
      }
      return readdir(p);
    }
  };
  const { files, problems } = await scanTree(root, { fs });
  assert.deepEqual(files.map((f) => f.rel).sort(), ['a.txt', 'docs/b.txt', 'secret.txt']);
  const kinds = Object.fromEntries(problems.map((p) => [p.path.slice(root.length + 1), p.kind]));
  assert.deepEqual(kinds, {
    'gone.txt': 'vanished',
    going: 'vanished',
    locked: 'unreadable',
    link: 'skipped'
  });
});

test('a root that does not exist is one vanished problem; the entry cap is reported', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'bd-scan-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const none = await scanTree(join(root, 'nope'));
  assert.deepEqual(
    none.problems.map((p) => p.kind),
    ['vanished']
  );
  for (let i = 0; i < 5; i++) writeFileSync(join(root, `f${i}`), 'x');
  const capped = await scanTree(root, { maxEntries: 3 });
  assert.equal(capped.files.length, 2);
  assert.match(capped.problems.at(-1)!.detail, /more than 3 entries/);
});
