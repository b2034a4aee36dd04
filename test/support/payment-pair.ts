// A customer and a supplier on real LMDB files and the memory network with one simulated clock,
// each a payment node that can be crashed and reopened (actors/payment/invoices.test.ts and
// disputes.test.ts).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor, type AnyActorRef } from 'xstate';
import { TestClock } from '../../actors/clock.js';
import { createRandom } from '../../actors/random.js';
import { createMemoryNetwork } from '../../actors/transports/index.js';
import { createRouter, type Router } from '../../actors/router/index.js';
import { openLmdbStore, type KvStore } from '../../actors/store/index.js';
import {
  hashOf,
  idOf,
  ledgerSummary,
  openLedger,
  type LedgerEntry
} from '../../actors/ledger/index.js';
import { keysFromSeed } from '../../actors/ledger/fixtures.js';
import type { ContractTerms, SignedInvoice } from '../../machines/payment/records.js';
import { cosignContract, createPaymentNode, type PaymentNode } from '../../actors/payment/node.js';
import { encodePayment, PAYMENT_SERVICE } from '../../actors/payment/wire.js';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const P = 10 * MIN;
export const T0 = 19_700 * 86_400_000; // a multiple of P
export const MiB = 1024 * 1024;
export const TIMING = {
  payDelayMs: 30_000,
  receiptTimeoutMs: 20_000,
  retryMs: MIN,
  maxAttempts: 2,
  deadlineMs: 86_400_000
};
export const GRANT = { startMicro: 50_000_000, capMicro: 1_000_000_000, vestMicroPerGBHour: 0 };

export interface Side {
  root: KvStore;
  pay: PaymentNode;
  outcomes: Map<string, string>;
  /** Machines spawned, started unless the test holds them back. */
  spawned: AnyActorRef[];
}

/** `kv` counting its operations in progress in `io` (its namespaces too). */
function tracked(kv: KvStore, io: { pending: number }): KvStore {
  const counted = new Set(['get', 'put', 'remove', 'batch', 'range', 'flushed']);
  return new Proxy(kv, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      if (prop === 'sub') return (name: string) => tracked(target.sub(name), io);
      if (!counted.has(String(prop))) return v.bind(target);
      return (...args: unknown[]) => {
        io.pending++;
        const p = Promise.resolve((v as (...a: unknown[]) => unknown).apply(target, args));
        void p.then(
          () => io.pending--,
          () => io.pending--
        );
        return p;
      };
    }
  });
}

