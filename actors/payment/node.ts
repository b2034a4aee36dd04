/**
 * One node's payment service: the supplier and customer halves on the router (service `payment`),
 * the meter storage feeds, and the contracts. What storage must call: {@link PaymentNode.feed}
 * with every change of bytes held per counterparty and every transfer (docs/payment.md).
 */
import { BitDustError } from '../errors.js';
import type { IdentityKeys } from '../identity/keys.js';
import { handleService, type Router } from '../router/index.js';
import type { Clock } from '../clock.js';
import type { KvStore } from '../store/index.js';
import { signValue, verifyValue, type Ledger } from '../ledger/index.js';
import { DEFAULT_FAIRNESS, type FairnessPolicy } from '../../machines/payment/fairness.js';
import { meterApply, meterKey, usageAt, type MeterEvent } from '../../machines/payment/meter.js';
import { prune, record } from '../../machines/payment/history.js';
import type { ContractTerms, SignedContract } from '../../machines/payment/records.js';
import { checkDate, checkTerms } from '../../machines/payment/validate.js';
import {
  DEFAULT_HISTORY,
  DEFAULT_TIMING,
  must,
  requestPayment,
  windowOf,
  type HistoryPolicy,
  type PaymentCtx,
  type PaymentTiming
} from './context.js';
import { createCustomer } from './customer.js';
import { createSupplier } from './supplier.js';
import { decodePayment, PAYMENT_SERVICE, type ContractProposal } from './wire.js';

