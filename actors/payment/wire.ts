/**
 * The payment protocol's messages, carried as the `payload` of `cmd.request-service` with service
 * `payment` (the router's schema is closed; services are its extension point). One envelope kind
 * per statement; each is answered with `cmd.ack` or `cmd.fail` with an ERR_PAYMENT_* code. The
 * router caps the payload (16 KiB); {@link decodePayment} checks it against the TypeBox schema in
 * machines/payment/messages.ts before any verifier sees it.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { BitDustError } from '../errors.js';
import { PAYMENT_MESSAGE_SCHEMAS } from '../../machines/payment/messages.js';
import { packPlain, unpackPlain } from '../wire/plain-msgpack.js';
import type {
  ContractTerms,
  Receipt,
  SignedAccept,
  SignedDispute,
  SignedInvoice,
  SignedPayment
} from '../../machines/payment/records.js';

/** The router service name. */
export const PAYMENT_SERVICE = 'payment';

/** A payment protocol message. */
export type PaymentMessage =
  | { kind: 'invoice'; body: SignedInvoice }
  | { kind: 'accept'; body: SignedAccept }
  | { kind: 'dispute'; body: SignedDispute }
  | { kind: 'payment'; body: SignedPayment }
  | { kind: 'receipt'; body: Receipt }
  | { kind: 'propose'; body: ContractProposal };

/** A customer's proposal: the terms with its signature; the supplier answers with its own. */
export interface ContractProposal {
  terms: ContractTerms;
  customerKey: Uint8Array;
  customerSig: Uint8Array;
}

const checks = new Map(
  Object.entries(PAYMENT_MESSAGE_SCHEMAS).map(([kind, schema]) => [
    kind,
    TypeCompiler.Compile(schema)
  ])
);

/** Encodes a message for the router. */
export const encodePayment = (m: PaymentMessage): Uint8Array => packPlain(m);

/** Decodes the envelope only (the statement inside is checked by its verifier). */
export function decodePayment(bytes: Uint8Array): PaymentMessage {
  let m: unknown;
  try {
    m = unpackPlain(bytes);
  } catch (e) {
    throw new BitDustError('ERR_PAYMENT_MALFORMED', 'payload is not msgpack', { cause: e });
  }
  const kind = (m as { kind?: unknown } | null)?.kind;
  const check = typeof kind === 'string' ? checks.get(kind) : undefined;
  if (!check) throw new BitDustError('ERR_PAYMENT_MALFORMED', 'not a payment message (kind)');
  if (!check.Check(m)) {
    const first = check.Errors(m).First();
    const where = first ? `${first.path || '/'}: ${first.message}` : 'unknown shape';
    throw new BitDustError('ERR_PAYMENT_MALFORMED', `not a payment message (${where})`);
  }
  return m as PaymentMessage;
}
