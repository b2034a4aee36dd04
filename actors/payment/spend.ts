/**
 * Spend positions: every payment a payer signs claims the next position of its spending, `n`
 * (1, 2, 3, …), and the cumulative total spent up to and including it. Both are inside the signed
 * payment body, so a payer that signs two different payments at one position has signed its own
 * proof of double spending, and a payment whose total does not cover the totals below it at the
 * same payee reveals a history that cannot be honest.
 *
 * The payer's counter ({@link createSpendCounter}) is allocated synchronously (concurrent
 * payments never share a position) and written durably before the payment leaves; the payee's
 * guard ({@link createSpendGuard}) keeps every position it accepted from each payer, with the
 * body as signed, cross-checks each payment on the board (spend-board.ts) before countersigning,
 * and in its upkeep re-checks recent payers and republishes what other payees must still see.
 */
import { hashOf, verifyValue } from '../ledger/index.js';
import type { Clock } from '../clock.js';
import type { Payment } from '../../machines/payment/records.js';
import type { Verdict } from '../../machines/payment/validate.js';
import type { KvStore } from '../store/index.js';
import {
  decodeNote,
  decodeProof,
  encodeNote,
  encodeProof,
  isProofShape,
  spendName,
  type ForkProof,
  type SpendBoard,
  type SpendNote
} from './spend-board.js';

export { dhtBoard, type ForkProof, type SpendBoard, type SpendNote } from './spend-board.js';

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

/**
 * Whether `x` proves double signing: two bodies that differ, claim the same position of the same
 * payer, and both carry that payer's valid signature. A forged proof condemns no one.
 */
export function verifyFork(x: unknown): x is ForkProof {
  if (!isProofShape(x)) return false;
  const { a, b } = x;
  return (
    a.payment.payer === x.payer &&
    b.payment.payer === x.payer &&
    a.payment.spend!.n === x.n &&
    b.payment.spend!.n === x.n &&
    hashOf(a.payment) !== hashOf(b.payment) &&
    verifyValue(x.payer, a.payerKey, 'payment', a.payment, a.payerSig) &&
    verifyValue(x.payer, b.payerKey, 'payment', b.payment, b.payerSig)
  );
}

/** The payee's record of one accepted position. */
interface Seen {
  n: number;
  total: string;
  amount: number;
  hash: string;
  /** The body as its payer signed it, so a second body at this position makes a full proof. */
  note?: SpendNote;
  /** When we accepted it, and when we last published it on the board. */
  at?: number;
  pub?: number;
}

/** What the upkeep tracks of a position accepted within {@link RETAIN_MS}. */
interface Recent {
  payer: string;
  n: number;
  at: number;
  pub: number;
  checked: number;
}

const HOUR = 3_600_000;
/**
 * Republished twice per record lifetime (SPEND_TTL_MS, 23 h), so one failed round does not let a
 * record lapse.
 */
export const REPUBLISH_MS = 11 * HOUR;
/**
 * How long a position stays on the board: the date window of payments (35 days). A payer that
 * reuses a position later than that, at payees that never dealt with it, is not matched.
 */
export const RETAIN_MS = 35 * 24 * HOUR;
/** Payers we accepted from within this window are re-checked every {@link RECHECK_MS}. */
export const RECHECK_WINDOW_MS = 24 * HOUR;
export const RECHECK_MS = 10 * 60_000;
/** Board operations one upkeep round may make (reads and publishes). */
export const UPKEEP_OPS = 32;

/** Zero-padded so key order is numeric order. */
const keyOf = (payer: string, n: number) => `s/${payer}/${String(n).padStart(16, '0')}`;

/**
 * The payee's guard. {@link admit} judges a payment against every position accepted from the same
 * payer and against the board, and records it (durably, before the receipt is sent);
 * {@link upkeep} re-checks recent payers (every `recheckMs`) and republishes. `clock` dates what
 * it records.
 */
