/**
 * A seeded payment devnet: N nodes on a memory network with routers, LMDB ledgers and payment
 * services, contracts between donors, balanced nodes and consumers, metering fed hourly and
 * invoices daily. Used by test/payment-sim.test.ts; every loop is bounded, time is a TestClock.
 */
import { TestClock } from '../clock.js';
import { createRandom } from '../random.js';
import { createMemoryNetwork } from '../transports/index.js';
import { createRouter, type Router } from '../router/index.js';
import type { KvStore } from '../store/index.js';
import { openLedger, type GrantPolicy, type Ledger } from '../ledger/index.js';
import { hashOf, idOf } from '../ledger/index.js';
import { keysFromSeed } from '../ledger/fixtures.js';
import { DEFAULT_FAIRNESS, type FairnessPolicy } from '../../machines/payment/fairness.js';
import { cosignContract, createPaymentNode, type PaymentNode } from './node.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const GB = 1_000_000_000;
/** A day boundary, so periods are calendar days. */
export const SIM_T0 = 19_675 * DAY;

/** The role of a node in the simulation. */
export type Role = 'donor' | 'heavy' | 'light' | 'balanced';

/** One simulated node. */
export interface SimNode {
  index: number;
  role: Role;
  router: Router;
  ledger: Ledger;
  pay: PaymentNode;
}

/** What happened to a (supplier, customer) pair. */
export interface PairEvent {
  supplier: string;
  customer: string;
  refusedAt?: number;
  droppedAt?: number;
}

export const SIM_GRANT: GrantPolicy = {
  startMicro: 2_000_000,
  capMicro: 20_000_000,
  vestMicroPerGBHour: 100
};
export const SIM_FAIRNESS: FairnessPolicy = {
  ...DEFAULT_FAIRNESS,
  creditLimit: 1_000_000,
  graceMs: 3 * DAY
};
const PRICE = 10_000;

const roleOf = (i: number): Role =>
  i < 6 ? 'donor' : i < 11 ? 'heavy' : i < 16 ? 'light' : 'balanced';

