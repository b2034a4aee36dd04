/**
 * Creating, encoding and verifying signed identity documents (format and caps in
 * machines/identity/document.ts). Decoding checks the size cap before msgpack runs, validates the
 * shape and caps after, then both signatures and the id; only then does the supersession rule run.
 */
import { Packr } from 'msgpackr';
import { BitDustError } from '../errors.js';
import {
  IDENTITY_VERSION,
  MAX_BODY_BYTES,
  MAX_DOCUMENT_BYTES,
  isIdentityBody,
  isIdentityEnvelope,
  supersedes,
  type Contacts,
  type IdentityBody
} from '../../machines/identity/document.js';
import {
  nodeIdFromKey,
  sign,
  signNoiseKey,
  verify,
  verifyNoiseKey,
  type IdentityKeys
} from './keys.js';

/** Plain msgpack: no records or structures, so any msgpack implementation can read documents. */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const DOC_CONTEXT = Buffer.from('bitdust-identity-v1\0');

/** A verified document: the decoded body and the exact signed bytes it came from. */
export interface SignedIdentityDocument {
  readonly body: IdentityBody;
  /** The encoded envelope: what is stored, published and compared. */
  readonly bytes: Uint8Array;
}

/** What a node says about itself; everything else in the body is derived or signed. */
export interface DocumentFields {
  contacts: Contacts;
  services: string[];
  name?: string;
}

function fail(code: string, message: string, cause?: unknown): BitDustError {
  return new BitDustError(code, message, cause === undefined ? undefined : { cause });
}

/** Sign a body and wrap it; the result is validated like any received document. */
function seal(keys: IdentityKeys, body: IdentityBody): SignedIdentityDocument {
  if (!isIdentityBody(body)) throw fail('ERR_IDENTITY_INVALID', 'document fields out of bounds');
  const bodyBytes = packr.pack(body);
  if (bodyBytes.byteLength > MAX_BODY_BYTES)
    throw fail('ERR_IDENTITY_TOO_LARGE', 'document too large');
  const sig = sign(keys, Buffer.concat([DOC_CONTEXT, bodyBytes]));
  const bytes = packr.pack({ v: IDENTITY_VERSION, body: bodyBytes, sig });
  return { body, bytes };
}

/** A first document (revision 1) for fresh keys; `now` comes from the caller's Clock. */
export function createIdentityDocument(
  keys: IdentityKeys,
  fields: DocumentFields,
  now: number
): SignedIdentityDocument {
  return seal(keys, {
    v: IDENTITY_VERSION,
    id: nodeIdFromKey(keys.identityPublic),
    identityKey: Buffer.from(keys.identityPublic),
    noiseKey: Buffer.from(keys.noise.publicKey),
    noiseSig: Buffer.from(signNoiseKey(keys)),
    ...copyFields(fields),
    revision: 1,
    created: now,
    updated: now
  });
}

/**
 * The next revision: new contacts/services/name and, when `keys` carries a rotated Noise key, the
 * new key and binding. The identity key must be the document's own (key continuity).
 */
export function updateIdentityDocument(
  keys: IdentityKeys,
  previous: SignedIdentityDocument,
  fields: Partial<DocumentFields>,
  now: number
): SignedIdentityDocument {
  if (!Buffer.from(previous.body.identityKey).equals(keys.identityPublic)) {
    throw fail('ERR_IDENTITY_KEY_CHANGED', 'keys do not own this document');
  }
  const merged = copyFields({
    contacts: fields.contacts ?? previous.body.contacts,
    services: fields.services ?? previous.body.services,
    name: fields.name ?? previous.body.name
  });
  return seal(keys, {
    ...previous.body,
    ...merged,
    noiseKey: Buffer.from(keys.noise.publicKey),
    noiseSig: Buffer.from(signNoiseKey(keys)),
    revision: previous.body.revision + 1,
    updated: Math.max(now, previous.body.updated)
  });
}

function copyFields(f: DocumentFields): DocumentFields {
  const contacts: Contacts = {};
  for (const [k, v] of Object.entries(f.contacts) as [keyof Contacts, string[] | undefined][]) {
    if (v) contacts[k] = [...v];
  }
  return { contacts, services: [...f.services], ...(f.name === undefined ? {} : { name: f.name }) };
}

/**
 * Decode and fully verify a document: size cap, shape, both signatures and the id. Random bytes
 * only ever produce a BitDustError with an ERR_IDENTITY_* code.
 */
export function decodeIdentityDocument(bytes: Uint8Array): SignedIdentityDocument {
  if (bytes.byteLength > MAX_DOCUMENT_BYTES) {
    throw fail('ERR_IDENTITY_TOO_LARGE', `document of ${bytes.byteLength} B`);
  }
  const envelope = unpack(bytes);
  if (!isIdentityEnvelope(envelope)) throw fail('ERR_IDENTITY_INVALID', 'malformed envelope');
  const body = unpack(envelope.body);
  if (!isIdentityBody(body)) throw fail('ERR_IDENTITY_INVALID', 'malformed document body');
  if (!verify(body.identityKey, Buffer.concat([DOC_CONTEXT, envelope.body]), envelope.sig)) {
    throw fail('ERR_IDENTITY_SIGNATURE', `bad document signature for ${body.id}`);
  }
  if (!verifyNoiseKey(body.identityKey, body.noiseKey, body.noiseSig)) {
    throw fail('ERR_IDENTITY_SIGNATURE', `bad Noise key binding for ${body.id}`);
  }
  if (nodeIdFromKey(body.identityKey) !== body.id) {
    throw fail('ERR_IDENTITY_ID', `id ${body.id} does not match the identity key`);
  }
  return { body, bytes: Buffer.from(bytes) };
}

function unpack(bytes: Uint8Array): unknown {
  try {
    return packr.unpack(bytes) as unknown;
  } catch (cause) {
    throw fail('ERR_IDENTITY_INVALID', 'not msgpack', cause);
  }
}

/**
 * Verify `bytes` and decide against the known document for the same id: returns the document to
 * keep and whether it changed, or throws ERR_IDENTITY_REVISION / ERR_IDENTITY_KEY_CHANGED.
 */
export function acceptIdentityDocument(
  known: SignedIdentityDocument | undefined,
  bytes: Uint8Array
): { document: SignedIdentityDocument; changed: boolean } {
  const candidate = decodeIdentityDocument(bytes);
  if (known && known.body.id !== candidate.body.id) {
    throw fail('ERR_IDENTITY_ID', `expected ${known.body.id}, got ${candidate.body.id}`);
  }
  const verdict = supersedes(known, candidate);
  if (!verdict.accept) throw fail(verdict.code, verdict.reason);
  return { document: verdict.changed || !known ? candidate : known, changed: verdict.changed };
}
