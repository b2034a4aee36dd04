/**
 * The payment protocol's wire schema (TypeBox): what may arrive as the `payload` of a
 * `cmd.request-service` for service `payment`. The router caps the payload at 16 KiB before this
 * runs; this checks the structure (closed objects, typed fields, bounded strings and arrays) so a
 * message that passes reaches the statement verifiers (validate.ts, then the signature checks)
 * with the shape they expect. Ranges, dates and signatures are theirs to judge.
 */
import { Type, type Static } from '@sinclair/typebox';

const closed = { additionalProperties: false };
const Str = (max = 128) => Type.String({ maxLength: max });
const Int = Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
const Key = Type.Uint8Array({ minByteLength: 32, maxByteLength: 32 });
const Sig = Type.Uint8Array({ minByteLength: 64, maxByteLength: 64 });
/** Waiver evidence carried by one payment (the router's payload cap is the other bound). */
export const MAX_EVIDENCE = 32;

const Terms = Type.Object(
  {
    v: Type.Literal(1),
    id: Str(),
    customer: Str(),
    supplier: Str(),
    bytes: Int,
    startMs: Int,
    termMs: Int,
    pricePerGBHour: Int,
    transferPricePerGB: Int,
    seq: Int,
    prev: Str()
  },
  closed
);

const Invoice = Type.Object(
  {
    v: Type.Literal(1),
    id: Str(),
    contractId: Str(),
    supplier: Str(),
    customer: Str(),
    periodStart: Int,
    periodEnd: Int,
    storedByteMs: Str(48),
    transferBytes: Int,
    amount: Int,
    issuedAt: Int
  },
  closed
);

const Accept = Type.Object(
  {
    v: Type.Literal(1),
    invoiceId: Str(),
    invoiceHash: Str(),
    supplier: Str(),
    customer: Str(),
    periodEnd: Int,
    storedByteMs: Str(48),
    ts: Int
  },
  closed
);

const SignedAccept = Type.Object({ accept: Accept, customerKey: Key, sig: Sig }, closed);

const Payment = Type.Object(
  {
    v: Type.Literal(1),
    id: Str(),
    invoiceId: Str(),
    payer: Str(),
    payee: Str(),
    amount: Int,
    waived: Type.Boolean(),
    consumedByteMs: Str(48),
    ts: Int,
    spend: Type.Optional(Type.Object({ n: Int, total: Str(48) }, closed))
  },
  closed
);

/** Each message kind's schema, keyed by `kind` (decoders report errors against the right one). */
export const PAYMENT_MESSAGE_SCHEMAS = {
  invoice: Type.Object(
    {
      kind: Type.Literal('invoice'),
      body: Type.Object({ invoice: Invoice, supplierKey: Key, sig: Sig }, closed)
    },
    closed
  ),
  accept: Type.Object({ kind: Type.Literal('accept'), body: SignedAccept }, closed),
  dispute: Type.Object(
    {
      kind: Type.Literal('dispute'),
      body: Type.Object(
        {
          dispute: Type.Object(
            {
              v: Type.Literal(1),
              invoiceId: Str(),
              invoiceHash: Str(),
              supplier: Str(),
              customer: Str(),
              code: Str(64),
              reason: Str(256),
              // The customer's figure: a byte-ms count, capped like every other.
              storedByteMs: Type.String({ maxLength: 39, pattern: '^(0|[1-9][0-9]{0,38})$' }),
              ts: Int
            },
            closed
          ),
          customerKey: Key,
          sig: Sig
        },
        closed
      )
    },
    closed
  ),
  payment: Type.Object(
    {
      kind: Type.Literal('payment'),
      body: Type.Object(
        {
          payment: Payment,
          payerKey: Key,
          payerSig: Sig,
          evidence: Type.Array(SignedAccept, { maxItems: MAX_EVIDENCE })
        },
        closed
      )
    },
    closed
  ),
  receipt: Type.Object(
    {
      kind: Type.Literal('receipt'),
      body: Type.Object(
        { paymentId: Str(), paymentHash: Str(), payeeKey: Key, payeeSig: Sig },
        closed
      )
    },
    closed
  ),
  propose: Type.Object(
    {
      kind: Type.Literal('propose'),
      body: Type.Object({ terms: Terms, customerKey: Key, customerSig: Sig }, closed)
    },
    closed
  )
};

/** Every message kind, each a closed object. */
export const PaymentMessageSchema = Type.Union(Object.values(PAYMENT_MESSAGE_SCHEMAS));

/** A message that passed the schema. */
export type PaymentWireMessage = Static<typeof PaymentMessageSchema>;
