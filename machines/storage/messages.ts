/**
 * Storage payloads carried inside the router's commands (machines/router/messages.ts):
 *
 * - `cmd.request-service` with `service: 'storage'`: payload is msgpack {@link ServiceRequest};
 *   reply `cmd.ack` (accepted) or `cmd.fail` with `ERR_STORAGE_QUOTA` / `ERR_STORAGE_REFUSED`.
 * - `cmd.data { key: shardKey, data: hash(32) ‖ shard }`: reply `cmd.ack` only once durable.
 * - `cmd.retrieve { key: shardKey }`: reply `cmd.data` in the same `hash ‖ shard` form, or
 *   `cmd.fail` `ERR_STORAGE_NOT_FOUND` / `ERR_STORAGE_CORRUPT`.
 * - `cmd.audit { backupId, block, position, leaves, nonce }` (an audit challenge, its own command):
 *   reply `cmd.proof { nonce, proofs }`, each chunk with its Merkle path (actors/storage/audit-proof.ts).
 * - `cmd.list-files { prefix, limit }`: reply `cmd.files` of shard keys and sizes.
 * - `cmd.delete { keys }`, `cmd.cancel-service`: reply `cmd.ack`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { STORAGE_LIMITS } from './keys.js';

/** The service name in `cmd.request-service`. */
export const STORAGE_SERVICE = 'storage';
/** Version of the storage payloads. */
export const STORAGE_PROTOCOL_VERSION = 1;

/** What a customer asks a supplier for. */
export const ServiceRequestSchema = Type.Object(
  {
    v: Type.Literal(STORAGE_PROTOCOL_VERSION),
    /** Bytes the customer expects to store there. */
    neededBytes: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    /** The position this supplier is hired for. */
    position: Type.Integer({ minimum: 0, maximum: STORAGE_LIMITS.maxPositions - 1 }),
    /** The ECC profile name (`rs/4+2`), for the supplier's information. */
    profile: Type.String({ maxLength: 32 })
  },
  { additionalProperties: false }
);
/** A storage service request. */
export type ServiceRequest = Static<typeof ServiceRequestSchema>;
