/**
 * What the network service opens each time it starts: the raw transport, the Noise session layer
 * over it, the router on top of the sessions and the DHT on top of the router. The router's
 * `checkSender` holds every envelope's `from` to the node id its session's handshake proved, and
 * its resolver finds a node id's address in the sessions, the DHT's routing table, or the peer's
 * identity document.
 */
import type { Clock } from '../../clock.js';
import type { Random } from '../../random.js';
import { BitDustError } from '../../errors.js';
import type { LocalIdentity } from '../../identity/identity.js';
import { createRouter } from '../../router/index.js';
import type { Router } from '../../router/index.js';
import { createDhtNode } from '../../dht/index.js';
import type { DhtNode, DhtNodeOptions } from '../../dht/index.js';
import type { Transport } from '../../transports/types.js';
import { SecureChannel } from '../../net/secure-channel.js';
import type { PeerDocuments } from '../../net/peer-documents.js';
import { HandshakeGuard } from '../../net/handshake-guard.js';
import type { HandshakeGuardOptions } from '../../net/handshake-guard.js';
import { addressFromContact } from '../../net/contacts.js';

/** DHT settings a network may override (the devnet uses a smaller k and shorter timeouts). */
export type DhtSettings = Partial<
  Omit<DhtNodeOptions, 'router' | 'clock' | 'random' | 'keys' | 'address'>
>;

export interface RuntimeOptions {
  clock: Clock;
  random: Random;
  identity: LocalIdentity;
  raw: Transport;
  /** Asked to start or wake the peer actor of an address the router wants to reach. */
  connect(address: string): void;
  dht?: DhtSettings;
  guard?: Omit<HandshakeGuardOptions, 'clock'>;
  /** Bugs in router handlers (not refusals). */
  onHandlerError?(error: unknown): void;
}

/** One opening of the network service. */
export interface NetRuntime {
  readonly raw: Transport;
  readonly channel: SecureChannel;
  readonly router: Router;
  readonly dht: DhtNode;
  readonly documents: PeerDocuments;
  readonly guard: HandshakeGuard;
}

export function createNetRuntime(o: RuntimeOptions, documents: PeerDocuments): NetRuntime {
  const nodeId = o.identity.document.body.id;
  const channel = new SecureChannel({ raw: o.raw, connect: o.connect, clock: o.clock });
  const guard = new HandshakeGuard({ clock: o.clock, ...o.guard });
  const kind = o.raw.kind;
  const late: { dht?: DhtNode } = {};
  /** Sessions first, then the routing table, a known document, a DHT lookup, the identities layer. */
  const resolve = async (id: string): Promise<string | undefined> => {
    const known =
      channel.addressOf(id) ??
      late.dht?.addressOf(id) ??
      addressFromContact(kind, documents.contact(id, kind));
    if (known !== undefined || !late.dht) return known;
    const found = await late.dht.findNode(id);
    if (found.contact) return found.contact.address;
    const { records } = await late.dht.get('identities', id);
    for (const record of records) {
      if (record.publisher !== id) continue;
      try {
        documents.accept(record.value, id);
      } catch {
        continue; // counted by the document store; a forged or stale record is no route
      }
      return addressFromContact(kind, documents.contact(id, kind));
    }
    return undefined;
  };
  const router = createRouter({
    nodeId,
    transport: channel.transport,
    clock: o.clock,
    random: o.random,
    resolve,
    // The sessions deliver only what they decrypted, with the address of the session: the
    // envelope's claimed sender must be the node that session's handshake authenticated.
    checkSender: (address, from) => channel.get(address)?.nodeId === from,
    // Many small requests from one peer (10,000 messages in a burst) must not evict entries
    // early: eviction raises the replay floor and would refuse that peer's retries as stale.
    seenCapacity: 65_536,
    ...(o.onHandlerError ? { onHandlerError: (err: unknown) => o.onHandlerError?.(err) } : {})
  });
  router.handle('cmd.identity', (envelope) => {
    // A node pushes its own new revision; a bad signature or a lower revision is refused.
    documents.accept(envelope.body.document, envelope.from);
    return { type: 'cmd.ack', body: { v: 1 } };
  });
  const dht = createDhtNode({
    router,
    clock: o.clock,
    random: o.random,
    keys: o.identity.keys,
    address: o.raw.address,
    ...o.dht
  });
  late.dht = dht;
  return { raw: o.raw, channel, router, dht, documents, guard };
}

/** The runtime, or a clear error when the service is not open. */
export function needRuntime(rt: NetRuntime | undefined): NetRuntime {
  if (!rt) throw new BitDustError('ERR_NETWORK_NOT_OPEN', 'the network service is not open');
  return rt;
}
