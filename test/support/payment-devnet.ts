/**
 * A payment devnet: real nodes (createNode: LMDB, identity, Noise sessions, router, DHT) on the
 * memory network, all on one TestClock, each running `storageServices` with payments. Suppliers,
 * customers and nodes that are both are added by name; `drive` advances simulated time until a
 * condition holds — frames in flight are delivered at once, real disk I/O behind a pending router
 * request is waited for (bounded), otherwise the clock moves `stepMs`. No sleeps; every loop is
 * bounded in steps and in simulated time.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestClock } from '../../actors/clock.js';
import { createNode, type BitDustNode } from '../../actors/node/create-node.js';
import { startDevnet, type Devnet } from '../../actors/node/devnet.js';
import {
  storageServices,
  type StorageServices,
  type StorageServicesOptions
} from '../../actors/storage/services.js';
import type { PaymentServiceOptions } from '../../actors/payment/service.js';
import { ledgerSummary, type LedgerEntry } from '../../actors/ledger/index.js';
import { backupTree } from '../../actors/storage/customer-files.js';
import { settle } from './sim.js';
import { seededBytes } from './storage-data.js';
import { up } from './storage-devnet.js';

const MiB = 1024 * 1024;

export const MIN = 60_000;
export const HOUR = 60 * MIN;

/**
 * Payment settings for devnet tests: ten-minute billing periods and dear storage, so a small file
 * costs something within minutes; a customer starts with 20,000 µc of grant.
 */
export const DEVNET_PAY: PaymentServiceOptions = {
  periodMs: 10 * MIN,
  tickMs: MIN,
  pricePerGBHour: 100_000_000,
  transferPricePerGB: 0,
  fairness: {
    ratioNum: 1,
    ratioDen: 1,
    windowMs: 2 * HOUR,
    creditLimit: 30_000,
    graceMs: 30 * MIN
  },
  grant: { startMicro: 20_000, capMicro: 1_000_000_000, vestMicroPerGBHour: 1_000 },
  timing: {
    payDelayMs: 30_000,
    receiptTimeoutMs: 30_000,
    retryMs: 2 * MIN,
    maxAttempts: 5,
    deadlineMs: 86_400_000
  }
};
/** The same with a start grant large enough to pay for the whole run. */
export const DEVNET_PAY_RICH: PaymentServiceOptions = {
  ...DEVNET_PAY,
  grant: { ...DEVNET_PAY.grant!, startMicro: 50_000_000 }
};

/** One node of the payment devnet. */
export interface PayNode {
  readonly name: string;
  readonly node: BitDustNode;
  readonly services: StorageServices;
}

/** What a node runs besides payments. */
export interface PayNodeSpec {
  supplier?: boolean;
  /** Customer with 1 + 1 suppliers found in this order (names of supplier nodes). */
  customerOf?: readonly string[];
  payment: PaymentServiceOptions;
}

