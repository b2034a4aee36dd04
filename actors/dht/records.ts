/**
 * Signed DHT records: where a record lives (its key, from layer and name), how its publisher signs
 * it, and the checks every node runs before storing or believing one. A record binds itself to its
 * publisher (the id must be the hash of the key that signed it), covers every field with an
 * Ed25519 signature under a domain tag, and carries an absolute expiry the receiver also caps.
 */
import { packPlain } from '../wire/index.js';
import { sodium } from '../crypto/sodium.js';
import { nodeIdFromKey, sign, verify, type IdentityKeys } from '../identity/keys.js';
import { encodeId } from '../../machines/dht/ids.js';
import { DHT_LIMITS, type DhtRecord } from '../../machines/dht/messages.js';
import type { DhtErrorCode } from './errors.js';

const KEY_CONTEXT = 'bitdust-dht-key-v1';
const RECORD_CONTEXT = 'bitdust-dht-record-v1';

/** The 160-bit key a record of `layer` and `name` is stored under (BLAKE2b-160, base32). */
export function recordKey(layer: number, name: string): string {
  const digest = Buffer.alloc(20);
  sodium.crypto_generichash(digest, Buffer.from(`${KEY_CONTEXT}\u0000${layer}\u0000${name}`));
  return encodeId(digest);
}

/** The bytes a record's signature covers: every field but `sig`, in a fixed order. */
export function recordSigningBytes(r: Omit<DhtRecord, 'sig'>): Uint8Array {
  return packPlain([
    RECORD_CONTEXT,
    r.layer,
    r.name,
    r.publisher,
    r.publicKey,
    r.seq,
    r.expiresAt,
    r.value
  ]);
}

/** What a publisher says about a record; the rest comes from its keys. */
export interface RecordFields {
  layer: number;
  name: string;
  value: Uint8Array;
  seq: number;
  expiresAt: number;
}

/** Builds and signs a record with the publisher's identity key. */
export function signRecord(keys: IdentityKeys, fields: RecordFields): DhtRecord {
  // Fields are picked one by one: a caller's extra properties must not leak into a closed schema.
  const unsigned = {
    layer: fields.layer,
    name: fields.name,
    seq: fields.seq,
    expiresAt: fields.expiresAt,
    value: fields.value,
    publisher: nodeIdFromKey(keys.identityPublic),
    publicKey: new Uint8Array(keys.identityPublic)
  };
  return { ...unsigned, sig: new Uint8Array(sign(keys, recordSigningBytes(unsigned))) };
}

/** Limits a receiver applies to records. */
export interface RecordPolicy {
  /** The furthest ahead an expiry may be: nobody gets to pin a record for ever. */
  maxTtlMs: number;
}

/**
 * Why `record` must be refused at `now` (or undefined if it is good). Cheap checks run first, so a
 * flood of junk costs no signature verifications.
 */
export function checkRecord(
  record: DhtRecord,
  now: number,
  policy: RecordPolicy
): DhtErrorCode | undefined {
  if (record.value.byteLength > DHT_LIMITS.maxValueBytes) return 'ERR_DHT_RECORD_TOO_LARGE';
  if (record.name.length > DHT_LIMITS.maxNameLength) return 'ERR_DHT_RECORD_TOO_LARGE';
  if (record.expiresAt <= now) return 'ERR_DHT_RECORD_EXPIRED';
  if (record.expiresAt > now + policy.maxTtlMs) return 'ERR_DHT_RECORD_TTL';
  if (record.publicKey.byteLength !== 32 || record.sig.byteLength !== 64)
    return 'ERR_DHT_RECORD_FORGED';
  if (nodeIdFromKey(record.publicKey) !== record.publisher) return 'ERR_DHT_RECORD_FORGED';
  if (!verify(record.publicKey, recordSigningBytes(record), record.sig))
    return 'ERR_DHT_RECORD_FORGED';
  return undefined;
}
