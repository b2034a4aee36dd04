/**
 * The network service: a rest_for_one supervisor of
 * - `transport`: every raw frame through the inbound checks (actors/net/inbound.ts): handshake
 *   frames to the peer actor of their address (a responder is started for a new one), session
 *   frames opened by that address's Noise session and handed to the peer actor or the router;
 * - `peers`: one_for_one, one `peer.<address>` actor per peer (handshake, session, liveness);
 * - `router`: the command set over the sessions, `from` bound to the handshake-proven node id;
 * - `dht`: the Kademlia node over the router;
 * - `discovery`: joins the DHT through the seeds, publishes the identity, keeps peers for contacts.
 * rest_for_one: if the transport link dies, everything that routes through it restarts with it.
 */
import { fromCallback } from 'xstate';
import type { AnyActorRef } from 'xstate';
import type { Clock } from '../../clock.js';
import type { Random } from '../../random.js';
import type { LocalIdentity } from '../../identity/identity.js';
import { createCodec } from '../../wire/index.js';
import { childSpec, supervisorLogic, supervisorSpec } from '../../supervisor/index.js';
import type { Transport } from '../../transports/types.js';
import type { PeerInput } from '../../../machines/peer/machine.js';
import { peerMessages } from '../../../machines/peer/messages.js';
import { createInbound } from '../../net/inbound.js';
import { createPeerLogic } from '../../net/peer-logic.js';
import { PeerDocuments } from '../../net/peer-documents.js';
import { createNetCounters } from '../../net/net-stats.js';
import type { HandshakeGuardOptions } from '../../net/handshake-guard.js';
import type { ServiceDefinition } from '../service-graph.js';
import { createNetRuntime, needRuntime } from './net-runtime.js';
import type { DhtSettings, NetRuntime } from './net-runtime.js';
import { discoveryLogic } from './discovery.js';
import { createPeerRegistry } from './peer-registry.js';
import { networkStats } from './network-stats.js';
import type { NetworkStats } from './network-stats.js';

export type { NetworkStats } from './network-stats.js';

/**
 * The contact URL to publish for a transport address. A relayed address (`proxy:tcp://R#T`, see
 * docs/proxy.md) is not a URL: it is published as `proxy://R#T` in the list of its base kind.
 */
export function contactAddress(address: string): string {
  const m = /^proxy:[a-z]+:\/\/(.+)$/.exec(address);
  return m ? `proxy://${m[1] as string}` : address;
}

/** A transport whose address changes (a relayed one, when it fails over to another router). */
type Readdressable = Transport & { onAddress?: (h: (address: string) => void) => () => void };