/** Options of {@link createPaymentNode}. */
export interface PaymentNodeOptions {
  keys: IdentityKeys;
  ledger: Ledger;
  clock: Clock;
  router: Router;
  fairness?: FairnessPolicy;
  timing?: Partial<PaymentTiming>;
  /** How meter histories are kept, ours as customer and as supplier (DEFAULT_HISTORY). */
  history?: Partial<HistoryPolicy>;
  /** Called when one of our payment machines ends (settled, disputed, defaulted, failed). */
  onOutcome?: (invoiceId: string, outcome: string) => void;
  /** Where payees publish accepted payments (see PaymentCtx.board). */
  board?: PaymentCtx['board'];
  /** See PaymentCtx.recheckMs. */
  recheckMs?: number;
  /** Tests only (see PaymentCtx.alterUsage). */
  alterUsage?: PaymentCtx['alterUsage'];
  /** Tests only (see PaymentCtx.alterSpend). */
  alterSpend?: PaymentCtx['alterSpend'];
  /** Starts machines under the node's supervisor (see PaymentCtx.spawn). */
  spawn?: PaymentCtx['spawn'];
  /** Told of every contract kept (`ended` false) or ended (true), e.g. to persist them. */
  onContract?: (sc: SignedContract, ended: boolean) => void;
  /** Lowest prices we accept in a contract proposed to us as a supplier (default 0). */
  minPrice?: { pricePerGBHour: number; transferPricePerGB: number };
  /** Where the supplier keeps its invoices, totals, debts and meter (restore with supplier.restore). */
  bills?: KvStore;
  /** Where the customer keeps invoices accepted and not yet settled (customer.restore). */
  pending?: KvStore;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const NOTE = /^contract ([0-9a-f]{64}) ([0-9a-f]{128})$/;
const noteOf = (sc: SignedContract) => `contract ${hex(sc.supplierKey)} ${hex(sc.supplierSig)}`;

/** Both parties sign the same terms; either signature failing is refused. */
export function cosignContract(
  customer: IdentityKeys,
  supplier: IdentityKeys,
  terms: ContractTerms
): SignedContract {
  must(checkTerms(terms));
  return {
    terms,
    customerKey: customer.identityPublic,
    supplierKey: supplier.identityPublic,
    customerSig: signValue(customer, 'contract', terms),
    supplierSig: signValue(supplier, 'contract', terms)
  };
}

/** Whether both signatures of `sc` are good. */
export function verifyContract(sc: SignedContract): boolean {
  const t = sc.terms;
  return (
    checkTerms(t).ok &&
    verifyValue(t.customer, sc.customerKey, 'contract', t, sc.customerSig) &&
    verifyValue(t.supplier, sc.supplierKey, 'contract', t, sc.supplierSig)
  );
}

/** Creates the payment service of one node and registers it on the router. */
export function createPaymentNode(o: PaymentNodeOptions) {
  const c: PaymentCtx = {
    id: o.ledger.owner,
    keys: o.keys,
    ledger: o.ledger,
    clock: o.clock,
    router: o.router,
    fairness: o.fairness ?? DEFAULT_FAIRNESS,
    timing: { ...DEFAULT_TIMING, ...o.timing },
    meter: { state: new Map() },
    history: new Map(),
    served: new Map(),
    pastUnknown: new Set(),
    historyPolicy: { ...DEFAULT_HISTORY, ...o.history },
    contracts: new Map(),
    maxAgeMs: 35 * 86_400_000,
    maxSkewMs: 600_000,
    ...(o.spawn ? { spawn: o.spawn } : {}),
    ...(o.board ? { board: o.board } : {}),
    ...(o.recheckMs ? { recheckMs: o.recheckMs } : {}),
    ...(o.alterSpend ? { alterSpend: o.alterSpend } : {}),
    ...(o.alterUsage ? { alterUsage: o.alterUsage } : {})
  };
  const addContract = (sc: SignedContract) => {
    if (!verifyContract(sc)) throw new BitDustError('ERR_PAYMENT_SIGNATURE', 'bad contract');
    if (sc.terms.customer !== c.id && sc.terms.supplier !== c.id) {
      throw new BitDustError('ERR_PAYMENT_MISMATCH', 'not a party');
    }
    // One contract per (customer, supplier): a renewal, or a customer that restarted and proposed
    // afresh, replaces the one before.
    for (const old of [...c.contracts.values()]) {
      const t = old.terms;
      if (t.id === sc.terms.id) continue;
      if (t.customer === sc.terms.customer && t.supplier === sc.terms.supplier) {
        c.contracts.delete(t.id);
        o.onContract?.(old, true);
      }
    }
    c.contracts.set(sc.terms.id, sc);
    o.onContract?.(sc, false);
  };

  /** Supplier side: checks a proposal, countersigns it and keeps the contract. */
  function onPropose(from: string, p: ContractProposal): string {
    const t = p.terms;
    must(checkTerms(t));
    if (t.supplier !== c.id || t.customer !== from) {
      throw new BitDustError('ERR_PAYMENT_MISMATCH', 'the proposal names other parties');
    }
    if (!verifyValue(from, p.customerKey, 'contract', t, p.customerSig)) {
      throw new BitDustError('ERR_PAYMENT_SIGNATURE', 'the proposal is not signed by its customer');
    }
    must(checkDate(t.startMs, windowOf(c), 'contract start'));
    const floor = o.minPrice ?? { pricePerGBHour: 0, transferPricePerGB: 0 };
    if (
      t.pricePerGBHour < floor.pricePerGBHour ||
      t.transferPricePerGB < floor.transferPricePerGB
    ) {
      throw new BitDustError(
        'ERR_PAYMENT_AMOUNT',
        `price below ours (${floor.pricePerGBHour} µc/GB-hour, ${floor.transferPricePerGB} µc/GB)`
      );
    }
    const known = c.contracts.get(t.id);
    if (known) return noteOf(known); // a retried proposal gets the same answer
    const sc: SignedContract = {
      terms: t,
      customerKey: p.customerKey,
      customerSig: p.customerSig,
      supplierKey: c.keys.identityPublic,
      supplierSig: signValue(c.keys, 'contract', t)
    };
    addContract(sc);
    return noteOf(sc);
  }

  /** Customer side: proposes `terms` to their supplier; resolves with the contract both signed. */
  async function propose(terms: ContractTerms): Promise<SignedContract> {
    must(checkTerms(terms));
    const customerSig = signValue(c.keys, 'contract', terms);
    const body = { terms, customerKey: c.keys.identityPublic, customerSig };
    const note = await requestPayment(c, terms.supplier, { kind: 'propose', body });
    const m = NOTE.exec(note ?? '');
    if (!m) throw new BitDustError('ERR_PAYMENT_MALFORMED', 'no countersignature in the answer');
    // The key must hash to the supplier's id and the signature must hold: addContract checks both.
    const sc: SignedContract = {
      terms,
      customerKey: c.keys.identityPublic,
      customerSig,
      supplierKey: Uint8Array.from(Buffer.from(m[1]!, 'hex')),
      supplierSig: Uint8Array.from(Buffer.from(m[2]!, 'hex'))
    };
    addContract(sc);
    return sc;
  }
  const supplier = createSupplier(c, o.bills);
  const customer = createCustomer(c, o.onOutcome ?? (() => undefined), o.pending);
  const off = handleService(o.router, PAYMENT_SERVICE, {
    request: async (env) => {
      const m = decodePayment(env.body.payload);
      const from = env.from;
      if (m.kind === 'propose')
        return { type: 'cmd.ack', body: { v: 1, note: onPropose(from, m.body) } };
      // Durable on our side before the ack: the supplier then need not send it again.
      if (m.kind === 'invoice') await customer.onInvoice(from, m.body);
      else if (m.kind === 'receipt') customer.onReceipt(from, m.body);
      else if (m.kind === 'payment') await supplier.onPayment(from, m.body);
      else if (m.kind === 'dispute') await supplier.onDispute(from, m.body);
      else {
        await supplier.onAccept(from, m.body);
        customer.addDonation(m.body);
      }
      return { type: 'cmd.ack', body: { v: 1 } };
    }
  });
  return {
    id: c.id,
    ledger: o.ledger,
    supplier,
    customer,
    /** Feeds one metering event from storage. */
    feed(e: MeterEvent) {
      const k = meterKey(e.role, e.peer);
      const fresh = !c.meter.state.has(k);
      c.meter.state = meterApply(c.meter.state, e);
      if (e.type !== 'meter.stored') return;
      // Every change of what a counterparty holds goes into its history: the customer checks
      // invoices against it however late they arrive, the supplier bills each period up to its
      // exact end however late its tick runs. A series begins at its origin (nothing held
      // before) only with a fresh meter and no past lost to a restart.
      const u = c.meter.state.get(k)!;
      const book = e.role === 'customer' ? c.history : c.served;
      const origin = fresh && !c.pastUnknown.has(e.peer);
      const { bucketMs, keepMs } = c.historyPolicy;
      const h = record(book.get(e.peer) ?? [], u.since, u.bytes, u.byteMs, bucketMs, origin);
      book.set(e.peer, prune(h, u.since - keepMs));
    },
    /** Adds a contract both parties signed (refused when a signature is bad or we are no party). */
    addContract,
    /** Proposes terms to their supplier over the router; the contract both signed. */
    propose,
    /** Our usage with `peer` in `role`, integrated up to now. */
    usage: (role: 'supplier' | 'customer', peer: string) =>
      usageAt(c.meter.state, role, peer, c.clock.now()),
    endContract: (id: string) => {
      const sc = c.contracts.get(id);
      if (!sc) return;
      c.contracts.delete(id);
      o.onContract?.(sc, true);
    },
    contracts: () => [...c.contracts.values()],
    /** Leaves the router and cancels the customer's retry timers. */
    stop: () => {
      off();
      customer.stop();
    }
  };
}

/** One node's payment service. */
export type PaymentNode = ReturnType<typeof createPaymentNode>;
