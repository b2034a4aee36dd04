/**
 * Wire schema of the Kademlia DHT operations: ping, find-node, find-value and store, and their two
 * reply bodies (a list of contacts, or records plus contacts). Every count and size has a cap so a
 * reply from a hostile node is bounded before anything looks at it. All schemas are closed
 * (`additionalProperties: false`): a new field means a new message type (docs/wire.md).
 */
import { Type, type Static } from '@sinclair/typebox';

/** Version of the DHT message bodies. */
export const DHT_PROTOCOL_VERSION = 1;

/** Caps shared by the schemas, the record store and the docs. */
export const DHT_LIMITS = {
  /** Contacts in one reply: the largest bucket size k a node may run with. */
  maxContacts: 20,
  /** Records in one find-value reply (one per publisher of a key). */
  maxRecords: 32,
  /** Opaque value of one record. */
  maxValueBytes: 4096,
  /** Name of a record inside its layer. */
  maxNameLength: 128,
  /** Transport address of a contact (`tcp://host:port`, a NATS subject, a memory name). */
  maxAddressLength: 256,
  /** Layer numbers: 1..255 (0 is reserved). */
  maxLayer: 255
} as const;

/** A node id or a record key: lowercase base32 of 160 bits, 32 characters. */
export const DhtId = Type.String({ pattern: '^[a-z2-7]{32}$' });

/** A node as the DHT knows it: its id and where its transport listens. */
export const DhtContact = Type.Object(
  { id: DhtId, address: Type.String({ minLength: 1, maxLength: DHT_LIMITS.maxAddressLength }) },
  { additionalProperties: false }
);
/** A node as the DHT knows it. */
export type DhtContact = Static<typeof DhtContact>;

/**
 * A signed record. The storing key is derived from `layer` and `name`; `publisher` must be the id of
 * `publicKey`, and `sig` covers every other field, so no node on the path can alter or re-date it.
 */
export const DhtRecord = Type.Object(
  {
    layer: Type.Integer({ minimum: 1, maximum: DHT_LIMITS.maxLayer }),
    name: Type.String({ maxLength: DHT_LIMITS.maxNameLength }),
    publisher: DhtId,
    publicKey: Type.Uint8Array({ minByteLength: 32, maxByteLength: 32 }),
    /** Publisher's revision: a store only replaces a record of the same publisher with a newer one. */
    seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    /** Absolute expiry on the publisher's clock, ms; receivers also cap the remaining lifetime. */
    expiresAt: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    value: Type.Uint8Array({ maxByteLength: DHT_LIMITS.maxValueBytes }),
    sig: Type.Uint8Array({ minByteLength: 64, maxByteLength: 64 })
  },
  { additionalProperties: false }
);
/** A signed record. */
export type DhtRecord = Static<typeof DhtRecord>;

const V = Type.Literal(DHT_PROTOCOL_VERSION);
const Contacts = Type.Array(DhtContact, { maxItems: DHT_LIMITS.maxContacts });

/** `dht.ping`: are you there? Answered with `cmd.ack`. */
export const DhtPing = Type.Object({ v: V }, { additionalProperties: false });
/** `dht.find-node`: the k contacts you know closest to `target`. Answered with `dht.nodes`. */
export const DhtFindNode = Type.Object({ v: V, target: DhtId }, { additionalProperties: false });
/** `dht.find-value`: your records under `key`, or your closest contacts. Answered with `dht.value`. */
export const DhtFindValue = Type.Object({ v: V, key: DhtId }, { additionalProperties: false });
/** `dht.store`: keep this record. Answered with `cmd.ack` or `cmd.fail`. */
export const DhtStore = Type.Object({ v: V, record: DhtRecord }, { additionalProperties: false });
/** `dht.nodes`: reply to find-node. */
export const DhtNodes = Type.Object({ v: V, nodes: Contacts }, { additionalProperties: false });
/** `dht.value`: reply to find-value; `records` may be empty, then `nodes` leads on. */
export const DhtValue = Type.Object(
  { v: V, records: Type.Array(DhtRecord, { maxItems: DHT_LIMITS.maxRecords }), nodes: Contacts },
  { additionalProperties: false }
);

/** Message types of the DHT, keyed by envelope `type`, for the wire codec's registry. */
export const dhtMessages = {
  'dht.ping': DhtPing,
  'dht.find-node': DhtFindNode,
  'dht.find-value': DhtFindValue,
  'dht.store': DhtStore,
  'dht.nodes': DhtNodes,
  'dht.value': DhtValue
} as const;
