/**
 * A node's ledger: its own signed, hash-chained entries in a KvStore namespace. Layout: `meta`
 * (owner, key, grant policy), `head` ({seq, hash}), `e/<seq, 12 digits>` (one entry each). An
 * append writes the entry and the new head in one durable batch, so a crash leaves either both or
 * neither; appends are serialised, so concurrent callers cannot fork the chain.
 */
import { BitDustError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { IdentityKeys } from '../identity/keys.js';
import type { KvStore } from '../store/index.js';
import type { SettledPayment, SignedAccept } from '../../machines/payment/records.js';
import { hashOf, signValue } from './canonical.js';
import {
  applyEntry,
  bodyId,
  DEFAULT_LIMITS,
  emptyState,
  entryHash,
  grantAllowed,
  signedPart,
  type DateLimits,
  type EntryBody,
  type GrantPolicy,
  type LedgerEntry,
  type LedgerState
} from './entry.js';
import { idOf } from './verify.js';

/** What {@link openLedger} needs. */
export interface LedgerOptions {
  store: KvStore;
  keys: IdentityKeys;
  clock: Clock;
  grant: GrantPolicy;
  limits?: DateLimits;
}

/** One node's ledger. */
export interface Ledger {
  readonly owner: string;
  /** Totals after the last entry (a copy). */
  state(): LedgerState;
  /** Balance minus credits reserved for payments in flight. */
  spendable(): bigint;
  /** Holds `amount` for payment `id` until it settles or is released; false if funds lack. */
  reserve(id: string, amount: number): boolean;
  release(id: string): void;
  /** Records a settled payment (idempotent: the same payment again returns its first entry). */
  recordPayment(settled: SettledPayment): Promise<LedgerEntry>;
  /** Records an accept, ours (consumption) or a customer's (donation); idempotent likewise. */
  recordUsage(signed: SignedAccept): Promise<LedgerEntry>;
  /** Grants whatever the policy allows now and was not granted yet; undefined when nothing. */
  vest(): Promise<LedgerEntry | undefined>;
  /** Resolves when every append issued so far is written. */
  idle(): Promise<void>;
}

/** Store key of entry `seq`. */
export const entryKey = (seq: number): string => `e/${String(seq).padStart(12, '0')}`;

/** Opens the ledger in `store`, creating it (with its start grant) when empty. */
export async function openLedger(o: LedgerOptions): Promise<Ledger> {
  const owner = idOf(o.keys);
  const limits = o.limits ?? DEFAULT_LIMITS;
  const meta = await o.store.get<{ owner: string }>('meta');
  if (meta && meta.owner !== owner) {
    throw new BitDustError('ERR_LEDGER_OWNER', `ledger belongs to ${meta.owner}`);
  }
  let s = emptyState();
  const byId = new Map<string, number>();
  for (const { value } of await o.store.range<LedgerEntry>({ prefix: 'e/' })) {
    const r = applyEntry(s, value, o.keys.identityPublic, o.grant, limits);
    if (!r.ok) throw new BitDustError(r.code, `${r.reason} (run the audit)`);
    s = r.state;
    byId.set(bodyId(value.body), value.seq);
  }
  const reserved = new Map<string, bigint>();
  let queue: Promise<unknown> = Promise.resolve();

  const write = async (body: EntryBody): Promise<LedgerEntry> => {
    const id = bodyId(body);
    const seen = byId.get(id);
    if (seen !== undefined) {
      const old = (await o.store.get<LedgerEntry>(entryKey(seen)))!;
      if (hashOf(old.body) === hashOf(body)) return old;
      throw new BitDustError('ERR_LEDGER_REPLAY', `${id} already recorded differently`);
    }
    const part = { seq: s.seq + 1, prev: s.head, ts: o.clock.now(), owner, body };
    const sig = signValue(o.keys, 'entry', signedPart(part));
    const e: LedgerEntry = { ...part, sig, hash: entryHash({ ...part, sig }) };
    const r = applyEntry(s, e, o.keys.identityPublic, o.grant, limits);
    if (!r.ok) throw new BitDustError(r.code, r.reason);
    const ops = [
      { type: 'put' as const, key: entryKey(e.seq), value: e },
      { type: 'put' as const, key: 'head', value: { seq: e.seq, hash: e.hash } }
    ];
    if (e.seq === 1) ops.push({ type: 'put', key: 'meta', value: metaOf(o, owner) as never });
    await o.store.batch(ops, { durable: true });
    s = r.state;
    byId.set(id, e.seq);
    return e;
  };
  // Serialise appends: each waits for the previous one, failed or not.
  const enqueue = <T>(f: () => Promise<T>): Promise<T> => {
    const next = queue.then(f, f);
    queue = next.catch(() => undefined);
    return next;
  };

  const ledger: Ledger = {
    owner,
    state: () => ({ ...s, ids: new Set(s.ids), donatedBy: new Map(s.donatedBy) }),
    spendable: () => s.balance - [...reserved.values()].reduce((a, b) => a + b, 0n),
    reserve(id, amount) {
      if (reserved.has(id)) return true;
      if (ledger.spendable() < BigInt(amount)) return false;
      reserved.set(id, BigInt(amount));
      return true;
    },
    release: (id) => void reserved.delete(id),
    recordPayment: (settled) =>
      enqueue(async () => {
        const e = await write({ kind: 'transfer', settled });
        reserved.delete(settled.payment.id);
        return e;
      }),
    recordUsage: (signed) => enqueue(() => write({ kind: 'usage', signed })),
    vest: () =>
      enqueue(async () => {
        const due = grantAllowed(o.grant, s.vestableByteMs) - s.granted;
        if (due <= 0n) return undefined;
        const basis = s.granted === 0n ? ('start' as const) : ('vest' as const);
        const provenByteMs = s.donatedByteMs.toString();
        const id = hashOf({ owner, granted: s.granted.toString(), provenByteMs }).slice(0, 32);
        return write({ kind: 'grant', id, amount: Number(due), basis, provenByteMs });
      }),
    idle: () => queue.then(() => undefined)
  };
  return ledger;
}

function metaOf(o: LedgerOptions, owner: string) {
  return {
    owner,
    ownerKey: o.keys.identityPublic,
    grant: o.grant,
    limits: o.limits ?? DEFAULT_LIMITS
  };
}
