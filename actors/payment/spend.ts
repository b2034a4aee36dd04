/**
 * Spend positions: every payment a payer signs claims the next position of its spending, `n`
 * (1, 2, 3, …), and the cumulative total spent up to and including it. Both are inside the signed
 * payment body, so a payer that signs two different payments at one position has signed its own
 * proof of double spending, and a payment whose total does not cover the totals below it at the
 * same payee reveals a history that cannot be honest.
 *
 * The payer's counter ({@link createSpendCounter}) is allocated synchronously (concurrent
 * payments never share a position) and written durably before the payment leaves; the payee's
 * guard ({@link createSpendGuard}) keeps every position it accepted from each payer.
 */
import { hashOf, verifyValue } from '../ledger/index.js';
import { packPlain, unpackPlain } from '../wire/plain-msgpack.js';
import type { Payment } from '../../machines/payment/records.js';
import type { Verdict } from '../../machines/payment/validate.js';
import type { KvStore } from '../store/index.js';
import type { DhtNode } from '../dht/index.js';

/** A position of a payer's spending, as carried in a payment. */
export interface Spend {
  n: number;
  /** Decimal string: the sum of every amount the payer signed up to and including this one. */
  total: string;
}

/** The key under which the payer keeps its counter (outside the `p/` prefix of pending payments). */
const COUNTER_KEY = 'spend';

/** The payer's spend counter; `kv` keeps it across restarts (none in the simulation). */
export async function createSpendCounter(kv?: KvStore) {
  const saved = await kv?.get<Spend>(COUNTER_KEY);
  let n = saved?.n ?? 0;
  let total = BigInt(saved?.total ?? '0');
  let writes: Promise<void> = Promise.resolve();
  /**
   * Claims the next position for a payment of `amount`. The position is taken at once (no await
   * between read and increment), then the counter is written; the caller awaits `durable` before
   * sending, so a restart never reuses a position a peer may have seen.
   */
  function next(amount: number): { spend: Spend; durable: Promise<void> } {
    n += 1;
    total += BigInt(amount);
    const spend = { n, total: total.toString() };
    writes = writes.then(() => kv?.put(COUNTER_KEY, spend, { durable: true }));
    return { spend, durable: writes };
  }
  return { next, current: (): Spend => ({ n, total: total.toString() }) };
}

/** A payment as its payer signed it (no evidence): what payees publish for each other. */
export interface SpendNote {
  payment: Payment;
  payerKey: Uint8Array;
  payerSig: Uint8Array;
}

/** Two payments one payer signed at one position: its own proof of double signing. */
export interface ForkProof {
  payer: string;
  n: number;
  a: SpendNote;
  b: SpendNote;
}

/**
 * Where payees publish the payments they accept, by (payer, n), and read what others published
 * there (the DHT layer `spends` in a node).
 */
export interface SpendBoard {
  publish(payer: string, n: number, note: Uint8Array): Promise<void>;
  read(payer: string, n: number): Promise<Uint8Array[]>;
}

/** Records live 23 h (the DHT refuses more than 24 h): forks further apart go unseen. */
const SPEND_TTL_MS = 23 * 3_600_000;

/**
 * The board on the DHT layer `spends`, name `<payer>/<n>`: one record per payee that accepted a
 * payment at that position. Published once and not republished (a node would otherwise re-sign
 * every payment it ever accepted, every half TTL).
 */
export function dhtBoard(dht: Pick<DhtNode, 'put' | 'get' | 'unpublish'>): SpendBoard {
  return {
    publish: async (payer, n, note) => {
      const name = `${payer}/${n}`;
      try {
        await dht.put('spends', name, note, { ttlMs: SPEND_TTL_MS });
      } finally {
        dht.unpublish('spends', name);
      }
    },
    read: async (payer, n) => (await dht.get('spends', `${payer}/${n}`)).records.map((r) => r.value)
  };
}

const isNote = (x: unknown): x is SpendNote => {
  const s = x as SpendNote | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    typeof s.payment === 'object' &&
    s.payment !== null &&
    typeof s.payment.payer === 'string' &&
    typeof s.payment.spend?.n === 'number' &&
    s.payerKey instanceof Uint8Array &&
    s.payerSig instanceof Uint8Array
  );
};

/**
 * Whether `x` proves double signing: two bodies that differ, claim the same position of the same
 * payer, and both carry that payer's valid signature. A forged proof condemns no one.
 */
export function verifyFork(x: unknown): x is ForkProof {
  const f = x as ForkProof | null;
  if (typeof f !== 'object' || f === null || !isNote(f.a) || !isNote(f.b)) return false;
  const { a, b } = f;
  return (
    a.payment.payer === f.payer &&
    b.payment.payer === f.payer &&
    a.payment.spend!.n === f.n &&
    b.payment.spend!.n === f.n &&
    hashOf(a.payment) !== hashOf(b.payment) &&
    verifyValue(f.payer, a.payerKey, 'payment', a.payment, a.payerSig) &&
    verifyValue(f.payer, b.payerKey, 'payment', b.payment, b.payerSig)
  );
}

/** Decodes a published note, or undefined (the DHT caps the value at 4 KiB before this). */
function decodeNote(bytes: Uint8Array): SpendNote | undefined {
  try {
    const x = unpackPlain(bytes);
    return isNote(x) ? x : undefined;
  } catch {
    return undefined;
  }
}

/** The payee's record of one accepted position. */
interface Seen {
  n: number;
  total: string;
  amount: number;
  hash: string;
}

