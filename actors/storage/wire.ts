/**
 * Encoding of the storage payloads (machines/storage/messages.ts) at the edge: `hash ‖ shard`
 * pieces and service requests. Anything malformed is ERR_STORAGE_FORMAT.
 */
import { Value } from '@sinclair/typebox/value';
import { packPlain, unpackPlain } from '../wire/index.js';
import { ServiceRequestSchema, type ServiceRequest } from '../../machines/storage/messages.js';
import { STORAGE_LIMITS } from '../../machines/storage/keys.js';
import { StorageError } from './errors.js';
import { HASH_BYTES, sameBytes } from './hash.js';
import { shardHash } from './merkle.js';

/** `hash ‖ shard`, the hash computed here. */
export function packPiece(shard: Uint8Array, hash = shardHash(shard)): Uint8Array {
  if (shard.length > STORAGE_LIMITS.maxShardBytes) {
    throw new StorageError('ERR_STORAGE_ARGUMENT', `shard of ${shard.length} bytes is too large`);
  }
  const out = new Uint8Array(HASH_BYTES + shard.length);
  out.set(hash, 0);
  out.set(shard, HASH_BYTES);
  return out;
}

/** Checks a piece's size: a hash and a shard of at most `maxShardBytes`. */
export function checkPiece(piece: Uint8Array): void {
  if (piece.length < HASH_BYTES) throw new StorageError('ERR_STORAGE_FORMAT', 'piece too short');
  if (piece.length - HASH_BYTES > STORAGE_LIMITS.maxShardBytes) {
    throw new StorageError('ERR_STORAGE_ARGUMENT', `piece of ${piece.length} bytes is too large`);
  }
}

/**
 * Splits a piece into its announced hash and shard without hashing: for a caller that checks the
 * shard against the hash itself (the supplier store on put, the block pool on restore).
 */
export function splitPiece(data: Uint8Array): { hash: Uint8Array; shard: Uint8Array } {
  checkPiece(data);
  return { hash: data.slice(0, HASH_BYTES), shard: data.subarray(HASH_BYTES) };
}

/**
 * Splits a piece into its announced hash and shard and checks that they match:
 * ERR_STORAGE_FORMAT when too short, ERR_STORAGE_HASH_MISMATCH when they differ.
 */
export function unpackPiece(data: Uint8Array): { hash: Uint8Array; shard: Uint8Array } {
  if (data.length < HASH_BYTES) throw new StorageError('ERR_STORAGE_FORMAT', 'piece too short');
  const hash = data.slice(0, HASH_BYTES);
  const shard = data.subarray(HASH_BYTES);
  if (!sameBytes(shardHash(shard), hash)) {
    throw new StorageError('ERR_STORAGE_HASH_MISMATCH', 'piece does not match its hash');
  }
  return { hash, shard };
}

function decode<T>(schema: Parameters<typeof Value.Check>[0], bytes: Uint8Array, what: string): T {
  let value: unknown;
  try {
    value = unpackPlain(bytes);
  } catch (cause) {
    throw new StorageError('ERR_STORAGE_FORMAT', `${what} does not decode`, { cause });
  }
  if (!Value.Check(schema, value)) {
    throw new StorageError('ERR_STORAGE_FORMAT', `${what} does not match its schema`);
  }
  return value as T;
}

/** Encodes a service request payload. */
export const encodeServiceRequest = (r: ServiceRequest): Uint8Array => packPlain(r);
/** Decodes a service request payload. */
export const decodeServiceRequest = (bytes: Uint8Array): ServiceRequest =>
  decode<ServiceRequest>(ServiceRequestSchema, bytes, 'service request');
