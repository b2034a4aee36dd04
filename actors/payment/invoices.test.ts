// Invoices on the customer's side, on real LMDB files and the memory network with one simulated
// clock: an invoice delivered hours after its period verifies against exactly that period (an
// inflated one is still disputed); an invoice received and not yet accepted survives a restart and
// is paid once; a payment machine that failed (its supplier unreachable) is run again with backoff,
// across a restart too, and pays once; past the retry limit the invoice stays owed and shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor, type AnyActorRef } from 'xstate';
import { TestClock } from '../clock.js';
import { createRandom } from '../random.js';
import { createMemoryNetwork } from '../transports/index.js';
import { createRouter, type Router } from '../router/index.js';
import { openLmdbStore, type KvStore } from '../store/index.js';
import {
  hashOf,
  idOf,
  ledgerSummary,
  openLedger,
  signInvoice,
  type LedgerEntry
} from '../ledger/index.js';
import { keysFromSeed } from '../ledger/fixtures.js';
import type { ContractTerms, SignedInvoice } from '../../machines/payment/records.js';
import { cosignContract, createPaymentNode, type PaymentNode } from './node.js';
import { encodePayment, PAYMENT_SERVICE } from './wire.js';
import { MAX_RUNS } from './owing.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const P = 10 * MIN;
const T0 = 19_700 * 86_400_000; // a multiple of P
const MiB = 1024 * 1024;
const TIMING = {
  payDelayMs: 30_000,
  receiptTimeoutMs: 20_000,
  retryMs: MIN,
  maxAttempts: 2,
  deadlineMs: 86_400_000
};
const GRANT = { startMicro: 50_000_000, capMicro: 1_000_000_000, vestMicroPerGBHour: 0 };

interface Side {
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

async function world(t: { after(fn: () => unknown): void }) {
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
  const s = await open(1);
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
    keys,
    customer: () => c,
    supplier: s,
    held,
    send,
    drive,
    advance,
    run,
    restartCustomer,
    books,
    holdMachines: (on: boolean) => (hold = on)
  };
}

test('an invoice delivered hours after its period verifies against that period; an inflated one is disputed', async (t) => {
  const w = await world(t);
  const { cid, sid } = w.ids;
  w.held(4 * MiB);
  await w.advance(P);
  // The customer is unreachable when the bill is cut: the invoice stays unanswered.
  w.network.partition([cid], [sid]);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv, 'a bill was cut');
  // Meanwhile the customer writes a lot: its meter moves on well past the period.
  await w.advance(MIN);
  w.held(40 * MiB);
  await w.advance(3 * HOUR);
  w.held(20 * MiB);
  await w.advance(HOUR);
  w.network.heal();
  const signed = w.supplier.pay.supplier.invoices.get(inv.id)!.invoice;
  await w.send(signed);
  const status = () => w.supplier.pay.supplier.invoices.get(inv.id)!.status;
  const out = () => w.customer().outcomes.get(inv.id);
  await w.drive(() => out() !== undefined, HOUR);
  assert.equal(status(), 'paid', 'the late invoice verified and was paid');
  assert.equal(w.customer().outcomes.get(inv.id), 'settled');

  // The same period billed 5 % higher (re-signed by the supplier): disputed, however late.
  const inflated = {
    ...inv,
    id: hashOf({ inflated: inv.id }).slice(0, 32),
    storedByteMs: ((BigInt(inv.storedByteMs) * 105n) / 100n).toString()
  };
  await w.send(signInvoice(w.keys[1]!, inflated));
  await w.drive(() => w.customer().outcomes.has(inflated.id), HOUR);
  assert.equal(w.customer().outcomes.get(inflated.id), 'disputed');

  const b = await w.books(inv.id);
  assert.deepEqual(b.counts, [1, 1]);
  assert.equal(b.paid, b.received, 'Σ paid = Σ received');
});

test('an invoice received and not yet accepted survives a customer restart and is paid once', async (t) => {
  const w = await world(t);
  w.held(2 * MiB);
  await w.advance(P);
  // The customer crashes right after the invoice was acknowledged, before its machine ran.
  w.holdMachines(true);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv);
  await w.drive(() => w.customer().spawned.length > 0, MIN);
  const status = () => w.supplier.pay.supplier.invoices.get(inv.id)!.status;
  assert.equal(status(), 'sent', 'not accepted before the crash');
  w.holdMachines(false);
  const c = await w.restartCustomer();
  assert.deepEqual(
    c.pay.customer.owing().map((o) => [o.invoice, o.stage]),
    [[inv.id, 'received']]
  );
  c.pay.customer.resume();
  await w.drive(() => status() === 'paid', HOUR);
  await w.drive(() => c.pay.customer.owing().length === 0, 10 * MIN);
  const b = await w.books(inv.id);
  assert.deepEqual(b.counts, [1, 1], 'recorded once in each ledger');
  assert.equal(b.paid, b.received, 'Σ paid = Σ received');
  await c.root.flushed();
  assert.deepEqual(await c.root.sub('pending').range({ prefix: 'p/' }), [], 'nothing left pending');
});

