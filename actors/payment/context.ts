/**
 * What both halves of a node's payment service share: keys, ledger, clock, router, policies, the
 * meter and the contracts. Kept in one object so the supplier and customer halves stay small.
 */
import type { AnyActorLogic, AnyActorRef } from 'xstate';
import { BitDustError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { IdentityKeys } from '../identity/keys.js';
import type { Ledger } from '../ledger/index.js';
import type { Router } from '../router/index.js';
import type { FairnessPolicy } from '../../machines/payment/fairness.js';
import type { MeterState } from '../../machines/payment/meter.js';
import type { Series } from '../../machines/payment/history.js';
import type { SignedContract } from '../../machines/payment/records.js';
import type { DateWindow } from '../../machines/payment/validate.js';
import type { Spend, SpendBoard } from './spend.js';
import { encodePayment, PAYMENT_SERVICE, type PaymentMessage } from './wire.js';

/** Timing of the customer's payment machines (defaults in {@link DEFAULT_TIMING}). */
export interface PaymentTiming {
  payDelayMs: number;
  receiptTimeoutMs: number;
  retryMs: number;
  maxAttempts: number;
  deadlineMs: number;
}

/** Pay 10 minutes after accepting; retry every 15 minutes; give up on funds after 30 days. */
export const DEFAULT_TIMING: PaymentTiming = {
  payDelayMs: 600_000,
  receiptTimeoutMs: 120_000,
  retryMs: 900_000,
  maxAttempts: 5,
  deadlineMs: 30 * 86_400_000
};

/**
 * How the customer keeps its meter history. `bucketMs`: changes within one bucket keep only the
 * last sample (figures stay exact at multiples of it, so it should divide the billing period).
 * `keepMs`: samples older than this are pruned; an invoice for a period that began before it is
 * checked against bounds. `eventSkewMs`: how far apart the two parties may time one change (a
 * storage round trip and clock skew); each change in the period widens the tolerance by
 * |Δbytes| × this.
 */
export interface HistoryPolicy {
  bucketMs: number;
  keepMs: number;
  eventSkewMs: number;
}

/** A minute's resolution, eight days kept, changes timed up to 10 s apart. */
export const DEFAULT_HISTORY: HistoryPolicy = {
  bucketMs: 60_000,
  keepMs: 8 * 86_400_000,
  eventSkewMs: 10_000
};

/** The shared state of one node's payment service. */
export interface PaymentCtx {
  id: string;
  keys: IdentityKeys;
  ledger: Ledger;
  clock: Clock;
  router: Router;
  fairness: FairnessPolicy;
  timing: PaymentTiming;
  meter: { state: MeterState };
  /** Customer side: what each supplier held for us over time (machines/payment/history.ts). */
  history: Map<string, Series>;
  /** Supplier side: the same for what we hold for each customer (in memory only). */
  served: Map<string, Series>;
  /** Customer side: suppliers that held data for us before a restart that left no history. */
  pastUnknown: Set<string>;
  /** The history's resolution and horizon; see {@link HistoryPolicy}. */
  historyPolicy: HistoryPolicy;
  contracts: Map<string, SignedContract>;
  /** Statements older than this or further ahead than the skew are refused. */
  maxAgeMs: number;
  maxSkewMs: number;
  /**
   * Tests only: alters the byte-ms we bill `customer` for a period (a supplier running altered
   * code, or one whose meter is off); the amount follows, the cumulative totals do not.
   */
  alterUsage?: (byteMs: bigint, customer: string) => bigint;
  /** Tests only: alters each spend position we sign (a payer running altered code). */
  alterSpend?: (s: Spend, payee: string, amount: number) => Spend;
  /** Where payees publish accepted payments by spend position (the DHT layer `spends`). */
  board?: SpendBoard;
  /** How often the upkeep re-checks a payer we accepted from lately (default 10 minutes). */
  recheckMs?: number;
  /** Starts a machine under the node's payment supervisor (absent: plain actors, as in the sim). */
  spawn?: (id: string, logic: AnyActorLogic, input: unknown) => Promise<AnyActorRef>;
}

/** The date window at the node's now. */
export const windowOf = (c: PaymentCtx): DateWindow => ({
  now: c.clock.now(),
  maxAgeMs: c.maxAgeMs,
  maxSkewMs: c.maxSkewMs
});

/** Sends `m` to `to`; a `cmd.fail` reply becomes a BitDustError with the peer's code. */
export async function sendPayment(c: PaymentCtx, to: string, m: PaymentMessage): Promise<void> {
  await requestPayment(c, to, m);
}

/** Sends `m` to `to` and returns the ack's note (`cmd.fail` throws as in {@link sendPayment}). */
export async function requestPayment(
  c: PaymentCtx,
  to: string,
  m: PaymentMessage
): Promise<string | undefined> {
  const body = { v: 1 as const, service: PAYMENT_SERVICE, payload: encodePayment(m) };
  const reply = await c.router.request(to, 'cmd.request-service', body);
  if (reply.type === 'cmd.fail') throw new BitDustError(reply.body.code, reply.body.reason);
  return (reply.body as { note?: string }).note;
}

/** Throws the verdict's code when it is a refusal. */
export function must(v: { ok: true } | { ok: false; code: string; reason: string }): void {
  if (!v.ok) throw new BitDustError(v.code, v.reason);
}
