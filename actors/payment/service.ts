/**
 * Payments as a node service (`payment`, after network): the node's ledger in LMDB (namespace
 * `ledger`), the payment protocol on the router, and a supervisor whose children the inspector
 * shows — `payment.upkeep` (meters, contracts, bills, standings; its context is the balance view),
 * one `payment.contract.<supplier>` per supplier we buy from, one `payment.invoice.<id>` per
 * invoice we pay. Storage calls in through {@link PaymentService.storageHooks} (supplier side) and
 * {@link PaymentService.meterCustomer} (customer side); see docs/payment.md.
 */
import { createActor, fromPromise, type AnyActorRef } from 'xstate';
import type { Clock } from '../clock.js';
import type { BitDustNode } from '../node/create-node.js';
import type { ServiceDefinition } from '../node/service-graph.js';
import {
  childSpec,
  startChild,
  supervisorLogic,
  type SupervisorActor
} from '../supervisor/index.js';
import type { KvStore } from '../store/index.js';
import { BitDustError } from '../errors.js';
import {
  auditChain,
  hashOf,
  openLedger,
  type AuditReport,
  type GrantPolicy,
  type Ledger
} from '../ledger/index.js';
import type { CustomerStorage } from '../storage/customer.js';
import type { SupplierStore } from '../storage/supplier-store.js';
import type { StorageHooks } from '../storage/supplier-service.js';
import {
  DEFAULT_FAIRNESS,
  decideStanding,
  unpaidRejections,
  type FairnessPolicy
} from '../../machines/payment/fairness.js';
import { paymentUpkeepMachine, type UpkeepView } from '../../machines/payment/upkeep.js';
import { contractMachine } from '../../machines/contract/machine.js';
import type { ContractTerms, SignedContract } from '../../machines/payment/records.js';
import type { Rejection } from '../../machines/customer-rejector/decide.js';
import { createPaymentNode, type PaymentNode } from './node.js';
import { MeteredClient } from './metered-client.js';
import type { PaymentCtx, PaymentTiming } from './context.js';
import { dhtBoard } from './spend.js';

const DAY = 86_400_000;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The node's clock in whole milliseconds: statements, meters and ledger entries carry integer
 * times (a teaching clock that slows real time yields fractions, which a bigint cannot take).
 */
export function wholeMs(clock: Clock): Clock {
  return {
    now: () => Math.floor(clock.now()),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id)
  };
}

/** Options of the payment service (every field has a default). */
export interface PaymentServiceOptions {
  readonly grant?: GrantPolicy;
  readonly fairness?: FairnessPolicy;
  readonly timing?: Partial<PaymentTiming>;
  /** How often the upkeep re-checks a payer we accepted from lately for forks (10 minutes). */
  readonly spendRecheckMs?: number;
  /** Tests only: alters the usage we bill (see PaymentCtx.alterUsage). */
  readonly alterUsage?: PaymentCtx['alterUsage'];
  /** Tests only: alters our spend positions, as a payer running altered code would. */
  readonly alterSpend?: PaymentCtx['alterSpend'];
  /** Billing period; bills are cut at multiples of it on the node's clock (default 1 day). */
  readonly periodMs?: number;
  /** Upkeep between billing boundaries (default 60 s). */
  readonly tickMs?: number;
  /** µc per GB-hour we ask as a supplier (the floor of what we accept) and offer as a customer. */
  readonly pricePerGBHour?: number;
  readonly transferPricePerGB?: number;
  /** Contract term and the notice before its end when renewal is decided (30 days, 1 day). */
  readonly termMs?: number;
  readonly noticeMs?: number;
  /** Bound of one proposal and the wait between proposals (60 s, 60 s). */
  readonly contractAnswerMs?: number;
  readonly contractRetryMs?: number;
}

/**
 * A new identity's grant: 10 credits at once, 1,000 µc per GB-hour donated up to 1,000 credits;
 * at most 10,000 GB-hours acknowledged by any one customer count (10 credits' worth).
 */
export const DEFAULT_GRANT: GrantPolicy = {
  startMicro: 10_000_000,
  capMicro: 1_000_000_000,
  vestMicroPerGBHour: 1_000,
  counterpartyCapByteMs: (10_000n * 3_600_000_000_000_000n).toString()
};
/** 0.001 credit per GB-hour stored, 0.0001 credit per GB moved. */
export const DEFAULT_PRICE = { pricePerGBHour: 1_000, transferPricePerGB: 100 };

