/**
 * Wire schema of the command set the router carries: BitDust's P2P commands (Identity, Ack, Fail,
 * RequestService, CancelService, Data, Retrieve, ListFiles, Files, Delete, Message, Relay, and the
 * storage audit pair Audit → Proof) as `cmd.*` types, plus the DHT operations (`dht.*`, defined in machines/dht/messages.ts). Every body
 * carries its version `v` and caps on sizes and counts, so the codec refuses oversized or
 * overlong bodies before any handler runs. All schemas are closed (docs/wire.md, versioning rule).
 *
 * {@link ROUTER_REPLIES} is the original's `P2PCommandAcks`: which replies each request accepts.
 * A reply carries its request's envelope `id`; the router matches on (peer, id) and type.
 */
import { Type, type Static } from '@sinclair/typebox';
import { dhtMessages } from '../dht/messages.js';

/** Version of the `cmd.*` bodies. */
export const ROUTER_PROTOCOL_VERSION = 1;

/** Caps on command bodies. The frame cap (1 MiB) bounds the sum; these bound each field. */
export const ROUTER_LIMITS = {
  maxIdentityBytes: 16_384,
  maxServicePayloadBytes: 16_384,
  /** A stored piece: leaves room for the envelope inside a 1 MiB frame. */
  maxDataBytes: 1_000_000,
  maxMessageBytes: 65_536,
  /** A relayed frame for a third node: a whole data envelope plus its header. */
  maxRelayBytes: 1_040_000,
  maxKeyLength: 256,
  maxFiles: 1000,
  maxDeleteKeys: 100,
  maxReasonLength: 256,
  /** Chunks one audit challenge asks for. */
  maxAuditLeaves: 8,
  /** A challenge's nonce: 16 to 32 random bytes, echoed by the proof. */
  minNonceBytes: 16,
  maxNonceBytes: 32,
  /** One proved chunk (audits use 16 KiB chunks; room for larger ones). */
  maxProofChunkBytes: 65_536,
  /** Sibling hashes of one Merkle path: a tree has at most 2^24 leaves (actors/storage/merkle.ts). */
  maxProofDepth: 24,
  /** Leaves (chunks) of one shard's tree. */
  maxLeaves: 1 << 24,
  /** Blocks of one backup (machines/storage/keys.ts). */
  maxBlock: 99_999_999
} as const;

const V = Type.Literal(ROUTER_PROTOCOL_VERSION);
const closed = { additionalProperties: false } as const;
const Bytes = (max: number) => Type.Uint8Array({ maxByteLength: max });
const Key = Type.String({ minLength: 1, maxLength: ROUTER_LIMITS.maxKeyLength });
const Service = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,63}$' });
const BackupId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$' });
const Nonce = Type.Uint8Array({
  minByteLength: ROUTER_LIMITS.minNonceBytes,
  maxByteLength: ROUTER_LIMITS.maxNonceBytes
});
const Leaf = Type.Integer({ minimum: 0, maximum: ROUTER_LIMITS.maxLeaves - 1 });

/** Error codes travel as `ERR_<AREA>_<WHAT>`. */
export const FailCode = Type.String({ pattern: '^ERR_[A-Z0-9_]{1,60}$' });