export async function world(t: { after(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'bitdust-invoices-'));
  const clock = new TestClock(T0);
  const random = createRandom(7);
  const network = createMemoryNetwork({ clock, random });
  const keys = [keysFromSeed(21, 0), keysFromSeed(21, 1)];
  const [cid, sid] = keys.map(idOf) as [string, string];
  const routers: Router[] = [cid, sid].map((id) => {
    const r = createRouter({
      nodeId: id,
      transport: network.transport(id),
      clock,
      random,
      resolve: (x) => x,
      timeoutMs: 10_000
    });
    r.start();
    return r;
  });
  const roots: KvStore[] = [];
  // Disk operations in progress: the clock stands still while the disk works (real I/O).
  const io = { pending: 0 };
  t.after(async () => {
    for (const r of roots) await r.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });
  let hold = false;

  /** Opens (or reopens, after a restart) node `i` on its own LMDB file. */
  async function open(i: 0 | 1): Promise<Side> {
    const root = tracked(openLmdbStore({ path: join(dir, `n${i}`) }), io);
    roots.push(root);
    const ledger = await openLedger({
      store: root.sub('ledger'),
      keys: keys[i]!,
      clock,
      grant: GRANT
    });
    await ledger.vest();
    const outcomes = new Map<string, string>();
    const spawned: AnyActorRef[] = [];
    const pay = createPaymentNode({
      keys: keys[i]!,
      ledger,
      clock,
      router: routers[i]!,
      timing: TIMING,
      history: { bucketMs: MIN, keepMs: 8 * HOUR, eventSkewMs: 10_000 },
      bills: root.sub('bills'),
      pending: root.sub('pending'),
      onOutcome: (id, o) => outcomes.set(id, o),
      // As a node's supervisor would, unless the test holds machines back (a crash before they run).
      spawn: async (_id, logic, input) => {
        const a = createActor(logic, { input, clock });
        spawned.push(a);
        return hold ? a : a.start();
      }
    });
    await pay.supplier.restore();
    await pay.customer.restore();
    return { root, pay, outcomes, spawned };
  }

  const busy = () => routers.some((r) => r.stats().pending > 0);
  /** Advances the clock until `done()`, delivering frames and waiting (bounded) on the disk. */
  async function drive(done: () => boolean, maxMs: number, stepMs = 1_000): Promise<void> {
    const end = clock.now() + maxMs;
    let waits = 0;
    for (let i = 0; i < 1_000_000; i++) {
      if (done()) return;
      assert.ok(clock.now() < end, `not reached within ${maxMs} simulated ms`);
      await new Promise((r) => setImmediate(r));
      if (network.stats().inFlight > 0) {
        clock.increment(0);
        continue;
      }
      // The disk is working: wait for it. A request is pending and nothing is in flight: its
      // handler may wait on something else real for a while, or its answer was lost.
      if (io.pending > 0 && waits++ < 100_000) continue;
      if (busy() && waits++ < 200) continue;
      waits = 0;
      clock.increment(stepMs);
    }
    assert.fail('step bound reached');
  }
  const advance = async (ms: number) => {
    const to = clock.now() + ms;
    await drive(() => clock.now() >= to, ms + 1);
  };
  async function run<T>(p: Promise<T>, maxMs = HOUR): Promise<T> {
    let over = false;
    p.then(
      () => (over = true),
      () => (over = true)
    );
    await drive(() => over, maxMs);
    return p;
  }

  let c = await open(0);
  let s = await open(1);
  const terms: ContractTerms = {
    v: 1,
    id: hashOf({ k: 'invoices' }).slice(0, 32),
    customer: cid,
    supplier: sid,
    bytes: 64 * MiB,
    startMs: T0,
    termMs: 30 * 86_400_000,
    pricePerGBHour: 100_000_000,
    transferPricePerGB: 0,
    seq: 0,
    prev: ''
  };
  const contract = cosignContract(keys[0]!, keys[1]!, terms);
  c.pay.addContract(contract);
  s.pay.addContract(contract);

  /** Both parties see the customer's holding at `bytes` now (a write both metered at once). */
  const held = (bytes: number) => {
    const at = clock.now();
    c.pay.feed({ type: 'meter.stored', role: 'customer', peer: sid, bytes, at });
    s.pay.feed({ type: 'meter.stored', role: 'supplier', peer: cid, bytes, at });
  };
  /** The supplier sends `si` to the customer, as its re-sending does. */
  const send = (si: SignedInvoice) =>
    run(
      routers[1]!.request(cid, 'cmd.request-service', {
        v: 1,
        service: PAYMENT_SERVICE,
        payload: encodePayment({ kind: 'invoice', body: si })
      })
    );
  /** Crashes the customer (its machines and timers stop, its LMDB closes) and starts it again. */
  async function restartCustomer(): Promise<Side> {
    c.pay.stop();
    for (const a of c.spawned) a.stop();
    await c.pay.customer.saveHistory();
    await c.root.close();
    c = await open(0);
    c.pay.addContract(contract);
    return c;
  }
  /** Crashes the supplier (its LMDB closes) and starts it again from its saved bills. */
  async function restartSupplier(): Promise<Side> {
    s.pay.stop();
    for (const a of s.spawned) a.stop();
    await s.root.close();
    s = await open(1);
    s.pay.addContract(contract);
    return s;
  }
  /** Settled transfers for `invoice` in each ledger, and Σ paid, Σ received. */
  async function books(invoice: string) {
    const counts: number[] = [];
    let paid = 0n;
    let received = 0n;
    for (const side of [c, s]) {
      await side.pay.ledger.idle();
      const rows = await side.root.sub('ledger').range<LedgerEntry>({ prefix: 'e/' });
      counts.push(
        rows.filter(
          (e) =>
            e.value.body.kind === 'transfer' && e.value.body.settled.payment.invoiceId === invoice
        ).length
      );
      const sum = await ledgerSummary(side.root.sub('ledger'));
      paid += BigInt(sum.paid);
      received += BigInt(sum.received);
    }
    return { counts, paid, received };
  }

  return {
    clock,
    network,
    ids: { cid, sid },
    routers,
    keys,
    customer: () => c,
    get supplier() {
      return s;
    },
    held,
    send,
    drive,
    advance,
    run,
    restartCustomer,
    restartSupplier,
    books,
    holdMachines: (on: boolean) => (hold = on)
  };
}

/** One pair of payment nodes. */
export type PaymentPair = Awaited<ReturnType<typeof world>>;
