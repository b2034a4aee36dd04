/**
 * The network service's book of peer actors, one per transport address under the `peers`
 * supervisor: starting them (initiator for a contact or a router frame with no session, responder
 * for a first handshake frame), waking offline ones, retiring long-dead ones and addresses a node
 * has left (it showed up elsewhere), and telling the DHT where a proven node id lives.
 */
import type { AnyActorRef } from 'xstate';
import { childSpec } from '../../supervisor/index.js';
import { peerSystemId } from '../../../machines/peer/machine.js';
import type { PeerInput } from '../../../machines/peer/machine.js';
import type { HandshakeFrame } from '../../../machines/handshake/messages.js';
import type { createPeerLogic } from '../../net/peer-logic.js';
import type { NetCounters } from '../../net/net-stats.js';
import type { NetRuntime } from './net-runtime.js';

/** Peer actors offline after this many failed attempts are retired (unless seeds). */
export const RETIRE_AFTER = 6;

export interface PeerRegistryDeps {
  maxPeers: number;
  peerTiming?: Omit<PeerInput, 'peerId'>;
  counters: NetCounters;
  seeds(): string[];
  /** The actor system, once the transport child runs. */
  system(): { get(id: string): AnyActorRef | undefined } | undefined;
  runtime(): NetRuntime | undefined;
  peerLogic(): ReturnType<typeof createPeerLogic> | undefined;
  /** Wakes discovery (a new session may be its first with a seed). */
  kick(): void;
}

/** The peer actors of one network service. */
export function createPeerRegistry(deps: PeerRegistryDeps) {
  const peers = new Map<string, { seed: boolean }>();
  const nodeAt = new Map<string, string>();

  const peerRef = (address: string) => deps.system()?.get(peerSystemId(address));

  const startPeer = (
    address: string,
    input: { expectedId?: string; firstFrame?: HandshakeFrame }
  ): boolean => {
    const sup = deps.system()?.get('peers');
    const logic = deps.peerLogic();
    if (!sup || !logic || address === deps.runtime()?.raw.address) return false;
    if (!peers.has(address) && peers.size >= deps.maxPeers) return false;
    peers.set(address, { seed: peers.get(address)?.seed ?? deps.seeds().includes(address) });
    const spec = childSpec(peerSystemId(address), logic(address), {
      systemId: peerSystemId(address),
      restart: 'transient',
      shutdown: 'brutal_kill',
      input: { ...deps.peerTiming, ...input, peerId: address }
    });
    sup.send({ type: 'supervisor.start_child', spec });
    return true;
  };

  const stopPeer = (address: string) => {
    peers.delete(address);
    nodeAt.delete(address);
    deps.runtime()?.channel.drop(address);
    deps
      .system()
      ?.get('peers')
      ?.send({
        type: 'supervisor.terminate_child',
        id: peerSystemId(address)
      });
  };

  return {
    peerRef,
    startPeer,

    /** Starts the peer actor of `address`, or wakes it when offline. */
    connect(address: string): void {
      const ref = peerRef(address);
      if (!ref) return void startPeer(address, {});
      if (String(ref.getSnapshot().value) === 'offline') ref.send({ type: 'peer.connect' });
    },

    /** A session with `nodeId` is up at `address`. */
    onEstablished(address: string, nodeId: string): void {
      nodeAt.set(address, nodeId);
      // The same node at another address (it restarted on a new port): that address is stale.
      for (const [other, id] of [...nodeAt]) {
        if (other === address || id !== nodeId || peers.get(other)?.seed) continue;
        deps.counters.stalePeersRemoved++;
        stopPeer(other);
      }
      deps.runtime()?.dht.observe({ id: nodeId, address });
      deps.kick();
    },

    /** A peer actor for every contact; long-dead non-seed peers retired. */
    sync(contacts: { id: string; address: string }[]): void {
      for (const c of contacts) {
        if (!peers.has(c.address)) startPeer(c.address, { expectedId: c.id });
      }
      for (const [address, p] of [...peers]) {
        const snap = peerRef(address)?.getSnapshot() as
          { value: unknown; context: { attempts: number } } | undefined;
        if (!snap) peers.delete(address);
        else if (!p.seed && snap.value === 'offline' && snap.context.attempts >= RETIRE_AFTER) {
          stopPeer(address);
        }
      }
    },

    /**
     * Our own address moved (a relayed node failed over to another router): every peer keyed its
     * session to the old address, so each session is dropped and handshaken again from the new one.
     */
    rehandshakeAll(): void {
      for (const address of deps.runtime()?.channel.addresses() ?? []) {
        const ref = peerRef(address);
        ref?.send({ type: 'peer.unreachable' });
        ref?.send({ type: 'peer.connect' });
      }
    },

    /** Peer actors known now. */
    get size(): number {
      return peers.size;
    },

    /** Forgets every peer (the transport child restarted, or the service closed). */
    clear(): void {
      peers.clear();
      nodeAt.clear();
    }
  };
}

export type PeerRegistry = ReturnType<typeof createPeerRegistry>;
