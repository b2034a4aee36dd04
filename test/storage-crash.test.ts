// kill -9 of the customer mid-backup: a child process runs the customer and its suppliers (an
// in-process devnet, all state in LMDB under one directory), is killed with SIGKILL once blocks of
// a large file are staged, and is started again on the same directories: the backup completes, the
// files committed before the kill are not sent again, the staged blocks are resumed, and the tree
// restores byte-identical.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { diffTrees, seededBytes } from './support/storage-data.js';

const MiB = 1024 * 1024;
const child = join(import.meta.dirname, 'support', 'storage-child.ts');

/** Runs the child; `until` sees each line and returns true to kill it (SIGKILL) there. */
function run(args: string[], until: (line: string) => boolean) {
  const p = spawn(process.execPath, ['--import', 'tsx', child, ...args], {
    stdio: ['ignore', 'pipe', 'inherit']
  });
  const lines: string[] = [];
  const lineReader = createInterface({ input: p.stdout });
  lineReader.on('line', (line) => {
    lines.push(line);
    if (until(line)) p.kill('SIGKILL');
  });
  return new Promise<{ lines: string[]; signal: NodeJS.Signals | null }>((resolve) =>
    p.on('exit', (_code, signal) => resolve({ lines, signal }))
  );
}

test(
  'customer killed -9 mid-backup and restarted: the backup completes, nothing acked is lost',
  { timeout: 170_000 },
  async (t) => {
    const base = mkdtempSync(join(tmpdir(), 'bd-storage-crash-'));
    t.after(() => rmSync(base, { recursive: true, force: true }));
    const src = join(base, 'src');
    mkdirSync(src);
    writeFileSync(join(src, 'a-small.bin'), seededBytes(9, 'a', MiB));
    writeFileSync(join(src, 'b-small.bin'), seededBytes(9, 'b', MiB));
    writeFileSync(join(src, 'c-large.bin'), seededBytes(9, 'c', 48 * MiB));
    const out = join(base, 'out');
    let files = 0;
    const first = await run([join(base, 'net'), src, out], (line) => {
      if (line.startsWith('FILE ')) files = Number(line.slice(5));
      return files >= 2 && line.startsWith('STAGED ') && Number(line.slice(7)) >= 3;
    });
    assert.equal(first.signal, 'SIGKILL', first.lines.join('\n'));
    const second = await run([join(base, 'net'), src, out], () => false);
    const resumed = Number(second.lines.find((l) => l.startsWith('RESUMING '))!.slice(9));
    assert.ok(resumed >= 3, `staged blocks found after the kill: ${resumed}`);
    const done = second.lines.find((l) => l.startsWith('DONE '));
    assert.ok(done, second.lines.join('\n'));
    const report = JSON.parse(done.slice(5)) as {
      files: number;
      unchanged: number;
      problems: unknown[];
      restored: { failed: unknown[] };
    };
    assert.deepEqual(report.problems, []);
    assert.equal(report.unchanged, 2);
    assert.equal(report.files, 1);
    assert.deepEqual(report.restored.failed, []);
    assert.deepEqual(diffTrees(src, join(out, 'src')), []);
  }
);
