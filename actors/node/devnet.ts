/**
 * startDevnet: N nodes in one process, each with its own data dir and LMDB files, linked by the
 * in-memory network (seeded delay, loss, reorder, partitions and crashes on the injected clock).
 * A node's memory address is its node id. Every node joins the DHT through the first one (the
 * devnet's seed), so discovery is the real thing and still fast. The operator's node joins
 * through `join()`; tests and demos reach every node and the network.
 */
import { join } from 'node:path';
import { realClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { createRandom } from '../random.js';
import type { Random } from '../random.js';
import { createMemoryNetwork } from '../transports/memory.js';
import type { MemoryFaults, MemoryNetwork } from '../transports/memory-types.js';
import type { PeerInput } from '../../machines/peer/machine.js';
import type { DhtSettings } from './services/net-runtime.js';
import type { NetLogger } from './services/network.js';
import type { Transport } from '../transports/types.js';
import { createNode } from './create-node.js';
import type { BitDustNode, CreateNodeOptions } from './create-node.js';
import type { ServiceDefinition } from './service-graph.js';

export interface DevnetOptions {
  /** How many peers to start. */
  nodes: number;
  /** Each peer keeps its data in `<baseDir>/peer-<i>`. */
  baseDir: string;
  clock?: Clock;
  /** Seeds the network's faults and every node's randomness: same seed, same run. */
  seed?: number;
  faults?: Partial<MemoryFaults>;
  peerTiming?: Omit<PeerInput, 'peerId'>;
  /** DHT settings of every node. Default k = 8 (a devnet is small). */
  dht?: DhtSettings;
  /** Discovery tick of every node. Default 1 s. */
  discoveryIntervalMs?: number;
  /** Sees every frame a node sends, before the network (tests check what crosses the wire). */
  tap?: (from: string, to: string, frame: Uint8Array) => void;
  /** Where the nodes' network layers log refusals and sessions. */
  logger?: NetLogger;
  /**
   * Services each peer runs besides store, identity and network (e.g. storage as a supplier);
   * `attach` is called with the node once it exists.
   */
  services?: (index: number) => {
    definitions: ServiceDefinition[];
    attach?(node: BitDustNode): void;
  };
}

export interface Devnet {
  readonly network: MemoryNetwork;
  readonly random: Random;
  readonly nodes: BitDustNode[];
  /** The `network` option that makes another node (the operator's) a member of this devnet. */
  join(): NonNullable<CreateNodeOptions['network']>;
  /** Stops every peer (last started first), then the network. */
  stop(): Promise<void>;
}

export async function startDevnet(options: DevnetOptions): Promise<Devnet> {
  const clock = options.clock ?? realClock;
  const random = createRandom(options.seed);
  const network = createMemoryNetwork({ clock, random, ...options.faults });
  const nodes: BitDustNode[] = [];
  const tap = options.tap;
  const tapped = (t: Transport): Transport =>
    tap
      ? {
          ...t,
          kind: t.kind,
          address: t.address,
          maxFrameBytes: t.maxFrameBytes,
          send: (to, frame) => {
            tap(t.address, to, Uint8Array.from(frame));
            return t.send(to, frame);
          },
          // Every way out is tapped: a medium's fast paths carry the session traffic.
          ...(t.sendParts && {
            sendParts: (to: string, parts: readonly Uint8Array[]) => {
              tap(t.address, to, Uint8Array.from(Buffer.concat(parts)));
              return t.sendParts!(to, parts);
            }
          }),
          ...(t.sendOwned && {
            sendOwned: (to: string, frame: Uint8Array) => {
              tap(t.address, to, Uint8Array.from(frame));
              return t.sendOwned!(to, frame);
            }
          }),
          onFrame: (h, o) => t.onFrame(h, o),
          close: () => t.close(),
          ...(t.onPeerDown ? { onPeerDown: t.onPeerDown.bind(t) } : {})
        }
      : t;
  const join_ = (): NonNullable<CreateNodeOptions['network']> => ({
    openTransport: async (nodeId) => tapped(network.transport(nodeId)),
    // The first node is everyone's seed; it has none itself.
    seeds: () => (nodes[0] ? [nodes[0].id] : []),
    dht: { k: 8, ...options.dht },
    discoveryIntervalMs: options.discoveryIntervalMs ?? 1_000,
    ...(options.peerTiming ? { peerTiming: options.peerTiming } : {}),
    ...(options.logger ? { logger: options.logger } : {})
  });
  const stop = async () => {
    for (const node of [...nodes].reverse()) await node.stop();
    await network.close();
  };
  try {
    for (let i = 1; i <= options.nodes; i++) {
      const extra = options.services?.(i);
      nodes.push(
        await createNode({
          config: {
            dataDir: join(options.baseDir, `peer-${i}`),
            name: `peer-${i}`,
            seed: random.int(2 ** 32),
            api: false,
            devnet: 0
          },
          clock,
          devnet: true,
          network: join_(),
          ...(extra ? { services: extra.definitions } : {})
        })
      );
      extra?.attach?.(nodes[nodes.length - 1]!);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { network, random, nodes, join: join_, stop };
}
