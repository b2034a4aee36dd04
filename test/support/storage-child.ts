/**
 * The customer (with its devnet of suppliers, all in this process, all data under `base`) for the
 * kill -9 test: backs up `src` printing `FILE n` per file and `STAGED n` as blocks are staged;
 * when it completes, restores into `out` and prints `DONE <report json>`. Run twice on the same
 * directories: the first run is killed mid-backup, the second must finish what the first started.
 */
import { backupTree, restoreTree } from '../../actors/storage/customer-files.js';
import { storageDevnet } from './storage-devnet.js';

const [base, src, out] = process.argv.slice(2) as [string, string, string];
const net = await storageDevnet({
  suppliers: 6,
  k: 4,
  m: 2,
  baseDir: base,
  seed: 5,
  customer: { parallelFiles: 1, window: 2 }
});
await net.ready();
const c = net.customer();
const stagedNow = async () => (await c.catalog.db.range({ prefix: 'stage/' })).length;
console.log(`RESUMING ${await stagedNow()}`);
let last = -1;
const timer = setInterval(() => {
  void stagedNow().then((n) => {
    if (n !== last) console.log(`STAGED ${(last = n)}`);
  });
}, 20);
const report = await backupTree(c, src, (p) => console.log(`FILE ${p.filesDone}`));
clearInterval(timer);
const restored = await restoreTree(c, { path: src, into: out });
console.log(`DONE ${JSON.stringify({ ...report, restored })}`);
await net.stop();
process.exit(0);
