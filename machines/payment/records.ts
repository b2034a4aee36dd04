/**
 * The signed statements of the payment protocol, as plain data. Each is signed by its author over
 * its canonical encoding (actors/ledger/canonical.ts) and carries the author's public key, which
 * must hash to the author's node id: statements are self-certifying and can be checked offline.
 *
 * Flow: contract (both sign) → invoice (supplier) → accept or dispute (customer) → payment (payer)
 * → receipt (payee countersigns). An accept is also the supplier's proof of donated storage.
 */

/** Terms both parties sign. Renewal is a new contract with `seq + 1` and `prev`. */
export interface ContractTerms {
  v: 1;
  id: string;
  customer: string;
  supplier: string;
  /** Bytes the supplier reserves for the customer. */
  bytes: number;
  startMs: number;
  termMs: number;
  /** µc per GB-hour stored. */
  pricePerGBHour: number;
  /** µc per GB transferred. */
  transferPricePerGB: number;
  seq: number;
  prev: string;
}

/** A contract with both signatures. */
export interface SignedContract {
  terms: ContractTerms;
  customerKey: Uint8Array;
  supplierKey: Uint8Array;
  customerSig: Uint8Array;
  supplierSig: Uint8Array;
}

/** A supplier's bill for one period of one contract. */
export interface Invoice {
  v: 1;
  /** Derived from (supplier, customer, contract, period): a re-sent invoice has the same id. */
  id: string;
  contractId: string;
  supplier: string;
  customer: string;
  periodStart: number;
  periodEnd: number;
  /** Byte-milliseconds stored in the period (decimal string, may exceed 2^53). */
  storedByteMs: string;
  transferBytes: number;
  /** µc owed before the fairness rule. */
  amount: number;
  issuedAt: number;
}

/** An invoice signed by its supplier. */
export interface SignedInvoice {
  invoice: Invoice;
  supplierKey: Uint8Array;
  sig: Uint8Array;
}

/** The customer's acknowledgement of an invoice's usage: the supplier's donation receipt. */
export interface Accept {
  v: 1;
  invoiceId: string;
  invoiceHash: string;
  supplier: string;
  customer: string;
  periodEnd: number;
  storedByteMs: string;
  ts: number;
}

/** An accept signed by the customer. */
export interface SignedAccept {
  accept: Accept;
  customerKey: Uint8Array;
  sig: Uint8Array;
}

/** A transfer of credits for one invoice, or its waiver under the fairness rule (amount 0). */
export interface Payment {
  v: 1;
  /** Derived from (invoice, payer): every retry of one payment has the same id. */
  id: string;
  invoiceId: string;
  payer: string;
  payee: string;
  amount: number;
  waived: boolean;
  /** The payer's own consumption in the fairness window, claimed for a waiver. */
  consumedByteMs: string;
  ts: number;
  /**
   * The payer's spend position: the n-th payment it signed, and the sum of every amount it signed
   * up to and including this one (decimal string). Payees refuse a payment without it.
   */
  spend?: { n: number; total: string };
}

/** A payment signed by the payer, with its waiver evidence (the payer's donation receipts). */
export interface SignedPayment {
  payment: Payment;
  payerKey: Uint8Array;
  payerSig: Uint8Array;
  evidence: SignedAccept[];
}

/** The payee's countersignature over the payment's hash. */
/**
 * A customer's dispute of one invoice, signed by the customer: why its check failed and its own
 * figure for the period (the byte-ms its meter history saw), which the supplier may re-bill at.
 */
export interface Dispute {
  v: 1;
  invoiceId: string;
  /** Hash of the disputed invoice body: the dispute names exactly one invoice. */
  invoiceHash: string;
  supplier: string;
  customer: string;
  code: string;
  reason: string;
  /** Byte-ms over the invoice's period by the customer's meter (decimal string). */
  storedByteMs: string;
  ts: number;
}

/** A dispute with the customer's signature. */
export interface SignedDispute {
  dispute: Dispute;
  customerKey: Uint8Array;
  sig: Uint8Array;
}

export interface Receipt {
  paymentId: string;
  paymentHash: string;
  payeeKey: Uint8Array;
  payeeSig: Uint8Array;
}

/** A payment both parties signed: what both ledgers record. */
export interface SettledPayment {
  payment: Payment;
  payerKey: Uint8Array;
  payerSig: Uint8Array;
  payeeKey: Uint8Array;
  payeeSig: Uint8Array;
}