/** What the service opened. */
export interface PaymentRuntime {
  readonly pay: PaymentNode;
  readonly ledger: Ledger;
  /** The ledger's namespace (for the audit and the summary). */
  readonly store: KvStore;
  readonly fairness: FairnessPolicy;
  /** The latest view (what the upkeep actor's context shows). */
  view(): UpkeepView;
  /** Runs one upkeep round now. */
  tick(): Promise<UpkeepView>;
  /** Re-verifies the whole chain. */
  audit(): Promise<AuditReport>;
}

/** What the payment service needs from storage (read late: the services open in turn). */
export interface PaymentDeps {
  readonly attached: Promise<BitDustNode>;
  supplier(): SupplierStore | undefined;
  customer(): CustomerStorage | undefined;
}

/** The payment service of one node. */
export interface PaymentService {
  readonly definition: ServiceDefinition;
  runtime(): PaymentRuntime | undefined;
  /** Hooks for the supplier's storage handlers: metering and the credit limit. */
  readonly storageHooks: StorageHooks;
  /** For the supplier's customer-rejector: unpaid customers and the end of their contracts. */
  readonly rejector: { unpaid(): readonly Rejection[]; onReject(r: Rejection): void };
  /** Customer side: bytes `supplier` now holds for us, and shard bytes moved with it. */
  meterCustomer(supplier: string, bytes: number, transferred: number): void;
}

/** Runs `f`, dropping what it throws (metering must not fail the storage it observes). */
function quietly(f: () => void): void {
  try {
    f();
  } catch {
    // A bad figure is corrected at the next upkeep tick, which re-reads the accounts.
  }
}

