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
import { hashOf } from '../ledger/index.js';
import type { Payment } from '../../machines/payment/records.js';
import type { Verdict } from '../../machines/payment/validate.js';
import type { KvStore } from '../store/index.js';

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
export function createSpendGuard(kv?: KvStore) {
  const mem = new Map<string, Seen>();
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
  function admit(p: Payment): Promise<Verdict> {
    const run = queue.then(async () => {
      const v = await check(p);
      if (v.ok) await accept(p);
      return v;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return { check, accept, admit };
}
