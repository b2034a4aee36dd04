/**
 * Where payees show each other what they accepted and whom they caught, on two DHT layers:
 *
 * - `spends`, name `<payer>/<n>`: one record per payee that accepted a payment at that position,
 *   the payment as its payer signed it ({@link SpendNote});
 * - `forks`, name `<payer>`: one record per holder of a proof that the payer signed two payments
 *   at one position ({@link ForkProof}; readers verify it, so a forged record condemns no one).
 *
 * Both operations fail loudly: a payee must know when the cross-check could not be done, rather
 * than take silence for innocence (docs/payment.md, "Spend positions").
 */
import { BitDustError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { DhtNode } from '../dht/index.js';
import { packPlain, unpackPlain } from '../wire/plain-msgpack.js';
import type { Payment } from '../../machines/payment/records.js';

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

/** The two layers of the board. */
export type BoardLayer = 'spends' | 'forks';

/** Publish and read records of the board; both reject when the DHT did not answer in time. */
export interface SpendBoard {
  publish(layer: BoardLayer, name: string, value: Uint8Array): Promise<void>;
  read(layer: BoardLayer, name: string): Promise<Uint8Array[]>;
}

const HOUR = 3_600_000;
/** Records live 23 h (the DHT refuses more than 24 h); their holders republish them (spend.ts). */
export const SPEND_TTL_MS = 23 * HOUR;
/** Longest a publish or a read may take before the cross-check counts as not done. */
export const BOARD_TIMEOUT_MS = 30_000;

/** The name of a position's record in `spends`. */
export const spendName = (payer: string, n: number) => `${payer}/${n}`;

/** Rejects with ERR_PAYMENT_UNCHECKED when `work` has not settled within `ms` of `clock`. */
function within<T>(clock: Clock, ms: number, what: string, work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(
      () => reject(new BitDustError('ERR_PAYMENT_UNCHECKED', `${what}: no DHT answer in ${ms} ms`)),
      ms
    );
    work.then(
      (v) => {
        clock.clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clock.clearTimeout(timer);
        reject(e);
      }
    );
  });
}

/**
 * The board on a node's DHT. Records are stored once per call and not left to the DHT's own
 * republish timer (which would keep every payment a node ever accepted): the guard republishes
 * the ones it still needs (spend.ts, `upkeep`). A read whose lookup no other node answered is a
 * failure, not an empty answer.
 */
export function dhtBoard(
  dht: Pick<DhtNode, 'put' | 'get' | 'unpublish'>,
  clock: Clock,
  timeoutMs = BOARD_TIMEOUT_MS
): SpendBoard {
  return {
    publish: (layer, name, value) =>
      within(
        clock,
        timeoutMs,
        `publish ${layer}/${name}`,
        (async () => {
          try {
            await dht.put(layer, name, value, { ttlMs: SPEND_TTL_MS });
          } finally {
            dht.unpublish(layer, name);
          }
        })()
      ),
    read: (layer, name) =>
      within(
        clock,
        timeoutMs,
        `read ${layer}/${name}`,
        (async () => {
          const got = await dht.get(layer, name);
          if (!got.answered) {
            throw new BitDustError('ERR_PAYMENT_UNCHECKED', `read ${layer}/${name}: no DHT peer`);
          }
          return got.records.map((r) => r.value);
        })()
      )
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

/** Whether `x` has the shape of a proof (verifyFork checks what it proves). */
export const isProofShape = (x: unknown): x is ForkProof => {
  const f = x as ForkProof | null;
  return (
    typeof f === 'object' &&
    f !== null &&
    typeof f.payer === 'string' &&
    typeof f.n === 'number' &&
    isNote(f.a) &&
    isNote(f.b)
  );
};

/** Decodes a published record, or undefined (the DHT caps the value at 4 KiB before this). */
function decode<T>(bytes: Uint8Array, is: (x: unknown) => x is T): T | undefined {
  try {
    const x = unpackPlain(bytes);
    return is(x) ? x : undefined;
  } catch {
    return undefined;
  }
}

export const decodeNote = (bytes: Uint8Array) => decode(bytes, isNote);
export const decodeProof = (bytes: Uint8Array) => decode(bytes, isProofShape);

/** A note as published: the payment without its evidence (which can be large). */
export const encodeNote = (n: SpendNote) =>
  packPlain({ payment: n.payment, payerKey: n.payerKey, payerSig: n.payerSig });
export const encodeProof = (f: ForkProof) =>
  packPlain({ payer: f.payer, n: f.n, a: f.a, b: f.b } as never);
