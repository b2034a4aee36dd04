/**
 * The `payment` demo: the operator's node stores a file on its devnet suppliers but donates
 * nothing. It signs a contract with each supplier, pays its bills from its start grant until the
 * grant runs out, goes over its credit limit (the suppliers refuse new data with the reason), and
 * after the grace period is dropped as `unpaid`; fire-hire fires those suppliers and hires
 * others. Every ledger then audits clean and the credits balance. Policies are shrunk so this
 * takes about a minute: 20-second bills at a steep price, on a clock running ×4 while waiting.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageOf } from '../../actors/storage/services.js';
import { backupTree } from '../../actors/storage/customer-files.js';
import { ledgerSummary } from '../../actors/ledger/index.js';
import { shardHash } from '../../actors/storage/merkle.js';
import type { PaymentServiceOptions } from '../../actors/payment/service.js';
import { decideStanding } from '../../machines/payment/fairness.js';
import { UsageError } from './args.js';
import type { Host } from './host.js';
import { credits } from './ledger-commands.js';
import { until } from './until.js';

/** The demo's policies: a dear price, a small grant and credit, short bills and grace. */
export const DEMO_PAYMENT: PaymentServiceOptions = {
  periodMs: 20_000,
  tickMs: 2_000,
  pricePerGBHour: 3_000_000_000,
  transferPricePerGB: 0,
  grant: { startMicro: 40_000, capMicro: 1_000_000_000, vestMicroPerGBHour: 1_000 },
  fairness: {
    ratioNum: 1,
    ratioDen: 1,
    windowMs: 3_600_000,
    creditLimit: 30_000,
    graceMs: 40_000
  },
  timing: {
    payDelayMs: 2_000,
    receiptTimeoutMs: 10_000,
    retryMs: 5_000,
    maxAttempts: 5,
    deadlineMs: 86_400_000
  }
};

export const paymentDemo = {
  summary:
    'a customer that donates nothing runs out of credit: refused, dropped as unpaid, replaced',
  payment: DEMO_PAYMENT,
  async run(host: Host, say: (line: string) => void): Promise<void> {
    const me = storageOf(host.node.id);
    await until(() => me?.customer() !== undefined && me.payment() !== undefined, 60_000);
    const c = me?.customer();
    const pay = me?.payment();
    if (!c || !pay || !host.teaching) throw new UsageError('payment needs a devnet of 4 or more');
    const fairness = DEMO_PAYMENT.fairness!;
    const peers = host.devnet.nodes.flatMap((n) => {
      const rt = storageOf(n.id)?.payment();
      return rt ? [{ node: n, rt }] : [];
    });
    const standing = (rt: (typeof peers)[number]['rt']) => {
      const d = rt.pay.supplier.debts.get(host.node.id);
      return d ? decideStanding(d, host.teaching!.clock.now(), fairness) : undefined;
    };
    const own = () => pay.pay.contracts().filter((k) => k.terms.customer === host.node.id);

    say(`1. hiring ${c.k + c.m} suppliers and signing a contract with each over the router`);
    await until(() => c.ready() && own().length === c.k + c.m, 120_000);
    say(
      `   ${own().length} contracts at ${credits(String(DEMO_PAYMENT.pricePerGBHour))} per GB-hour`
    );
    const dir = await mkdtemp(join(tmpdir(), 'bitdust-demo-'));
    try {
      await writeFile(join(dir, 'thesis.pdf'), randomBytes(2 * 1024 * 1024));
      await backupTree(c, dir);
      const s0 = await ledgerSummary(pay.store);
      say(`2. backed up 2 MiB; balance ${credits(s0.balance)} (the start grant), bills every 20 s`);
      say('   the devnet clock now runs ×4');
      host.teaching.clock.resume(4);
      let refused: (typeof peers)[number] | undefined;
      for (let i = 0; i < 60 && !refused; i++) {
        await until(() => false, 2_000);
        refused = peers.find((p) => standing(p.rt)?.standing === 'refused');
        const s = await ledgerSummary(pay.store);
        if (i % 3 === 0 || refused)
          say(`   balance ${credits(s.balance)}, paid ${credits(s.paid)}`);
      }
      if (!refused) throw new Error('no supplier refused the customer');
      say(`3. ${refused.node.config.name} refuses new data: ${standing(refused.rt)?.detail}`);
      const shard = new Uint8Array(1000).fill(1);
      const err = await c.options.client
        .putShard(refused.node.id, 'more/00000000/000', shard, shardHash(shard))
        .then(
          () => undefined,
          (e: unknown) => e as Error
        );
      say(`   a new shard gets: ${err?.message ?? 'accepted?'}`);
      say(`4. after ${fairness.graceMs / 1000} s over the limit the rejector drops the customer`);
      await until(() => c.fired().some((f) => /unpaid/.test(f.reason)), 240_000);
      const fired = c.fired().find((f) => /unpaid/.test(f.reason));
      say(`   fire-hire fired position ${fired?.position}: ${fired?.reason}`);
      await until(() => c.ready(), 120_000);
      const seat = c.seats()[fired?.position ?? 0];
      say(`5. replacement hired at position ${seat?.position}: ${seat?.supplierId?.slice(0, 12)}…`);
      host.teaching.clock.resume(1);
      let balances = 0n;
      let grants = 0n;
      let clean = 0;
      for (const rt of [pay, ...peers.map((p) => p.rt)]) {
        await rt.ledger.idle();
        const report = await rt.audit();
        if (report.ok) clean++;
        balances += BigInt(report.balance);
        grants += BigInt(report.granted);
      }
      say(
        `6. ${clean} of ${peers.length + 1} ledgers audit clean; Σ balances ${credits(String(balances))} = Σ grants ${credits(String(grants))}`
      );
    } finally {
      host.teaching.clock.resume(1);
      await rm(dir, { recursive: true, force: true });
    }
  }
};
