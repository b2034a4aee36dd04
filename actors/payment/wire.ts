/**
 * The payment protocol's messages, carried as the `payload` of `cmd.request-service` with service
 * `payment` (the router's schema is closed; services are its extension point). One envelope kind
 * per statement; each is answered with `cmd.ack` or `cmd.fail` with an ERR_PAYMENT_* code.
 */
import { BitDustError } from '../errors.js';
import { packPlain, unpackPlain } from '../wire/plain-msgpack.js';
import type {
  Receipt,
  SignedAccept,
  SignedInvoice,
  SignedPayment
} from '../../machines/payment/records.js';

/** The router service name. */
export const PAYMENT_SERVICE = 'payment';

/** A payment protocol message. */
export type PaymentMessage =
  | { kind: 'invoice'; body: SignedInvoice }
  | { kind: 'accept'; body: SignedAccept }
  | { kind: 'dispute'; body: { invoiceId: string; code: string; reason: string } }
  | { kind: 'payment'; body: SignedPayment }
  | { kind: 'receipt'; body: Receipt };

const KINDS = new Set(['invoice', 'accept', 'dispute', 'payment', 'receipt']);

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
  const o = m as { kind?: unknown; body?: unknown };
  if (
    typeof o !== 'object' ||
    o === null ||
    !KINDS.has(o.kind as string) ||
    typeof o.body !== 'object' ||
    o.body === null
  ) {
    throw new BitDustError('ERR_PAYMENT_MALFORMED', 'not a payment message');
  }
  return m as PaymentMessage;
}
