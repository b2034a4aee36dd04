/**
 * The `supplier-dies` demo: the operator's node backs up a file to its devnet suppliers, one
 * supplier dies for good, fire-hire fires it once it has been offline past the limit, hires a
 * replacement at that position, and rebuild restores full redundancy; a restore then proves the
 * bytes. The devnet clock runs ×100 while waiting, so ten simulated minutes take six seconds.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageOf } from '../../actors/storage/services.js';
import type { CustomerStorage } from '../../actors/storage/customer.js';
import { backupTree, restoreTree } from '../../actors/storage/customer-files.js';
import { UsageError } from './args.js';
import type { Host } from './host.js';
import { until } from './until.js';

async function redundancy(c: CustomerStorage): Promise<string> {
  const live = await c.holdings.redundancy(c.catalog, (p) => c.seats()[p]?.status === 'hired');
  return live[0]?.text ?? 'no file yet';
}

export const supplierDies = {
  summary:
    'a supplier dies for good: fire-hire fires it, hires a replacement, rebuild restores redundancy',
  async run(host: Host, say: (line: string) => void): Promise<void> {
    const c = storageOf(host.node.id)?.customer();
    if (!c || !host.teaching) throw new UsageError('supplier-dies needs a devnet of 4 or more');
    say(`1. hiring ${c.k + c.m} suppliers (${c.k} data + ${c.m} parity shards) through the DHT`);
    if (!(await until(() => c.ready(), 120_000))) throw new Error('suppliers were not hired');
    const dir = await mkdtemp(join(tmpdir(), 'bitdust-demo-'));
    try {
      const data = randomBytes(2 * 1024 * 1024);
      await writeFile(join(dir, 'holiday.jpg'), data);
      const report = await backupTree(c, dir);
      say(`2. backed up ${report.files} file: ${await redundancy(c)}`);
      const seat = c.seats()[0]!;
      const victim = host.devnet.nodes.find((n) => n.id === seat.supplierId);
      say(`3. ${victim?.config.name ?? seat.supplierId} (position ${seat.position}) dies for good`);
      host.devnet.network.crash(seat.supplierId!);
      say('   the devnet clock now runs ×100: the offline limit is 10 simulated minutes');
      host.teaching.clock.resume(100);
      await until(() => c.fired().length > 0, 60_000);
      const fired = c.fired()[0];
      say(`4. fire-hire fired it: ${fired ? `${fired.code} — ${fired.reason}` : 'not yet'}`);
      await until(
        async () => c.ready() && (await redundancy(c)).startsWith(`${c.k + c.m} of`),
        90_000
      );
      host.teaching.clock.resume(1);
      say(`5. replacement hired at position ${seat.position} and rebuilt: ${await redundancy(c)}`);
      const into = join(dir, 'restored');
      await restoreTree(c, { path: dir, into });
      const back = await readFile(join(into, dir.split('/').pop()!, 'holiday.jpg'));
      say(`6. restored: ${back.equals(data) ? 'byte for byte identical' : 'DIFFERENT BYTES'}`);
    } finally {
      host.teaching.clock.resume(1);
      await rm(dir, { recursive: true, force: true });
    }
  }
};
