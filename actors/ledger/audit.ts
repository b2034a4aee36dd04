/**
 * The chain audit and the summary, for `bitdust ledger`, the API and the inspector. The audit
 * re-verifies every entry from the first (hash, link, owner signature, the statement's own
 * signatures, replays, overdrafts, grants against acknowledged donation) with the same rule the
 * appends used, and stops at the first bad entry: everything after it is unproven.
 */
import type { KvStore } from '../store/index.js';
import { nodeIdFromKey } from '../identity/keys.js';
import {
  applyEntry,
  DEFAULT_LIMITS,
  emptyState,
  type DateLimits,
  type GrantPolicy,
  type LedgerEntry
} from './entry.js';
import { entryKey } from './ledger.js';

/** The audit's verdict. */
export interface AuditReport {
  ok: boolean;
  owner: string | undefined;
  /** Entries verified before the first bad one (all of them when ok). */
  verified: number;
  /** The first bad entry, when any. */
  firstBad?: { seq: number; code: string; reason: string };
  balance: string;
  granted: string;
  head: string;
}

interface Meta {
  owner: string;
  ownerKey: Uint8Array;
  grant: GrantPolicy;
  limits?: DateLimits;
}

/**
 * Re-verifies the ledger in `store`. `expectedOwner` pins the owner (the store's `meta` could have
 * been swapped along with the entries); the grant policy comes from `meta` unless given.
 */
export async function auditChain(
  store: KvStore,
  opts: { expectedOwner?: string; grant?: GrantPolicy } = {}
): Promise<AuditReport> {
  let s = emptyState();
  const meta = await store.get<Meta>('meta');
  const report = (firstBad?: AuditReport['firstBad']): AuditReport => ({
    ok: firstBad === undefined,
    owner: meta?.owner,
    verified: s.seq,
    ...(firstBad ? { firstBad } : {}),
    balance: s.balance.toString(),
    granted: s.granted.toString(),
    head: s.head
  });
  const entries = await store.range<LedgerEntry>({ prefix: 'e/' });
  if (!meta)
    return report(
      entries.length ? { seq: 1, code: 'ERR_LEDGER_META', reason: 'no meta' } : undefined
    );
  const owner = opts.expectedOwner ?? meta.owner;
  if (meta.owner !== owner || nodeIdFromKey(meta.ownerKey) !== owner) {
    return report({ seq: 0, code: 'ERR_LEDGER_OWNER', reason: 'meta does not match the owner' });
  }
  for (const { key, value } of entries) {
    const seq = s.seq + 1;
    if (key !== entryKey(seq) || typeof value !== 'object' || value === null) {
      return report({
        seq,
        code: 'ERR_LEDGER_SEQ',
        reason: `expected ${entryKey(seq)}, found ${key}`
      });
    }
    let r: ReturnType<typeof applyEntry>;
    try {
      r = applyEntry(
        s,
        value,
        meta.ownerKey,
        opts.grant ?? meta.grant,
        meta.limits ?? DEFAULT_LIMITS
      );
    } catch (e) {
      // An edit can leave a value of the wrong shape; that is a bad entry, not a crash.
      r = { ok: false, code: 'ERR_LEDGER_MALFORMED', reason: String(e) };
    }
    if (!r.ok) return report({ seq, code: r.code, reason: r.reason });
    s = r.state;
  }
  const head = await store.get<{ seq: number; hash: string }>('head');
  if (entries.length && (head?.seq !== s.seq || head.hash !== s.head)) {
    return report({ seq: s.seq, code: 'ERR_LEDGER_HEAD', reason: 'head does not match the chain' });
  }
  return report();
}

/** What `bitdust ledger` prints. */
export interface LedgerSummary {
  owner: string | undefined;
  entries: number;
  balance: string;
  granted: string;
  donatedByteMs: string;
  consumedByteMs: string;
  paid: string;
  received: string;
  head: string;
}

/** Totals of the ledger in `store`, read without signature checks (run the audit for those). */
export async function ledgerSummary(store: KvStore): Promise<LedgerSummary> {
  const meta = await store.get<Meta>('meta');
  let balance = 0n,
    granted = 0n,
    donated = 0n,
    consumed = 0n,
    paid = 0n,
    received = 0n;
  let head = '0'.repeat(64);
  const entries = await store.range<LedgerEntry>({ prefix: 'e/' });
  for (const { value: e } of entries) {
    head = e.hash;
    const b = e.body;
    if (b.kind === 'grant') granted += BigInt(b.amount);
    else if (b.kind === 'usage') {
      const n = BigInt(b.signed.accept.storedByteMs);
      if (b.signed.accept.supplier === e.owner) donated += n;
      else consumed += n;
    } else if (b.settled.payment.payer === e.owner) paid += BigInt(b.settled.payment.amount);
    else received += BigInt(b.settled.payment.amount);
  }
  balance = granted + received - paid;
  return {
    owner: meta?.owner,
    entries: entries.length,
    balance: balance.toString(),
    granted: granted.toString(),
    donatedByteMs: donated.toString(),
    consumedByteMs: consumed.toString(),
    paid: paid.toString(),
    received: received.toString(),
    head
  };
}
