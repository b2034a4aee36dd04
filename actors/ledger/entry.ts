/**
 * Ledger entries and the one rule that applies them, shared by appends and the audit so that what
 * was accepted is exactly what re-verifies. Each entry is signed by the ledger's owner and linked
 * to its predecessor by hash: editing any byte of any entry breaks its own hash or signature, and
 * re-signing it breaks every later `prev`.
 */
import type { SettledPayment, SignedAccept } from '../../machines/payment/records.js';
import { BYTE_MS_PER_GB_HOUR, big } from '../../machines/payment/units.js';
import type { DateWindow, Verdict } from '../../machines/payment/validate.js';
import { hashOf, verifyValue } from './canonical.js';
import { verifyAccept, verifySettled } from './verify.js';

/** The start grant: a little at once, the rest only as donated storage is acknowledged. */
export interface GrantPolicy {
  /** µc credited on creation (lets a new node start as a customer). */
  startMicro: number;
  /** Most µc one identity can ever be granted. */
  capMicro: number;
  /** µc vested per GB-hour of storage donated, as acknowledged by customers' accepts. */
  vestMicroPerGBHour: number;
  /**
   * Most byte-ms of one customer's accepts that count towards vesting (a decimal string; absent:
   * no per-customer cap). Identities that acknowledge each other's storage then gain little each.
   */
  counterpartyCapByteMs?: string;
}

/** How far a recorded statement's date may be from its entry's. */
export interface DateLimits {
  maxAgeMs: number;
  maxSkewMs: number;
}

/** Statements up to 30 days old, at most 10 minutes ahead. */
export const DEFAULT_LIMITS: DateLimits = { maxAgeMs: 30 * 86_400_000, maxSkewMs: 600_000 };

/** What an entry records. */
export type EntryBody =
  | { kind: 'grant'; id: string; amount: number; basis: 'start' | 'vest'; provenByteMs: string }
  | { kind: 'transfer'; settled: SettledPayment }
  | { kind: 'usage'; signed: SignedAccept };

/** One stored entry. `hash` covers every other field. */
export interface LedgerEntry {
  seq: number;
  prev: string;
  ts: number;
  owner: string;
  body: EntryBody;
  sig: Uint8Array;
  hash: string;
}

/** The running totals an entry sequence produces. */
export interface LedgerState {
  seq: number;
  head: string;
  balance: bigint;
  granted: bigint;
  /** Byte-ms of donation acknowledged by others (accepts where the owner is the supplier). */
  donatedByteMs: bigint;
  consumedByteMs: bigint;
  /** Donation that counts towards vesting: each customer's part capped by the policy. */
  vestableByteMs: bigint;
  /** Donation acknowledged per customer. */
  donatedBy: Map<string, bigint>;
  ids: Set<string>;
}

/** The hash of the empty chain. */
export const GENESIS = '0'.repeat(64);

/** A fresh state. */
export const emptyState = (): LedgerState => ({
  seq: 0,
  head: GENESIS,
  balance: 0n,
  granted: 0n,
  donatedByteMs: 0n,
  consumedByteMs: 0n,
  vestableByteMs: 0n,
  donatedBy: new Map(),
  ids: new Set()
});

/** `x` capped at the policy's per-customer cap (uncapped without one). */
const capped = (policy: GrantPolicy, x: bigint): bigint => {
  if (policy.counterpartyCapByteMs === undefined) return x;
  const cap = BigInt(policy.counterpartyCapByteMs);
  return x < cap ? x : cap;
};

/** The part of an entry its owner signs. */
export const signedPart = (e: Omit<LedgerEntry, 'sig' | 'hash'>) => ({
  seq: e.seq,
  prev: e.prev,
  ts: e.ts,
  owner: e.owner,
  body: e.body
});

/** The hash of an entry (everything but the hash itself). */
export const entryHash = (e: Omit<LedgerEntry, 'hash'>): string =>
  hashOf({ ...signedPart(e), sig: e.sig });

/**
 * The most µc `policy` allows after `vestableByteMs` of acknowledged donation (each customer's
 * part already capped: {@link LedgerState.vestableByteMs}).
 */