/** A pino-compatible logger subset. */
export interface NetLogger {
  info?(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** How a node is attached to a network (what `createNode({ network })` takes). */
export interface NetworkAttachment {
  /**
   * Opens this node's transport (its memory port, tcp listener or NATS subject). `identity` is
   * there for a transport that needs the node's keys (a proxy router serves with its Noise key);
   * `host`, the network service's actor, for one that runs machines the inspector should show.
   */
  openTransport: (
    nodeId: string,
    identity: LocalIdentity,
    host?: AnyActorRef
  ) => Promise<Transport>;
  /** Transport addresses to join through; read when the service opens. */
  seeds?: string[] | (() => string[]);
  peerTiming?: Omit<PeerInput, 'peerId'>;
  dht?: DhtSettings;
  guard?: Omit<HandshakeGuardOptions, 'clock'>;
  /** Peer actors at most (discovered and inbound). Default 256. */
  maxPeers?: number;
  /** Discovery tick. Default 5 s. */
  discoveryIntervalMs?: number;
  logger?: NetLogger;
  /**
   * Called each time the service opens, with the runtime (its DHT, router); returns what undoes
   * it at close. For what needs the node's DHT but lives beside the transport (a proxy router's
   * announcement, a hidden node's router directory).
   */
  onRuntime?: (rt: NetRuntime) => (() => void) | void;
}

export interface NetworkOptions extends NetworkAttachment {
  clock: Clock;
  random: Random;
  identity: () => LocalIdentity;
  /** The network service's own actor (the `host` given to `openTransport`). */
  host?: () => AnyActorRef | undefined;
  /** Publishes this transport's contact in a new document revision; returns the identity. */
  publishContacts?: (transport: Transport) => Promise<LocalIdentity>;
}

export function networkService(options: NetworkOptions): {
  definition: ServiceDefinition;
  stats: () => NetworkStats;
  runtime: () => NetRuntime | undefined;
} {
  const { clock } = options;
  const counters = createNetCounters();
  const documents = new PeerDocuments(10_000, () => clock.now());
  const liveness = createCodec({ messages: peerMessages, maxFrameBytes: 4096 });
  const maxPeers = options.maxPeers ?? 256;
  const logged: Record<string, number> = {};
  let rt: NetRuntime | undefined;
  let identity: LocalIdentity | undefined;
  let system: { get(id: string): AnyActorRef | undefined } | undefined;
  let peerLogic: ReturnType<typeof createPeerLogic> | undefined;
  let kick = () => undefined as void;
  let offAddress: (() => void) | undefined;
  let offRuntime: (() => void) | undefined;
  const seeds = () =>
    typeof options.seeds === 'function' ? options.seeds() : (options.seeds ?? []);

  const log = (level: 'info' | 'warn', obj: object, msg: string) => {
    if (level === 'warn') options.logger?.warn(obj, msg);
    else options.logger?.info?.(obj, msg);
  };
  // A flood must not flood the log: each refusal reason is logged at 1, 2, 4, 8, ... occurrences.
  const logRefusal = (reason: string, address: string, detail?: string) => {
    const n = (logged[reason] = (logged[reason] ?? 0) + 1);
    if ((n & (n - 1)) === 0) log('warn', { reason, address, detail, count: n }, 'frame refused');
  };

  const registry = createPeerRegistry({
    maxPeers,
    ...(options.peerTiming ? { peerTiming: options.peerTiming } : {}),
    counters,
    seeds,
    system: () => system,
    runtime: () => rt,
    peerLogic: () => peerLogic,
    kick: () => kick()
  });
  const { peerRef, connect } = registry;

  const transportLink = fromCallback(({ system: sys }) => {
    const r = needRuntime(rt);
    system = sys;
    // A restart of this child restarts every later sibling (rest_for_one): nothing survives.
    registry.clear();
    r.channel.clear();
    const inbound = createInbound({
      ownAddress: r.raw.address,
      channel: r.channel,
      guard: r.guard,
      liveness,
      counters,
      peer: peerRef,
      startResponder: (address, frame) => registry.startPeer(address, { firstFrame: frame }),
      log: logRefusal
    });
    const offFrame = r.raw.onFrame(inbound, { borrow: true });
    const offDown = r.raw.onPeerDown?.((address) =>
      peerRef(address)?.send({ type: 'peer.unreachable' })
    );
    return () => {
      offFrame();
      offDown?.();
    };
  });

  const routerLink = fromCallback(() => {
    const router = needRuntime(rt).router;
    router.start();
    return () => router.stop();
  });
  const dhtLink = fromCallback(() => {
    const dht = needRuntime(rt).dht;
    dht.start();
    return () => dht.stop();
  });
  const discovery = discoveryLogic({
    clock,
    intervalMs: options.discoveryIntervalMs ?? 5_000,
    maxPeers,
    seeds,
    runtime: () => needRuntime(rt),
    identityDocument: () => (identity ?? options.identity()).document.bytes,
    connect,
    sync: (contacts) => registry.sync(contacts),
    setKick: (fn) => void (kick = fn),
    log
  });

  const definition: ServiceDefinition = {
    name: 'network',
    dependsOn: ['identity'],
    open: async () => {
      identity = options.identity();
      const raw: Readdressable = await options.openTransport(
        identity.document.body.id,
        identity,
        options.host?.()
      );
      const publish = options.publishContacts;
      const contactView = (address: string): Transport => ({
        ...raw,
        kind: raw.kind,
        address: contactAddress(address)
      });
      try {
        // A relayed node without a circuit yet has no address to publish (docs/proxy.md).
        if (publish && raw.address !== '') identity = await publish(contactView(raw.address));
      } catch (err) {
        await raw.close();
        throw err;
      }
      // A relayed node's address moves with its router: the document follows it.
      let current = raw.address;
      offAddress = raw.onAddress?.((address) => {
        if (!address || address === current) return;
        current = address;
        registry.rehandshakeAll();
        if (!publish) return;
        publish(contactView(address)).then(
          (next) => {
            identity = next;
            // Peers resolve a node they hold no session with by its document in the DHT.
            rt?.dht
              .put('identities', next.document.body.id, next.document.bytes)
              .catch(() => undefined);
          },
          (err: unknown) => log('warn', { err: String(err), address }, 'contact not republished')
        );
      });
      rt = createNetRuntime(
        {
          clock,
          random: options.random,
          identity,
          raw,
          connect,
          ...(options.dht ? { dht: options.dht } : {}),
          ...(options.guard ? { guard: options.guard } : {}),
          onHandlerError: (err) => log('warn', { err: String(err) }, 'router handler bug')
        },
        documents
      );
      offRuntime = options.onRuntime?.(rt) ?? undefined;
      peerLogic = createPeerLogic({
        identity,
        clock,
        random: options.random,
        raw,
        channel: rt.channel,
        liveness,
        documents,
        counters,
        onEstablished: (address, nodeId) => registry.onEstablished(address, nodeId),
        onUnreachable: (address) => peerRef(address)?.send({ type: 'peer.unreachable' }),
        log
      });
    },
    run: {
      logic: supervisorLogic,
      input: {
        name: 'network',
        strategy: 'rest_for_one',
        intensity: 5,
        periodMs: 30_000,
        backoff: { initialMs: 500, maxMs: 10_000 },
        children: [
          childSpec('transport', transportLink, { systemId: 'transport', shutdown: 'brutal_kill' }),
          supervisorSpec(
            'peers',
            { strategy: 'one_for_one', intensity: 50, periodMs: 10_000 },
            { systemId: 'peers' }
          ),
          childSpec('router', routerLink, { systemId: 'router', shutdown: 'brutal_kill' }),
          childSpec('dht', dhtLink, { systemId: 'dht', shutdown: 'brutal_kill' }),
          childSpec('discovery', discovery, { systemId: 'discovery', shutdown: 'brutal_kill' })
        ]
      }
    },
    close: async () => {
      offAddress?.();
      offAddress = undefined;
      offRuntime?.();
      offRuntime = undefined;
      const open = rt;
      rt = undefined;
      peerLogic = undefined;
      registry.clear();
      open?.channel.clear();
      await open?.raw.close();
    }
  };
  return {
    definition,
    stats: () => networkStats({ counters, documents, liveness, rt, peers: registry.size }),
    runtime: () => rt
  };
}
