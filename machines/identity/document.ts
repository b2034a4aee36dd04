/**
 * The identity document's shape, caps and supersession rule. Pure: the signatures are checked in
 * actors/identity, which calls {@link supersedes} after every signature holds.
 *
 * On the wire a document is msgpack `{ v: 1, body, sig }`, where `body` is the msgpack encoding of
 * an {@link IdentityBody} and `sig` is Ed25519 over `"bitdust-identity-v1\0" ‖ body`. Signing the
 * exact bytes avoids any canonical-encoding question: what was signed is what is stored and relayed.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Version of the document format (`v` in both the envelope and the body). */
export const IDENTITY_VERSION = 1;
/** Cap on an encoded signed document, checked before any decoding. */
export const MAX_DOCUMENT_BYTES = 4096;
/** Cap on the body inside the envelope. */
export const MAX_BODY_BYTES = 3900;
/** Node ids are lowercase RFC 4648 base32 (no padding) of BLAKE2b-160 of the identity key. */
export const NODE_ID_PATTERN = '^[a-z2-7]{32}$';

const Key32 = Type.Uint8Array({ minByteLength: 32, maxByteLength: 32 });
const Sig64 = Type.Uint8Array({ minByteLength: 64, maxByteLength: 64 });
const Contact = Type.String({ minLength: 1, maxLength: 256, pattern: '^[a-z]+://\\S+$' });
const ContactList = Type.Array(Contact, { maxItems: 8 });
const Millis = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** How to reach a node, per transport. Unknown transports are refused so caps stay meaningful. */
export const Contacts = Type.Object(
  {
    tcp: Type.Optional(ContactList),
    nats: Type.Optional(ContactList),
    memory: Type.Optional(ContactList)
  },
  { additionalProperties: false }
);
/** Contacts per transport. */
export type Contacts = Static<typeof Contacts>;

/** The signed content of an identity document. */
export const IdentityBody = Type.Object(
  {
    v: Type.Literal(IDENTITY_VERSION),
    id: Type.String({ pattern: NODE_ID_PATTERN }),
    /** Ed25519 public key: the identity itself. */
    identityKey: Key32,
    /** X25519 Noise static public key. */
    noiseKey: Key32,
    /** Ed25519 signature by identityKey over `"bitdust-noise-static-v1\0" ‖ noiseKey`. */
    noiseSig: Sig64,
    contacts: Contacts,
    services: Type.Array(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' }), { maxItems: 32 }),
    revision: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    created: Millis,
    updated: Millis,
    name: Type.Optional(Type.String({ maxLength: 64 }))
  },
  { additionalProperties: false }
);
/** The signed content of an identity document. */
export type IdentityBody = Static<typeof IdentityBody>;

/** The signed envelope as decoded from msgpack. */
export const IdentityEnvelope = Type.Object(
  {
    v: Type.Literal(IDENTITY_VERSION),
    body: Type.Uint8Array({ minByteLength: 1, maxByteLength: MAX_BODY_BYTES }),
    sig: Sig64
  },
  { additionalProperties: false }
);
/** The signed envelope. */
export type IdentityEnvelope = Static<typeof IdentityEnvelope>;

/** True when `value` is a well-formed body (shape and caps; not the signatures). */
export function isIdentityBody(value: unknown): value is IdentityBody {
  return Value.Check(IdentityBody, value) && value.updated >= value.created;
}

/** True when `value` is a well-formed envelope. */
export function isIdentityEnvelope(value: unknown): value is IdentityEnvelope {
  return Value.Check(IdentityEnvelope, value);
}

/** A known document, as far as the supersession rule cares. */
export interface KnownDocument {
  body: IdentityBody;
  bytes: Uint8Array;
}

/** What to do with a verified candidate given the document already known for that id. */
export type Supersession =
  | { accept: true; changed: boolean }
  | { accept: false; code: 'ERR_IDENTITY_REVISION' | 'ERR_IDENTITY_KEY_CHANGED'; reason: string };

/**
 * The monotonic-revision and key-continuity rule: a higher revision under the same identity key
 * supersedes; the same revision with the same bytes is a harmless repeat; anything else (lower
 * revision, or equal revision with other content: a fork) is refused.
 */
export function supersedes(
  known: KnownDocument | undefined,
  candidate: KnownDocument
): Supersession {
  if (!known) return { accept: true, changed: true };
  if (!sameBytes(known.body.identityKey, candidate.body.identityKey)) {
    return { accept: false, code: 'ERR_IDENTITY_KEY_CHANGED', reason: 'identity key differs' };
  }
  const a = known.body.revision;
  const b = candidate.body.revision;
  if (b > a) return { accept: true, changed: true };
  if (b === a && sameBytes(known.bytes, candidate.bytes)) return { accept: true, changed: false };
  const reason = b === a ? `revision ${b} reused with other content` : `revision ${b} < ${a}`;
  return { accept: false, code: 'ERR_IDENTITY_REVISION', reason };
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.byteLength !== y.byteLength) return false;
  for (let i = 0; i < x.byteLength; i++) if (x[i] !== y[i]) return false;
  return true;
}