export function grantAllowed(policy: GrantPolicy, vestableByteMs: bigint): bigint {
  const vested = (vestableByteMs * BigInt(policy.vestMicroPerGBHour)) / BYTE_MS_PER_GB_HOUR;
  const total = BigInt(policy.startMicro) + vested;
  return total < BigInt(policy.capMicro) ? total : BigInt(policy.capMicro);
}

/** The id an entry body is deduplicated by. */
export function bodyId(b: EntryBody): string {
  if (b.kind === 'grant') return `grant:${b.id}`;
  if (b.kind === 'transfer') return `pay:${b.settled.payment.id}`;
  return `use:${b.signed.accept.invoiceId}`;
}

const bad = (code: string, reason: string) => ({ ok: false as const, code, reason });
type Applied = { ok: true; state: LedgerState } | { ok: false; code: string; reason: string };

/**
 * Applies `e` to `s`: link, signature, body, no replay, no overdraft, grant within policy. Returns
 * the new state or why `e` is refused; `s` itself is never modified.
 */
export function applyEntry(
  s: LedgerState,
  e: LedgerEntry,
  ownerKey: Uint8Array,
  policy: GrantPolicy,
  limits: DateLimits
): Applied {
  // Statements are dated relative to the entry recording them, so the audit can run any time later.
  const w: DateWindow = { now: e.ts, ...limits };
  if (e.seq !== s.seq + 1) return bad('ERR_LEDGER_SEQ', `seq ${e.seq} after ${s.seq}`);
  if (e.prev !== s.head) return bad('ERR_LEDGER_LINK', `entry ${e.seq} does not link to ${s.seq}`);
  if (!verifyValue(e.owner, ownerKey, 'entry', signedPart(e), e.sig)) {
    return bad('ERR_LEDGER_SIGNATURE', `entry ${e.seq} is not signed by ${e.owner}`);
  }
  if (entryHash(e) !== e.hash) return bad('ERR_LEDGER_HASH', `entry ${e.seq} hash mismatch`);
  const id = bodyId(e.body);
  if (s.ids.has(id)) return bad('ERR_LEDGER_REPLAY', `${id} already recorded`);
  const n: LedgerState = { ...s, seq: e.seq, head: e.hash, ids: new Set(s.ids).add(id) };
  const b = e.body;
  if (b.kind === 'grant') {
    if (!Number.isSafeInteger(b.amount) || b.amount <= 0) return bad('ERR_LEDGER_AMOUNT', 'grant');
    n.granted += BigInt(b.amount);
    n.balance += BigInt(b.amount);
    if (n.granted > grantAllowed(policy, s.vestableByteMs)) {
      return bad('ERR_LEDGER_GRANT', `grant ${b.id} exceeds what donation vested`);
    }
  } else if (b.kind === 'usage') {
    const v: Verdict = verifyAccept(b.signed, w);
    if (!v.ok) return bad(v.code, v.reason);
    const a = b.signed.accept;
    if (a.supplier === e.owner) {
      const x = big(a.storedByteMs);
      const before = s.donatedBy.get(a.customer) ?? 0n;
      n.donatedBy = new Map(s.donatedBy).set(a.customer, before + x);
      n.donatedByteMs += x;
      n.vestableByteMs += capped(policy, before + x) - capped(policy, before);
    } else if (a.customer === e.owner) n.consumedByteMs += big(a.storedByteMs);
    else return bad('ERR_LEDGER_PARTY', `usage ${a.invoiceId} is not ours`);
  } else {
    const v: Verdict = verifySettled(b.settled, w);
    if (!v.ok) return bad(v.code, v.reason);
    const p = b.settled.payment;
    const amount = BigInt(p.amount);
    if (p.payee === e.owner) n.balance += amount;
    else if (p.payer === e.owner) n.balance -= amount;
    else return bad('ERR_LEDGER_PARTY', `payment ${p.id} is not ours`);
    if (n.balance < 0n) return bad('ERR_LEDGER_OVERDRAFT', `payment ${p.id} overdraws`);
  }
  return { ok: true, state: n };
}