test('a failed payment machine is run again with backoff, across a restart, and pays once', async (t) => {
  const w = await world(t);
  const { cid, sid } = w.ids;
  w.held(3 * MiB);
  await w.advance(P);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv);
  const status = () => w.supplier.pay.supplier.invoices.get(inv.id)!.status;
  await w.drive(() => status() === 'accepted', 10 * MIN);
  // The supplier becomes unreachable before the payment goes out: every attempt fails.
  w.network.partition([cid], [sid]);
  await w.drive(() => w.customer().outcomes.get(inv.id) === 'failed', HOUR);
  const [o] = w.customer().pay.customer.owing();
  assert.equal(o?.state, 'retrying');
  assert.equal(o?.failedRuns, 1);
  assert.ok(o?.reason, 'the reason is shown');
  // The next run after retryMs, then doubling (the clock may have moved one step since).
  const wait = () => w.customer().pay.customer.owing()[0]!.retryAt! - w.clock.now();
  assert.ok(wait() > TIMING.retryMs - 2_000 && wait() <= TIMING.retryMs, `${wait()}`);
  await w.drive(() => w.customer().pay.customer.owing()[0]!.failedRuns === 2, HOUR);
  assert.ok(wait() > 2 * TIMING.retryMs - 2_000 && wait() <= 2 * TIMING.retryMs, `${wait()}`);

  // Restart while still cut off: the failed runs and the next retry come back from disk.
  const c = await w.restartCustomer();
  assert.equal(c.pay.customer.owing()[0]!.failedRuns, 2);
  c.pay.customer.resume();
  await w.advance(10 * MIN);
  w.network.heal();
  await w.drive(() => status() === 'paid', 2 * HOUR);
  await w.drive(() => c.pay.customer.owing().length === 0, 10 * MIN);
  const b = await w.books(inv.id);
  assert.deepEqual(b.counts, [1, 1], 'recorded once in each ledger');
  assert.equal(b.paid, b.received, 'Σ paid = Σ received');
});

test('past the retry limit an invoice stays owed and shown with its reason', async (t) => {
  const w = await world(t);
  const { cid, sid } = w.ids;
  w.held(MiB);
  await w.advance(P);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv);
  await w.drive(
    () => w.supplier.pay.supplier.invoices.get(inv.id)!.status === 'accepted',
    10 * MIN
  );
  w.network.partition([cid], [sid]);
  const owing = () => w.customer().pay.customer.owing();
  await w.drive(() => owing()[0]?.state === 'given-up', 12 * HOUR, 5_000);
  assert.equal(owing()[0]!.failedRuns, MAX_RUNS);
  assert.equal(owing()[0]!.retryAt, undefined);
  assert.match(owing()[0]!.reason!, /timeout|ERR_/);
  // It stays: no further run, and a restart keeps it owed and shown.
  const c = await w.restartCustomer();
  c.pay.customer.resume();
  await w.advance(HOUR);
  assert.deepEqual(
    c.pay.customer.owing().map((o) => [o.invoice, o.state, o.failedRuns]),
    [[inv.id, 'given-up', MAX_RUNS]]
  );
  assert.equal(w.supplier.pay.supplier.invoices.get(inv.id)!.status, 'accepted', 'still owed');
});

test('a large write just before the period ends, timed seconds apart by the two parties, verifies', async (t) => {
  const w = await world(t);
  const { cid, sid } = w.ids;
  const c = w.customer();
  const feed = (pay: PaymentNode, role: 'customer' | 'supplier', peer: string, bytes: number) =>
    pay.feed({ type: 'meter.stored', role, peer, bytes, at: w.clock.now() });
  w.held(MiB);
  await w.advance(P - 5_000);
  // The supplier stores 63 MiB more 5 s before the boundary; the customer counts it when the
  // acknowledgement arrives, 3 s later. Over this period the two meters differ by a quarter.
  feed(w.supplier.pay, 'supplier', cid, 64 * MiB);
  await w.advance(3_000);
  feed(c.pay, 'customer', sid, 64 * MiB);
  await w.advance(2_000);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv);
  await w.drive(() => c.outcomes.has(inv.id), HOUR);
  assert.equal(c.outcomes.get(inv.id), 'settled');
  assert.equal(w.supplier.pay.supplier.invoices.get(inv.id)!.status, 'paid');
});

test('a bill cut after its boundary (a late tick) covers exactly its period and verifies', async (t) => {
  const w = await world(t);
  w.held(4 * MiB);
  await w.advance(P + MIN);
  w.held(8 * MiB); // the holding changed after the boundary, before the bill was cut
  await w.advance(MIN);
  const [inv] = await w.run(w.supplier.pay.supplier.invoiceAll(T0, T0 + P));
  assert.ok(inv);
  assert.equal(inv.storedByteMs, (BigInt(4 * MiB) * BigInt(P)).toString());
  await w.drive(() => w.customer().outcomes.has(inv.id), HOUR);
  assert.equal(w.customer().outcomes.get(inv.id), 'settled');
  // The next bill starts where this one ended.
  await w.advance(P);
  const [next] = await w.run(w.supplier.pay.supplier.invoiceAll(T0 + P, T0 + 2 * P));
  assert.equal(next?.periodStart, T0 + P);
  const expected = BigInt(4 * MiB) * BigInt(MIN) + BigInt(8 * MiB) * BigInt(P - MIN);
  assert.equal(next?.storedByteMs, expected.toString());
});