/** Builds the payment service; see the module comment. */
export function paymentService(o: PaymentServiceOptions, deps: PaymentDeps): PaymentService {
  const periodMs = o.periodMs ?? DAY;
  const tickMs = o.tickMs ?? 60_000;
  const fairness = o.fairness ?? DEFAULT_FAIRNESS;
  const price = {
    pricePerGBHour: o.pricePerGBHour ?? DEFAULT_PRICE.pricePerGBHour,
    transferPricePerGB: o.transferPricePerGB ?? DEFAULT_PRICE.transferPricePerGB
  };
  let node: BitDustNode | undefined;
  let clock: Clock | undefined;
  let rt: PaymentRuntime | undefined;
  let sup: SupervisorActor | undefined;
  let billedTo = 0;
  let view: UpkeepView | undefined;
  /** Customer side: bytes each supplier holds for us (the meter is re-fed from it every tick). */
  const held = new Map<string, number>();
  const contracts = new Map<string, AnyActorRef>();

  const now = () => clock!.now();
  const boundary = (t: number) => Math.floor(t / periodMs) * periodMs;

  /** Starts `logic` under our supervisor (a plain actor on the node's clock before it runs). */
  const spawn = async (id: string, logic: Parameters<typeof createActor>[0], input: unknown) => {
    if (sup && sup.getSnapshot().status === 'active') {
      return startChild(sup, childSpec(id, logic, { input, restart: 'temporary' }));
    }
    return createActor(logic, { input, clock: clock! }).start();
  };

  const viewOf = (): UpkeepView => {
    const r = rt!;
    const s = r.ledger.state();
    const t = now();
    return {
      balance: s.balance.toString(),
      granted: s.granted.toString(),
      spendable: r.ledger.spendable().toString(),
      entries: s.seq,
      contracts: r.pay.contracts().length,
      customers: [...r.pay.supplier.debts.values()].map((d) => {
        const st = decideStanding(d, t, fairness);
        return {
          customer: d.customer,
          owed: d.owed.toString(),
          standing: st.standing,
          detail: st.detail
        };
      }),
      billedTo
    };
  };

  /** Customer side: a contract with every hired supplier, none with a fired one. */
  async function reconcile(pay: PaymentNode, c: CustomerStorage): Promise<void> {
    const seats = c.seats();
    const seated = new Set(seats.flatMap((s) => (s.supplierId ? [s.supplierId] : [])));
    const mine = pay.contracts().filter((k) => k.terms.customer === pay.id);
    for (const k of mine) {
      if (seated.has(k.terms.supplier)) continue;
      // Fired: the contract ends and nothing more is held there.
      pay.endContract(k.terms.id);
      contracts.get(k.terms.supplier)?.send({ type: 'contract.end' });
      held.delete(k.terms.supplier);
      pay.feed({
        type: 'meter.stored',
        role: 'customer',
        peer: k.terms.supplier,
        bytes: 0,
        at: now()
      });
    }
    const client = c.options.client;
    for (const s of seats) {
      const id = s.supplierId;
      // After a restart the customer's meter starts empty: learn what each supplier holds.
      if (id && s.status === 'hired' && client instanceof MeteredClient) {
        await client.seed(id).catch(() => undefined);
      }
      if (!id || s.status !== 'hired' || contracts.has(id)) continue;
      const had = mine.find((k) => k.terms.supplier === id);
      if (!had) await startContract(pay, id, c.options.neededBytes, 0, '');
      else if (had.terms.startMs + had.terms.termMs <= now()) {
        // Kept over a restart with no machine to renew it: its term is over, propose the next.
        await startContract(pay, id, had.terms.bytes, had.terms.seq + 1, had.terms.id);
      }
    }
    for (const [id, ref] of contracts) {
      if (ref.getSnapshot().value === 'expiring' && seated.has(id))
        ref.send({ type: 'contract.renew' });
    }
  }

  async function startContract(
    pay: PaymentNode,
    supplier: string,
    bytes: number,
    seq: number,
    prev: string
  ): Promise<void> {
    const startMs = Math.floor(now());
    const terms: ContractTerms = {
      v: 1,
      id: hashOf({ customer: pay.id, supplier, seq, startMs }).slice(0, 32),
      customer: pay.id,
      supplier,
      bytes: Math.max(1, bytes),
      startMs,
      termMs: o.termMs ?? 30 * DAY,
      ...price,
      seq,
      prev
    };
    const logic = contractMachine.provide({
      actors: { countersign: fromPromise(({ input }) => pay.propose(input.terms)) }
    });
    const input = {
      terms,
      noticeMs: o.noticeMs ?? DAY,
      retryMs: o.contractRetryMs ?? 60_000,
      maxAttempts: 5,
      answerMs: o.contractAnswerMs ?? 60_000
    };
    const ref = await spawn(`payment.contract.${supplier.slice(0, 12)}.${seq}`, logic, input);
    contracts.set(supplier, ref);
    const done = () => {
      if (contracts.get(supplier) === ref) contracts.delete(supplier);
      const out = ref.getSnapshot().output as { outcome?: string } | undefined;
      // Renewed: the next contract continues this one (seq + 1, prev = its id).
      if (out?.outcome === 'renewed' && rt?.pay === pay) {
        void startContract(pay, supplier, bytes, seq + 1, terms.id).catch(() => undefined);
      }
    };
    if (ref.getSnapshot().status !== 'active') done();
    else ref.subscribe({ complete: done, error: done });
  }

  /** One upkeep round (the `tick` actor of payment.upkeep). */
  async function tick(): Promise<UpkeepView> {
    const r = rt;
    if (!r) throw new BitDustError('ERR_PAYMENT_NO_SERVICE', 'the payment service is not open');
    const t = now();
    const s = deps.supplier();
    if (s) {
      for (const a of s.list()) {
        r.pay.feed({
          type: 'meter.stored',
          role: 'supplier',
          peer: a.customer,
          bytes: a.usedBytes,
          at: t
        });
      }
    }
    for (const [id, bytes] of held) {
      r.pay.feed({ type: 'meter.stored', role: 'customer', peer: id, bytes, at: t });
    }
    const c = deps.customer();
    if (c) await reconcile(r.pay, c);
    if (c?.ready()) r.pay.customer.resume();
    const b = boundary(t);
    if (b > billedTo) {
      await r.pay.supplier.invoiceAll(billedTo, b);
      billedTo = b;
    }
    await r.pay.supplier.saveMeter();
    await r.pay.customer.saveHistory();
    // Fork re-checks and republishing wait on the DHT: not awaited (one round at a time).
    void r.pay.supplier.spendUpkeep();
    await r.ledger.vest();
    view = viewOf();
    return view;
  }

  const upkeep = paymentUpkeepMachine.provide({
    actors: { tick: fromPromise(() => tick()) },
    actions: {
      announce: ({ self }) => {
        const parent = (self as { _parent?: AnyActorRef })._parent;
        sup = parent as SupervisorActor | undefined;
      }
    },
    // Ticks land on billing boundaries, so both parties meter a period up to the same instant.
    delays: {
      tick: () => {
        const t = clock?.now() ?? 0;
        return Math.max(1, Math.min(tickMs, boundary(t) + periodMs - t));
      }
    }
  });

  const definition: ServiceDefinition = {
    name: 'payment',
    dependsOn: ['network'],
    open: async () => {
      node = await deps.attached;
      clock = wholeMs(node.clock);
      const router = node.network()?.router;
      if (!router) throw new BitDustError('ERR_PAYMENT_NO_SERVICE', 'the network is not open');
      const keys = node.identity().keys;
      const store = node.store()!.sub('ledger');
      // Contracts (namespace `contracts`) and the supplier's bills (`bills`: invoices, totals,
      // debts, meter) outlive a restart.
      const kept = node.store()!.sub('contracts');
      const persist = (sc: SignedContract, ended: boolean) =>
        void (ended ? kept.remove(sc.terms.id) : kept.put(sc.terms.id, sc as never)).catch(
          () => undefined
        );
      const ledger = await openLedger({
        store,
        keys,
        clock,
        grant: o.grant ?? DEFAULT_GRANT
      });
      await ledger.vest();
      const pay = createPaymentNode({
        keys,
        ledger,
        clock,
        router,
        fairness,
        minPrice: price,
        onContract: persist,
        bills: node.store()!.sub('bills'),
        pending: node.store()!.sub('pending'),
        board: dhtBoard(node.network()!.dht, clock),
        ...(o.timing ? { timing: o.timing } : {}),
        ...(o.alterSpend ? { alterSpend: o.alterSpend } : {}),
        ...(o.alterUsage ? { alterUsage: o.alterUsage } : {}),
        // Exact at every billing boundary (the bucket divides the period); eight periods kept,
        // a day at least.
        history: { bucketMs: gcd(periodMs, 60_000), keepMs: Math.max(8 * periodMs, DAY) },
        ...(o.spendRecheckMs ? { recheckMs: o.spendRecheckMs } : {}),
        spawn
      });
      for (const { value } of await kept.range<SignedContract>()) {
        try {
          pay.addContract(value);
        } catch {
          await kept.remove(value.terms.id); // no longer valid: forget it
        }
      }
      await pay.supplier.restore();
      await pay.customer.restore();
      billedTo = boundary(clock.now());
      rt = {
        pay,
        ledger,
        store,
        fairness,
        view: () => view ?? viewOf(),
        tick,
        audit: () => auditChain(store, { expectedOwner: pay.id })
      };
      view = viewOf();
    },
    run: {
      logic: supervisorLogic,
      input: {
        name: 'payment',
        strategy: 'one_for_one',
        children: [
          childSpec('payment.upkeep', upkeep, { input: { tickMs }, systemId: 'payment.upkeep' })
        ]
      }
    },
    close: async () => {
      rt?.pay.stop();
      await rt?.ledger.idle();
      rt = undefined;
      sup = undefined;
      contracts.clear();
    }
  };

  const storageHooks: StorageHooks = {
    admit: (customer) => {
      const d = rt?.pay.supplier.debts.get(customer);
      if (!rt || !d) return undefined;
      const st = decideStanding(d, now(), fairness);
      return st.standing === 'good'
        ? undefined
        : `unpaid: ${st.detail} (credit limit ${fairness.creditLimit} µc); pay to store more`;
    },
    // Metering never fails a storage request: the data is already durable when these run, and
    // the next upkeep tick re-reads every account anyway.
    stored: (customer) =>
      quietly(() => {
        const a = deps.supplier()?.account(customer);
        rt?.pay.feed({
          type: 'meter.stored',
          role: 'supplier',
          peer: customer,
          bytes: a?.usedBytes ?? 0,
          at: now()
        });
      }),
    transferred: (customer, bytes) =>
      quietly(() =>
        rt?.pay.feed({ type: 'meter.transferred', role: 'supplier', peer: customer, bytes })
      )
  };

  return {
    definition,
    runtime: () => rt,
    storageHooks,
    rejector: {
      // Dropped for debt, or for cause after a dispute (reason `disputed`): the same path.
      unpaid: () =>
        rt
          ? [
              ...unpaidRejections([...rt.pay.supplier.debts.values()], now(), fairness),
              ...rt.pay.supplier.forCause()
            ]
          : [],
      onReject: (r) => {
        const pay = rt?.pay;
        if (!pay) return;
        for (const k of pay.contracts()) {
          if (k.terms.customer === r.customer && k.terms.supplier === pay.id)
            pay.endContract(k.terms.id);
        }
        pay.feed({ type: 'meter.stored', role: 'supplier', peer: r.customer, bytes: 0, at: now() });
      }
    },
    meterCustomer: (supplier, bytes, transferred) =>
      quietly(() => {
        held.set(supplier, bytes);
        if (!rt) return;
        rt.pay.feed({ type: 'meter.stored', role: 'customer', peer: supplier, bytes, at: now() });
        if (transferred > 0) {
          rt.pay.feed({
            type: 'meter.transferred',
            role: 'customer',
            peer: supplier,
            bytes: transferred
          });
        }
      })
  };
}
