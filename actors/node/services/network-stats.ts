/**
 * `node.networkStats()`: every counter of the network layer in one JSON-safe object — refusals of
 * raw frames with their reasons, handshakes (started, established by pattern, failed by code),
 * session refusals (replays, forgeries), identity documents (accepted, refused by code), and the
 * router's, DHT's and raw transport's own counters.
 */
import type { Codec } from '../../wire/index.js';
import type { RouterStats } from '../../router/index.js';
import type { DhtStats } from '../../dht/index.js';
import type { peerMessages } from '../../../machines/peer/messages.js';
import type { ChannelStats } from '../../net/secure-channel.js';
import type { DocumentStats } from '../../net/peer-documents.js';
import { copyCounters } from '../../net/net-stats.js';
import type { NetCounters } from '../../net/net-stats.js';
import type { NetRuntime } from './net-runtime.js';

/** Live network counters for the API and tests. */
export interface NetworkStats extends NetCounters {
  /** This node's transport address, while the service is open. */
  address: string | undefined;
  /** The liveness channel's codec counters. */
  codec: ReturnType<Codec<typeof peerMessages>['stats']>;
  /** Frames no peer could take: session frames without a session, stray handshake frames. */
  unknownPeerFrames: number;
  peers: number;
  /** Step-0 ephemerals the replay filter remembers. */
  handshakeReplayFilter: number;
  channel: ChannelStats | undefined;
  documents: DocumentStats;
  router: RouterStats | undefined;
  dht: DhtStats | undefined;
  /** The raw transport's own counters, when it keeps any (tcp, nats). */
  transport: unknown;
}

export function networkStats(s: {
  counters: NetCounters;
  documents: { stats(): DocumentStats };
  liveness: Codec<typeof peerMessages>;
  rt: NetRuntime | undefined;
  peers: number;
}): NetworkStats {
  const raw = s.rt?.raw as { stats?: () => unknown } | undefined;
  return {
    ...copyCounters(s.counters),
    address: s.rt?.raw.address,
    codec: s.liveness.stats(),
    unknownPeerFrames: s.counters.session.noSession + s.counters.refused.stray,
    peers: s.peers,
    handshakeReplayFilter: s.rt?.guard.remembered ?? 0,
    channel: s.rt?.channel.stats(),
    documents: s.documents.stats(),
    router: s.rt?.router.stats(),
    dht: s.rt?.dht.stats(),
    transport: typeof raw?.stats === 'function' ? raw.stats() : undefined
  };
}