/** Zero-padded so key order is numeric order. */
const keyOf = (payer: string, n: number) => `s/${payer}/${String(n).padStart(16, '0')}`;

/**
 * The payee's guard. {@link check} judges a payment against every position accepted from the same
 * payer; {@link accept} records it (durably, before the receipt is sent).
 */
export function createSpendGuard(kv?: KvStore, board?: SpendBoard) {
  const mem = new Map<string, Seen>();
  const proofs = new Map<string, ForkProof>();
  const get = async (k: string) => mem.get(k) ?? (await kv?.get<Seen>(k));
  const below = async (payer: string, n: number): Promise<Seen | undefined> => {
    const lo = [...mem.entries()].filter(([k, s]) => k.startsWith(`s/${payer}/`) && s.n < n);
    const fromMem = lo.sort((a, b) => b[1].n - a[1].n)[0]?.[1];
    if (!kv) return fromMem;
    const [e] = await kv.range<Seen>({
      start: `s/${payer}/`,
      end: keyOf(payer, n),
      reverse: true,
      limit: 1
    });
    return e?.value;
  };
  const above = async (payer: string, n: number): Promise<Seen | undefined> => {
    const hi = [...mem.entries()].filter(([k, s]) => k.startsWith(`s/${payer}/`) && s.n > n);
    const fromMem = hi.sort((a, b) => a[1].n - b[1].n)[0]?.[1];
    if (!kv) return fromMem;
    const [e] = await kv.range<Seen>({ start: keyOf(payer, n + 1), end: `s/${payer}0`, limit: 1 });
    return e?.value;
  };

  async function check(p: Payment): Promise<Verdict> {
    const s = p.spend;
    if (!s) return { ok: false, code: 'ERR_PAYMENT_SPEND', reason: 'no spend position' };
    const total = BigInt(s.total);
    if (total < BigInt(p.amount))
      return { ok: false, code: 'ERR_PAYMENT_SPEND', reason: 'total below the amount' };
    const same = await get(keyOf(p.payer, s.n));
    if (same) {
      // A retry is the very same body; any other body at this position is a double signature.
      if (same.hash === hashOf(p)) return { ok: true };
      return {
        ok: false,
        code: 'ERR_PAYMENT_FORK',
        reason: `position ${s.n} already signed for another payment`
      };
    }
    const lo = await below(p.payer, s.n);
    if (lo && total - BigInt(p.amount) < BigInt(lo.total)) {
      return {
        ok: false,
        code: 'ERR_PAYMENT_SPEND',
        reason: `total ${s.total} at ${s.n} does not cover ${lo.total} at ${lo.n}`
      };
    }
    const hi = await above(p.payer, s.n);
    if (hi && BigInt(hi.total) - BigInt(hi.amount) < total) {
      return {
        ok: false,
        code: 'ERR_PAYMENT_SPEND',
        reason: `total ${s.total} at ${s.n} exceeds what ${hi.n} claims before it`
      };
    }
    return { ok: true };
  }

  async function accept(p: Payment): Promise<void> {
    const s = p.spend!;
    const seen: Seen = { n: s.n, total: s.total, amount: p.amount, hash: hashOf(p) };
    const k = keyOf(p.payer, s.n);
    if (kv) await kv.put(k, seen, { durable: true });
    else mem.set(k, seen);
  }

  let queue: Promise<unknown> = Promise.resolve();
  /**
   * Checks and, when sound, records `p`; one payment at a time, so two bodies racing for one
   * position cannot both pass.
   */
  function admit(p: Payment, signed?: Omit<SpendNote, 'payment'>): Promise<Verdict> {
    const run = queue.then(async (): Promise<Verdict> => {
      const known = proofs.get(p.payer) ?? (await kv?.get<ForkProof>(`f/${p.payer}`));
      if (known) {
        proofs.set(p.payer, known);
        const reason = `payer signed two payments at position ${known.n}`;
        return { ok: false, code: 'ERR_PAYMENT_FORK', reason };
      }
      const v = await check(p);
      if (!v.ok) return v;
      if (board && signed && p.spend) {
        const proof = await crossCheck({ payment: p, ...signed });
        if (proof) {
          proofs.set(p.payer, proof);
          if (kv) await kv.put(`f/${p.payer}`, proof as never, { durable: true });
          const reason = `another payee holds a different payment at position ${proof.n}`;
          return { ok: false, code: 'ERR_PAYMENT_FORK', reason };
        }
      }
      await accept(p);
      return v;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Publishes the payment at its position and reads what other payees published there. Best
   * effort: a DHT that cannot be reached does not stop a payment (the local checks still hold).
   */
  async function crossCheck(note: SpendNote): Promise<ForkProof | undefined> {
    const { payer, spend } = note.payment;
    const n = spend!.n;
    const mine = packPlain(note);
    await board!.publish(payer, n, mine).catch(() => undefined);
    const found = await board!.read(payer, n).catch(() => [] as Uint8Array[]);
    for (const bytes of found) {
      const other = decodeNote(bytes);
      const proof = { payer, n, a: note, b: other };
      if (other && verifyFork(proof)) return proof as ForkProof;
    }
    return undefined;
  }

  /** Every proof of double signing this payee holds ({@link load} reads them back on start). */
  const forks = (): ForkProof[] => [...proofs.values()];

  /** Reads the proofs kept before a restart. */
  async function load(): Promise<void> {
    for (const { value } of (await kv?.range<ForkProof>({ prefix: 'f/' })) ?? []) {
      proofs.set(value.payer, value);
    }
  }

  return { check, accept, admit, forks, load };
}