/** The command bodies, keyed by envelope type. */
export const commandMessages = {
  'cmd.identity': Type.Object({ v: V, document: Bytes(ROUTER_LIMITS.maxIdentityBytes) }, closed),
  'cmd.ack': Type.Object(
    { v: V, note: Type.Optional(Type.String({ maxLength: ROUTER_LIMITS.maxReasonLength })) },
    closed
  ),
  'cmd.fail': Type.Object(
    { v: V, code: FailCode, reason: Type.String({ maxLength: ROUTER_LIMITS.maxReasonLength }) },
    closed
  ),
  'cmd.request-service': Type.Object(
    { v: V, service: Service, payload: Bytes(ROUTER_LIMITS.maxServicePayloadBytes) },
    closed
  ),
  'cmd.cancel-service': Type.Object(
    { v: V, service: Service, payload: Bytes(ROUTER_LIMITS.maxServicePayloadBytes) },
    closed
  ),
  'cmd.data': Type.Object({ v: V, key: Key, data: Bytes(ROUTER_LIMITS.maxDataBytes) }, closed),
  'cmd.retrieve': Type.Object({ v: V, key: Key }, closed),
  'cmd.list-files': Type.Object(
    {
      v: V,
      prefix: Type.String({ maxLength: ROUTER_LIMITS.maxKeyLength }),
      limit: Type.Integer({ minimum: 1, maximum: ROUTER_LIMITS.maxFiles }),
      /** Paging: only keys ≥ `start` (optional, so older peers' requests still decode). */
      start: Type.Optional(Type.String({ maxLength: ROUTER_LIMITS.maxKeyLength + 1 }))
    },
    closed
  ),
  'cmd.files': Type.Object(
    {
      v: V,
      files: Type.Array(
        Type.Object(
          { key: Key, size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) },
          closed
        ),
        { maxItems: ROUTER_LIMITS.maxFiles }
      ),
      /** More files than fit: ask again from after the last key (`start`) or a narrower prefix. */
      more: Type.Boolean()
    },
    closed
  ),
  'cmd.delete': Type.Object(
    { v: V, keys: Type.Array(Key, { minItems: 1, maxItems: ROUTER_LIMITS.maxDeleteKeys }) },
    closed
  ),
  /**
   * A storage audit challenge: prove holding chunks `leaves` of the shard at `position` of block
   * `block` of backup `backupId`; `nonce` is fresh per challenge and must come back in the proof.
   */
  'cmd.audit': Type.Object(
    {
      v: V,
      backupId: BackupId,
      block: Type.Integer({ minimum: 0, maximum: ROUTER_LIMITS.maxBlock }),
      position: Type.Integer({ minimum: 0, maximum: 255 }),
      leaves: Type.Array(Leaf, {
        minItems: 1,
        maxItems: ROUTER_LIMITS.maxAuditLeaves,
        uniqueItems: true
      }),
      nonce: Nonce
    },
    closed
  ),
  /** The answer to `cmd.audit`: each challenged chunk with its Merkle path, in challenge order. */
  'cmd.proof': Type.Object(
    {
      v: V,
      nonce: Nonce,
      proofs: Type.Array(
        Type.Object(
          {
            leaf: Leaf,
            chunk: Bytes(ROUTER_LIMITS.maxProofChunkBytes),
            path: Type.Array(Type.Uint8Array({ minByteLength: 32, maxByteLength: 32 }), {
              maxItems: ROUTER_LIMITS.maxProofDepth
            })
          },
          closed
        ),
        { minItems: 1, maxItems: ROUTER_LIMITS.maxAuditLeaves }
      )
    },
    closed
  ),
  'cmd.message': Type.Object({ v: V, payload: Bytes(ROUTER_LIMITS.maxMessageBytes) }, closed),
  'cmd.relay': Type.Object(
    {
      v: V,
      target: Type.String({ pattern: '^[a-z2-7]{32}$' }),
      payload: Bytes(ROUTER_LIMITS.maxRelayBytes)
    },
    closed
  )
} as const;

/** Every message type the router's codec accepts. */
export const routerMessages = { ...commandMessages, ...dhtMessages } as const;
/** The router's message registry. */
export type RouterMessages = typeof routerMessages;
/** Any message type the router carries. */
export type RouterMessageType = keyof RouterMessages;
/** The body of message type `T`. */
export type RouterBody<T extends RouterMessageType> = Static<RouterMessages[T]>;

/** Which replies each request accepts (`cmd.fail` is always accepted too). */
export const ROUTER_REPLIES = {
  'cmd.identity': ['cmd.ack'],
  'cmd.request-service': ['cmd.ack'],
  'cmd.cancel-service': ['cmd.ack'],
  'cmd.data': ['cmd.ack'],
  'cmd.retrieve': ['cmd.data'],
  'cmd.list-files': ['cmd.files'],
  'cmd.files': ['cmd.ack'],
  'cmd.delete': ['cmd.ack'],
  'cmd.audit': ['cmd.proof'],
  'cmd.message': ['cmd.ack'],
  'cmd.relay': ['cmd.ack'],
  'dht.ping': ['cmd.ack'],
  'dht.find-node': ['dht.nodes'],
  'dht.find-value': ['dht.value'],
  'dht.store': ['cmd.ack']
} as const satisfies Partial<Record<RouterMessageType, readonly RouterMessageType[]>>;

/** A type that is sent as a request and expects a reply. */
export type RouterRequestType = keyof typeof ROUTER_REPLIES;
/** The reply types request `T` accepts besides `cmd.fail`. */
export type RouterReplyType<T extends RouterRequestType> = (typeof ROUTER_REPLIES)[T][number];

/** A reply a handler returns: a type and its body. */
export type RouterReply<T extends RouterRequestType = RouterRequestType> = {
  [K in RouterReplyType<T> | 'cmd.fail']: { type: K; body: RouterBody<K> };
}[RouterReplyType<T> | 'cmd.fail'];

/** Types that only ever travel as replies: an unmatched one is dropped, never handled. */
export const REPLY_ONLY_TYPES: ReadonlySet<string> = new Set([
  'cmd.ack',
  'cmd.fail',
  'cmd.proof',
  'dht.nodes',
  'dht.value'
]);

/**
 * Requests that only read: running one twice gives the same answer and changes nothing, so a
 * receiver may run a retry again instead of keeping a large reply for it.
 */
export const READ_ONLY_TYPES: ReadonlySet<string> = new Set([
  'cmd.retrieve',
  'cmd.list-files',
  'cmd.audit',
  'dht.ping',
  'dht.find-node',
  'dht.find-value'
]);

/** Whether `type` is a request the router knows the replies of. */
export function isRequestType(type: string): type is RouterRequestType {
  return Object.hasOwn(ROUTER_REPLIES, type);
}

/** Whether `reply` is an acceptable reply type for request `request`. */
export function acceptsReply(request: string, reply: string): boolean {
  if (reply === 'cmd.fail') return true;
  return isRequestType(request) && (ROUTER_REPLIES[request] as readonly string[]).includes(reply);
}
