/**
 * The network service: a rest_for_one supervisor of
 * - `transport`: frames in from the node's transport, decoded (size cap first) and routed to the
 *   peer actor they come from; decode errors are counted, never thrown;
 * - `peers`: a one_for_one supervisor with one `peer.<id>` liveness actor per known peer;
 * - `discovery`: watches the peer directory and starts or stops peer actors as peers come and go.
 * rest_for_one: if the transport link dies, everything that routes through it restarts with it.
 */
import { fromCallback } from 'xstate';
import type { AnyActorRef } from 'xstate';
import type { Clock } from '../../clock.js';
import { createCodec, DecodeError, WIRE_VERSION } from '../../wire/index.js';
import type { Codec } from '../../wire/index.js';
import { childSpec, supervisorLogic, supervisorSpec } from '../../supervisor/index.js';
import { peerMachine, peerSystemId } from '../../../machines/peer/machine.js';
import type { PeerInput, PeerSendParams } from '../../../machines/peer/machine.js';
import { peerMessages, PEER_PROTOCOL_VERSION } from '../../../machines/peer/messages.js';
import type { PeerDirectory } from '../peer-directory.js';
import type { Transport } from '../../transports/types.js';
import type { ServiceDefinition } from '../service-graph.js';

export interface NetworkOptions {
  clock: Clock;
  /** The node id, known once the identity service is up. */
  nodeId: () => string;
  /** Opens this node's transport (e.g. its port on the devnet's memory network). */
  openTransport: (nodeId: string) => Promise<Transport>;
  directory: PeerDirectory;
  peerTiming?: Omit<PeerInput, 'peerId'>;
  /** Called for every frame that failed to decode (already counted by the codec). */
  onDecodeError?: (from: string, err: DecodeError) => void;
}

/** Live network counters for the API: the codec's, plus frames from unknown peers. */
export interface NetworkStats {
  codec: ReturnType<Codec<typeof peerMessages>['stats']> | undefined;
  unknownPeerFrames: number;
}

export function networkService(options: NetworkOptions): {
  definition: ServiceDefinition;
  stats: () => NetworkStats;
} {
  const codec = createCodec({ messages: peerMessages, maxFrameBytes: 1 << 20 });
  let transport: Transport | undefined;
  let unknownPeerFrames = 0;
  let nextId = 0;

  const send = (to: string, params: PeerSendParams): void => {
    const link = transport;
    if (!link) return;
    const frame = codec.encode({
      v: WIRE_VERSION,
      type: params.type,
      id: `${PEER_PROTOCOL_VERSION}.${(nextId = (nextId + 1) % Number.MAX_SAFE_INTEGER)}`,
      from: options.nodeId(),
      to,
      ts: Math.floor(options.clock.now()),
      body: params.body
    });
    void link.send(to, frame).catch(() => undefined);
  };

  const peerLogic = (peerId: string) =>
    peerMachine.provide({ actions: { send: (_, params: PeerSendParams) => send(peerId, params) } });

  const transportLink = fromCallback(({ system }) => {
    const link = transport;
    if (!link) throw new Error('transport is not open');
    return link.onFrame((from, frame) => {
      let envelope;
      try {
        envelope = codec.decode(frame);
      } catch (err) {
        if (err instanceof DecodeError) return options.onDecodeError?.(from, err);
        throw err;
      }
      const peer = system.get(peerSystemId(envelope.from)) as AnyActorRef | undefined;
      if (!peer) {
        unknownPeerFrames += 1;
        return;
      }
      peer.send({ type: envelope.type, seq: envelope.body.seq });
    });
  });

  const discovery = fromCallback(({ system }) => {
    const peers = () => system.get('peers') as AnyActorRef | undefined;
    const started = new Set<string>();
    const sync = (ids: string[]) => {
      const self = options.nodeId();
      const wanted = new Set(ids.filter((id) => id !== self));
      for (const id of wanted) {
        if (started.has(id)) continue;
        started.add(id);
        const spec = childSpec(peerSystemId(id), peerLogic(id), {
          systemId: peerSystemId(id),
          restart: 'permanent',
          shutdown: 'brutal_kill',
          input: { ...options.peerTiming, peerId: id }
        });
        peers()?.send({ type: 'supervisor.start_child', spec });
      }
      for (const id of [...started]) {
        if (wanted.has(id)) continue;
        started.delete(id);
        peers()?.send({ type: 'supervisor.terminate_child', id: peerSystemId(id) });
      }
    };
    sync(options.directory.list());
    return options.directory.subscribe(sync);
  });

  const definition: ServiceDefinition = {
    name: 'network',
    dependsOn: ['identity'],
    open: async () => {
      transport = await options.openTransport(options.nodeId());
      options.directory.join(options.nodeId());
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
            {
              systemId: 'peers'
            }
          ),
          childSpec('discovery', discovery, { systemId: 'discovery', shutdown: 'brutal_kill' })
        ]
      }
    },
    close: async () => {
      options.directory.leave(options.nodeId());
      const link = transport;
      transport = undefined;
      await link?.close();
    }
  };
  return { definition, stats: () => ({ codec: codec.stats(), unknownPeerFrames }) };
}