/** Builds the devnet on `store` (one sub-namespace per node). */
export async function createPaymentSim(seed: number, store: KvStore, n = 20) {
  const clock = new TestClock(SIM_T0);
  const random = createRandom(seed);
  const network = createMemoryNetwork({ clock, random, delay: { minMs: 0, maxMs: 40 } });
  const keys = Array.from({ length: n }, (_, i) => keysFromSeed(seed, i));
  const ids = keys.map(idOf);
  const address = new Map(ids.map((id, i) => [id, `mem-${i}`]));
  const nodes: SimNode[] = [];
  for (let i = 0; i < n; i++) {
    const router = createRouter({
      nodeId: ids[i]!,
      transport: network.transport(`mem-${i}`),
      clock,
      random,
      resolve: (id) => address.get(id),
      timeoutMs: 5000
    });
    router.start();
    const ledger = await openLedger({
      store: store.sub(`n${i}`),
      keys: keys[i]!,
      clock,
      grant: SIM_GRANT
    });
    await ledger.vest();
    const pay = createPaymentNode({
      keys: keys[i]!,
      ledger,
      clock,
      router,
      fairness: SIM_FAIRNESS
    });
    nodes.push({ index: i, role: roleOf(i), router, ledger, pay });
  }
  // Contracts: consumers on three suppliers, donors and balanced nodes on one or two others.
  const suppliers = nodes.filter((x) => x.role === 'donor' || x.role === 'balanced');
  const bytes = new Map<string, number>();
  const contract = (cust: SimNode, sup: SimNode, size: number) => {
    const terms = {
      v: 1 as const,
      id: hashOf({ seed, c: cust.index, s: sup.index }).slice(0, 32),
      customer: cust.pay.id,
      supplier: sup.pay.id,
      bytes: 4 * GB,
      startMs: SIM_T0,
      termMs: 7 * DAY,
      pricePerGBHour: PRICE,
      transferPricePerGB: 1_000,
      seq: 0,
      prev: ''
    };
    const sc = cosignContract(keys[cust.index]!, keys[sup.index]!, terms);
    cust.pay.addContract(sc);
    sup.pay.addContract(sc);
    bytes.set(terms.id, size + random.int(GB / 100));
  };
  const consumers = nodes.filter((x) => x.role === 'heavy' || x.role === 'light');
  consumers.forEach((cust, j) => {
    for (const k of [0, 3, 7]) {
      contract(
        cust,
        suppliers[(j + k) % suppliers.length]!,
        cust.role === 'heavy' ? Math.floor((2 * GB) / 3) : GB / 20
      );
    }
  });
  suppliers.forEach((cust, j) => {
    const others = cust.role === 'donor' ? [1] : [2, 5];
    for (const k of others)
      contract(
        cust,
        suppliers[(j + k) % suppliers.length]!,
        cust.role === 'donor' ? GB / 5 : GB / 2
      );
  });

  const pairs = new Map<string, PairEvent>();
  const quiet = () =>
    network.stats().inFlight === 0 && nodes.every((x) => x.router.stats().pending === 0);
  async function quiesce() {
    for (let i = 0; i < 30; i++) {
      await new Promise<void>((r) => setImmediate(r));
      await Promise.all(nodes.map((x) => x.ledger.idle()));
      if (i >= 2 && quiet()) return;
    }
  }
  /** Advances `ms`: 1 s steps while messages are in flight, else straight to the end. */
  async function advance(ms: number) {
    const end = clock.now() + ms;
    for (let i = 0; i < 100_000 && clock.now() < end; i++) {
      clock.increment(Math.min(quiet() ? HOUR : 1000, end - clock.now()));
      await quiesce();
    }
  }
  function meter(at: number) {
    for (const x of nodes) {
      for (const sc of x.pay.contracts()) {
        const t = sc.terms;
        if (t.supplier !== x.pay.id) continue;
        const cust = nodes[ids.indexOf(t.customer)]!;
        const b = bytes.get(t.id) ?? 0;
        x.pay.feed({ type: 'meter.stored', role: 'supplier', peer: t.customer, bytes: b, at });
        cust.pay.feed({ type: 'meter.stored', role: 'customer', peer: t.supplier, bytes: b, at });
      }
    }
  }
  /** Daily: invoice yesterday, grow data where accepted, apply the standing decisions. */
  async function daily(at: number) {
    await Promise.all(nodes.map((x) => x.pay.supplier.invoiceAll(at - DAY, at)));
    for (const x of nodes) {
      for (const d of x.pay.supplier.standings()) {
        const key = `${x.pay.id}:${d.customer}`;
        const p = pairs.get(key) ?? { supplier: x.pay.id, customer: d.customer };
        pairs.set(key, p);
        if (d.standing !== 'good') p.refusedAt ??= at;
        if (d.standing !== 'dropped' || p.droppedAt !== undefined) continue;
        p.droppedAt = at;
        // The rejector drops the customer: its contract ends and its data goes (metered to 0).
        const sc = x.pay.contracts().find((k) => k.terms.customer === d.customer);
        if (sc) bytes.set(sc.terms.id, 0);
      }
    }
    for (const x of nodes) {
      for (const sc of x.pay.contracts()) {
        const t = sc.terms;
        const p = pairs.get(`${t.supplier}:${t.customer}`);
        const b = bytes.get(t.id) ?? 0;
        // A refused customer stores nothing new; others grow by 1 % a day.
        if (t.supplier === x.pay.id && b > 0 && p?.refusedAt === undefined)
          bytes.set(t.id, Math.floor(b * 1.01));
      }
    }
  }
  /** Runs `days` simulated days in hourly ticks. */
  async function run(days: number) {
    meter(clock.now());
    for (let h = 1; h <= days * 24; h++) {
      await advance(HOUR);
      meter(clock.now());
      if (h % 24 === 0) await daily(clock.now());
    }
    await advance(2 * HOUR);
  }
  return { clock, network, nodes, ids, pairs, run, quiesce, advance };
}