export function createSpendGuard(
  kv?: KvStore,
  board?: SpendBoard,
  clock?: Pick<Clock, 'now'>,
  recheckMs = RECHECK_MS
) {
  const now = () => clock?.now() ?? 0;
  const mem = new Map<string, Seen>();
  const proofs = new Map<string, ForkProof>();
  /** When each proof was last published (0: not yet). */
  const proofPub = new Map<string, number>();
  const recent = new Map<string, Recent>();
  const get = async (k: string) => mem.get(k) ?? (await kv?.get<Seen>(k));
  const put = async (k: string, seen: Seen, durable: boolean) => {
    if (kv) await kv.put(k, seen as never, { durable });
    else mem.set(k, seen);
  };
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

  async function accept(p: Payment, note?: SpendNote, published = false): Promise<void> {
    const s = p.spend!;
    const t = now();
    const seen: Seen = { n: s.n, total: s.total, amount: p.amount, hash: hashOf(p), at: t };
    if (note) seen.note = note;
    if (published) seen.pub = t;
    const k = keyOf(p.payer, s.n);
    await put(k, seen, true);
    if (note) recent.set(k, { payer: p.payer, n: s.n, at: t, pub: seen.pub ?? 0, checked: t });
  }

  /** Keeps a proof (durably) and publishes it on `forks`; from then on its payer is refused. */
  async function keep(proof: ForkProof): Promise<void> {
    if (proofs.has(proof.payer)) return;
    proofs.set(proof.payer, proof);
    proofPub.set(proof.payer, 0);
    if (kv) await kv.put(`f/${proof.payer}`, proof as never, { durable: true });
    // Best effort now; the upkeep publishes it again until it is out.
    void publishProof(proof.payer).catch(() => undefined);
  }
  async function publishProof(payer: string): Promise<void> {
    await board?.publish('forks', payer, encodeProof(proofs.get(payer)!));
    proofPub.set(payer, now());
  }

  const refusal = (proof: ForkProof, why: string): Verdict => ({
    ok: false,
    code: 'ERR_PAYMENT_FORK',
    reason: `${why} at position ${proof.n}`
  });

  let queue: Promise<unknown> = Promise.resolve();
  /**
   * Checks and, when sound, records `p`; one payment at a time, so two bodies racing for one
   * position cannot both pass. With a board and the payer's signature (`signed`), the payment is
   * cross-checked there first; a board that does not answer refuses it as ERR_PAYMENT_UNCHECKED,
   * which the payer retries later.
   */
  function admit(p: Payment, signed?: Omit<SpendNote, 'payment'>): Promise<Verdict> {
    const run = queue.then(async (): Promise<Verdict> => {
      const known = proofs.get(p.payer) ?? (await kv?.get<ForkProof>(`f/${p.payer}`));
      if (known) {
        proofs.set(p.payer, known);
        return refusal(known, 'payer signed two payments');
      }
      const note = signed && { payment: p, ...signed };
      const same = p.spend && (await get(keyOf(p.payer, p.spend.n)));
      if (same?.note && note && same.hash !== hashOf(p)) {
        // Reused here: the body we kept and this one are the payer's own proof.
        const proof = { payer: p.payer, n: same.n, a: same.note, b: note };
        if (verifyFork(proof)) {
          await keep(proof);
          return refusal(proof, 'payer signed two payments');
        }
      }
      const v = await check(p);
      if (!v.ok) return v;
      // A retry of a payment accepted (and cross-checked) before.
      if (same) return v;
      if (board && note) {
        let proof: ForkProof | undefined;
        try {
          proof = await crossCheck(note);
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          return {
            ok: false,
            code: 'ERR_PAYMENT_UNCHECKED',
            reason: `cannot check the spend position on the DHT (${why}); retry later`
          };
        }
        if (proof) {
          await keep(proof);
          return refusal(proof, 'another payee holds a different payment');
        }
      }
      await accept(p, note, board !== undefined && note !== undefined);
      return v;
    });
    queue = run.catch(() => undefined);
    return run;
  }

  /** A proof of `payer` published by anyone on `forks` that verifies, if any. */
  async function provenFork(payer: string): Promise<ForkProof | undefined> {
    for (const bytes of await board!.read('forks', payer)) {
      const f = decodeProof(bytes);
      if (f && f.payer === payer && verifyFork(f)) return f;
    }
    return undefined;
  }

  /** A record on `spends` at our note's position with another body the payer signed, if any. */
  async function conflicting(note: SpendNote): Promise<ForkProof | undefined> {
    const { payer, spend } = note.payment;
    for (const bytes of await board!.read('spends', spendName(payer, spend!.n))) {
      const other = decodeNote(bytes);
      const proof = { payer, n: spend!.n, a: note, b: other };
      if (other && verifyFork(proof)) return proof as ForkProof;
    }
    return undefined;
  }

  /**
   * Publishes the payment at its position, then reads that position and the payer's proofs. Each
   * payee publishes before it reads, so of two payees handed different bodies at one position,
   * whichever reads last sees the other's. Throws when the board did not answer.
   */
  async function crossCheck(note: SpendNote): Promise<ForkProof | undefined> {
    const { payer, spend } = note.payment;
    await board!.publish('spends', spendName(payer, spend!.n), encodeNote(note));
    const [proven, other] = await Promise.all([provenFork(payer), conflicting(note)]);
    return proven ?? other;
  }

  let busy = false;
  /**
   * One bounded round ({@link UPKEEP_OPS} board operations, stopping at the first failure):
   * publishes proofs not yet out or due again; re-checks the payers we accepted from within
   * {@link RECHECK_WINDOW_MS} (their proofs on `forks`, and our positions on `spends`), so a
   * payee that accepted before a fork existed learns of it and keeps the proof; republishes our
   * positions of the last {@link RETAIN_MS} before their records expire. Returns what it did.
   */
  async function upkeep(): Promise<{ published: number; checked: number; caught: number }> {
    const did = { published: 0, checked: 0, caught: 0 };
    if (!board || busy) return did;
    busy = true;
    let ops = UPKEEP_OPS;
    const t = now();
    try {
      for (const [k, r] of recent) if (r.at <= t - RETAIN_MS) recent.delete(k);
      for (const [payer, pub] of proofPub) {
        if (ops <= 0 || pub > t - REPUBLISH_MS) continue;
        ops--;
        await publishProof(payer);
        did.published++;
      }
      const due = [...recent.entries()]
        .filter(([, r]) => r.at > t - RECHECK_WINDOW_MS && r.checked <= t - recheckMs)
        .sort((a, b) => a[1].checked - b[1].checked);
      const read = new Set<string>();
      for (const [k, r] of due) {
        if (ops <= 1) break;
        if (proofs.has(r.payer)) continue;
        let proof: ForkProof | undefined;
        if (!read.has(r.payer)) {
          read.add(r.payer);
          ops--;
          proof = await provenFork(r.payer);
        }
        const note = (await get(k))?.note;
        if (!proof && note) {
          ops--;
          proof = await conflicting(note);
        }
        r.checked = t;
        did.checked++;
        if (proof) {
          await keep(proof);
          did.caught++;
        }
      }
      const stale = [...recent.entries()]
        .filter(([, r]) => r.pub <= t - REPUBLISH_MS)
        .sort((a, b) => a[1].pub - b[1].pub);
      for (const [k, r] of stale) {
        if (ops <= 0) break;
        const row = await get(k);
        if (!row?.note) {
          recent.delete(k);
          continue;
        }
        ops--;
        await board.publish('spends', spendName(r.payer, r.n), encodeNote(row.note));
        r.pub = t;
        await put(k, { ...row, pub: t }, false);
        did.published++;
      }
    } catch {
      // The board did not answer: the next round carries on where this one stopped.
    } finally {
      busy = false;
    }
    return did;
  }

  /** Every proof of double signing this payee holds ({@link load} reads them back on start). */
  const forks = (): ForkProof[] => [...proofs.values()];

  /** Reads the proofs kept before a restart, and the positions the upkeep still looks after. */
  async function load(): Promise<void> {
    if (!kv) return;
    for (const { value } of await kv.range<ForkProof>({ prefix: 'f/' })) {
      proofs.set(value.payer, value);
      proofPub.set(value.payer, 0);
    }
    const t = now();
    for (const { key, value } of await kv.range<Seen>({ prefix: 's/' })) {
      if (value.note && value.at !== undefined && value.at > t - RETAIN_MS) {
        const payer = value.note.payment.payer;
        recent.set(key, { payer, n: value.n, at: value.at, pub: value.pub ?? 0, checked: t });
      }
    }
  }

  return { check, accept, admit, forks, load, upkeep };
}
