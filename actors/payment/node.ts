/**
 * One node's payment service: the supplier and customer halves on the router (service `payment`),
 * the meter storage feeds, and the contracts. What storage must call: {@link PaymentNode.feed}
 * with every change of bytes held per counterparty and every transfer (docs/payment.md).
 */
import { BitDustError } from '../errors.js';
import type { IdentityKeys } from '../identity/keys.js';
import { handleService, type Router } from '../router/index.js';
import type { Clock } from '../clock.js';
import { signValue, verifyValue, type Ledger } from '../ledger/index.js';
import { DEFAULT_FAIRNESS, type FairnessPolicy } from '../../machines/payment/fairness.js';
import { meterApply, type MeterEvent } from '../../machines/payment/meter.js';
import type { ContractTerms, SignedContract } from '../../machines/payment/records.js';
import { checkTerms } from '../../machines/payment/validate.js';
import { DEFAULT_TIMING, must, type PaymentCtx, type PaymentTiming } from './context.js';
import { createCustomer } from './customer.js';
import { createSupplier } from './supplier.js';
import { decodePayment, PAYMENT_SERVICE } from './wire.js';

/** Options of {@link createPaymentNode}. */
export interface PaymentNodeOptions {
  keys: IdentityKeys;
  ledger: Ledger;
  clock: Clock;
  router: Router;
  fairness?: FairnessPolicy;
  timing?: Partial<PaymentTiming>;
  /** Called when one of our payment machines ends (settled, disputed, defaulted, failed). */
  onOutcome?: (invoiceId: string, outcome: string) => void;
}

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
    contracts: new Map(),
    maxAgeMs: 35 * 86_400_000,
    maxSkewMs: 600_000
  };
  const supplier = createSupplier(c);
  const customer = createCustomer(c, o.onOutcome ?? (() => undefined));
  const off = handleService(o.router, PAYMENT_SERVICE, {
    request: async (env) => {
      const m = decodePayment(env.body.payload);
      const from = env.from;
      if (m.kind === 'invoice') customer.onInvoice(from, m.body);
      else if (m.kind === 'receipt') customer.onReceipt(from, m.body);
      else if (m.kind === 'payment') await supplier.onPayment(from, m.body);
      else if (m.kind === 'dispute') supplier.onDispute(from, String(m.body.invoiceId));
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
      c.meter.state = meterApply(c.meter.state, e);
    },
    /** Adds a contract both parties signed (refused when a signature is bad or we are no party). */
    addContract(sc: SignedContract) {
      if (!verifyContract(sc)) throw new BitDustError('ERR_PAYMENT_SIGNATURE', 'bad contract');
      if (sc.terms.customer !== c.id && sc.terms.supplier !== c.id) {
        throw new BitDustError('ERR_PAYMENT_MISMATCH', 'not a party');
      }
      c.contracts.set(sc.terms.id, sc);
    },
    endContract: (id: string) => void c.contracts.delete(id),
    contracts: () => [...c.contracts.values()],
    stop: off
  };
}

/** One node's payment service. */
export type PaymentNode = ReturnType<typeof createPaymentNode>;