/** Starts the devnet at `t0` (simulated ms). */
export async function paymentDevnet(t0: number, seed = 5) {
  const base = mkdtempSync(join(tmpdir(), 'bd-pay-net-'));
  const clock = new TestClock(t0);
  const devnet: Devnet = await startDevnet({
    nodes: 1,
    baseDir: join(base, 'devnet'),
    clock,
    seed
  });
  const nodes = new Map<string, PayNode>();

  const busy = () =>
    [...nodes.values()].some((n) => (n.node.network()?.router.stats().pending ?? 0) > 0);

  /** Waits until every node's issued writes are durable; true if that put frames in flight. */
  async function writesLanded(): Promise<boolean> {
    await Promise.all([...nodes.values()].map((n) => n.node.store()?.flushed()));
    await settle();
    return devnet.network.stats().inFlight > 0;
  }

  /** Advances simulated time until `done()`; fails past `maxMs` simulated or too many steps. */
  async function drive(done: () => boolean, maxMs: number, stepMs = 1_000): Promise<void> {
    const end = clock.now() + maxMs;
    let waits = 0;
    for (let i = 0; i < 1_000_000; i++) {
      if (done()) return;
      assert.ok(clock.now() < end, `condition not reached within ${maxMs} simulated ms`);
      await settle();
      if (devnet.network.stats().inFlight > 0) {
        clock.increment(0); // deliver what is due now
        continue;
      }
      // A request is pending and nothing is in flight: its handler waits on the disk.
      if (busy() && waits++ < 400) continue;
      waits = 0;
      // Before time moves, every write already issued is on disk and what it unblocked has run:
      // a slow disk must not look like a slow peer to the simulated clock.
      if (await writesLanded()) continue;
      clock.increment(stepMs);
    }
    assert.fail('drive: step bound reached');
  }

  /** Advances simulated time by `ms` (driving everything due meanwhile). */
  async function advance(ms: number): Promise<void> {
    const to = clock.now() + ms;
    await drive(() => clock.now() >= to, ms + 1);
  }

  /** Runs `work` to its end while driving the clock. */
  async function run<T>(work: Promise<T>, maxMs = 3_600_000): Promise<T> {
    let over = false;
    work.then(
      () => (over = true),
      () => (over = true)
    );
    await drive(() => over, maxMs);
    return work;
  }

  async function add(name: string, spec: PayNodeSpec): Promise<PayNode> {
    const opts: StorageServicesOptions = {
      payment: spec.payment,
      ...(spec.supplier
        ? { supplier: { capacityBytes: 256 * MiB, maxCustomerBytes: 64 * MiB, patrolMs: 60_000 } }
        : {}),
      ...(spec.customerOf
        ? {
            customer: {
              k: 1,
              m: 1,
              neededBytes: 16 * MiB,
              finder: {
                candidates: async () =>
                  spec.customerOf!.flatMap((s) => {
                    const n = nodes.get(s);
                    return n ? [n.node.id] : [];
                  })
              },
              timeoutMs: 60_000,
              offlineLimitMs: 600_000,
              connectorRetryMs: 30_000,
              connectorCheckMs: 60_000,
              hireTimeoutMs: 60_000,
              auditIntervalMs: 86_400_000
            }
          }
        : {})
    };
    const services = storageServices(opts);
    const node = await createNode({
      config: {
        dataDir: join(base, name),
        name,
        seed: devnet.random.int(2 ** 32),
        api: false,
        devnet: 0
      },
      clock,
      devnet: true,
      network: devnet.join(),
      services: services.definitions
    });
    services.attach(node);
    const n = { name, node, services };
    nodes.set(name, n);
    await run(up(node, 'payment'), 120_000);
    if (spec.supplier) await run(up(node, 'supplier'), 120_000);
    if (spec.customerOf) await run(up(node, 'customer'), 120_000);
    return n;
  }

  /** Suppliers s0 and s1 and customer c of both, ready; `spec` re-adds c after a restart. */
  async function customerOfTwo(payment: PaymentServiceOptions, suppliers = DEVNET_PAY) {
    for (const s of ['s0', 's1']) await add(s, { supplier: true, payment: suppliers });
    const spec: PayNodeSpec = { customerOf: ['s0', 's1'], payment };
    const c = await add('c', spec);
    await drive(() => c.services.customer()?.ready() === true, 10 * MIN);
    return { c, spec };
  }

  /** Backs up one 256 KiB file (content from `seed`) from `c`, with no problems; its directory. */
  async function backUp(c: PayNode, seed: number): Promise<string> {
    const dir = join(base, `src-${c.name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'f.bin'), seededBytes(seed, 'f.bin', 256 * 1024));
    assert.deepEqual((await run(backupTree(c.services.customer()!, dir))).problems, []);
    return dir;
  }

  return {
    base,
    clock,
    customerOfTwo,
    backUp,
    devnet,
    nodes,
    add,
    drive,
    advance,
    run,
    get: (name: string) => nodes.get(name)!,
    stop: async () => {
      for (const n of [...nodes.values()].reverse()) await n.node.stop().catch(() => undefined);
      await devnet.stop();
      rmSync(base, { recursive: true, force: true });
    }
  };
}

type PaymentRuntime = NonNullable<ReturnType<StorageServices['payment']>>;

/** How many transfers `rt`'s ledger records for invoice `invoiceId` (after its writes settle). */
export async function transfersFor(rt: PaymentRuntime, invoiceId: string): Promise<number> {
  await rt.ledger.idle();
  const rows = await rt.store.range<LedgerEntry>({ prefix: 'e/' });
  return rows.filter(
    (e) => e.value.body.kind === 'transfer' && e.value.body.settled.payment.invoiceId === invoiceId
  ).length;
}

/**
 * Audits each node's ledger (every chain must verify) and sums what their summaries say, for the
 * conservation checks: Σ balances = Σ grants, Σ paid = Σ received.
 */
export async function auditedTotals(nodes: Iterable<PayNode>) {
  const sum = { balances: 0n, grants: 0n, paid: 0n, received: 0n };
  for (const n of nodes) {
    const rt = n.services.payment()!;
    await rt.ledger.idle();
    const report = await rt.audit();
    assert.ok(report.ok, `${n.name}: ${JSON.stringify(report.firstBad)}`);
    const s = await ledgerSummary(rt.store);
    assert.equal(s.balance, report.balance, `${n.name}: summary and audit agree`);
    sum.balances += BigInt(s.balance);
    sum.grants += BigInt(s.granted);
    sum.paid += BigInt(s.paid);
    sum.received += BigInt(s.received);
  }
  return sum;
}
