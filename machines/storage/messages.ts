/**
 * Storage payloads carried inside the router's commands (machines/router/messages.ts), so storage
 * needs no new wire types:
 *
 * - `cmd.request-service` with `service: 'storage'`: payload is msgpack {@link ServiceRequest};
 *   reply `cmd.ack` (accepted) or `cmd.fail` with `ERR_STORAGE_QUOTA` / `ERR_STORAGE_REFUSED`.
 * - `cmd.data { key: shardKey, data: hash(32) ‖ shard }`: reply `cmd.ack` only once durable.
 * - `cmd.retrieve { key: shardKey }`: reply `cmd.data` in the same `hash ‖ shard` form, or
 *   `cmd.fail` `ERR_STORAGE_NOT_FOUND` / `ERR_STORAGE_CORRUPT`.
 * - `cmd.retrieve { key: shardKey#chunk }` (an audit challenge): reply `cmd.data` whose data is
 *   {@link AuditAnswer} as msgpack.
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

/** An answer to an audit challenge. */
export const AuditAnswerSchema = Type.Object(
  {
    v: Type.Literal(STORAGE_PROTOCOL_VERSION),
    chunk: Type.Uint8Array({ maxByteLength: STORAGE_LIMITS.maxShardBytes }),
    /** merkle.ts encoding. */
    proof: Type.Uint8Array({ maxByteLength: 9 + 32 * 32 })
  },
  { additionalProperties: false }
);
/** An audit answer. */
export type AuditAnswer = Static<typeof AuditAnswerSchema>;
