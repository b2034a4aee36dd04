import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  humanBytes,
  humanDuration,
  progressLine,
  progressPrinter,
  type Progress
} from './progress.js';

const MiB = 1024 * 1024;
const at = (bytesDone: number, itemsDone: number, elapsedMs?: number): Progress => ({
  bytesDone,
  bytesTotal: 100 * MiB,
  itemsDone,
  itemsTotal: 10,
  items: 'files',
  ...(elapsedMs !== undefined ? { elapsedMs } : {})
});

test('human units', () => {
  assert.equal(humanBytes(0), '0 B');
  assert.equal(humanBytes(1536), '1.5 KiB');
  assert.equal(humanBytes(350 * MiB), '350 MiB');
  assert.equal(humanBytes(1.25 * 1024 * MiB), '1.3 GiB');
  assert.equal(humanBytes(12.4), '12 B');
  assert.equal(humanDuration(17_400), '17s');
  assert.equal(humanDuration(65_000), '1m05s');
  assert.equal(humanDuration(2 * 3600_000 + 3 * 60_000), '2h03m');
});

test('a line shows percent, bytes, items, speed and time left', () => {
  assert.equal(
    progressLine('backup', at(25 * MiB, 2), 5_000),
    'backup  25%  25 MiB / 100 MiB  2/10 files  5.0 MiB/s  ETA 15s'
  );
  assert.equal(
    progressLine('restore', at(100 * MiB, 10), 10_000, 10),
    'restore [##########] 100%  100 MiB / 100 MiB  10/10 files  10 MiB/s  in 10s'
  );
  assert.match(
    progressLine('rebuild', { ...at(0, 0), bytesTotal: 0, itemsTotal: 0, items: 'blocks' }, 0),
    /100%.*0\/0 blocks/
  );
});

test('no terminal: the first line, one per interval, and the last', () => {
  let now = 0;
  const lines: string[] = [];
  const p = progressPrinter(
    'backup',
    { tty: false, write: () => assert.fail('no redraw'), line: (l) => lines.push(l) },
    { now: () => now, everyMs: 1000 }
  );
  for (let i = 0; i <= 10; i++) {
    now = i * 300;
    p.update(at(i * 10 * MiB, i, now));
  }
  p.end();
  // t = 0, 300·4 = 1200, 300·8 = 2400 by the interval, then the complete one at 3000.
  assert.equal(lines.length, 4, lines.join('\n'));
  assert.match(lines[0]!, /^backup {3}0%/);
  assert.match(lines.at(-1)!, /^backup 100% {2}100 MiB \/ 100 MiB {2}10\/10 files .* in 3s$/);
});

test('a terminal: one bar redrawn in place, then a newline', () => {
  let now = 0;
  const chunks: string[] = [];
  const p = progressPrinter(
    'restore',
    { tty: true, write: (c) => chunks.push(c), line: () => assert.fail('no lines') },
    { now: () => now, width: 4 }
  );
  p.update(at(50 * MiB, 5, 1000));
  now = 50; // within 100 ms: not redrawn
  p.update(at(60 * MiB, 6, 1050));
  now = 200;
  p.update(at(100 * MiB, 10, 2000));
  p.end();
  assert.equal(chunks.length, 3);
  assert.ok(chunks[0]!.startsWith('\rrestore [##..]  50%'));
  assert.ok(chunks[1]!.startsWith('\rrestore [####] 100%'));
  assert.equal(chunks[2], '\n');
});
