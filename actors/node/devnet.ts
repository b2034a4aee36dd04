/**
 * startDevnet: N nodes in one process, each with its own data dir and LMDB files, linked by the
 * in-memory network (seeded delay, loss, reorder, partitions and crashes on the injected clock).
 * The operator's node joins through `join()`; tests and demos reach every node and the network.
 */
import { join } from 'node:path';
import { realClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { createRandom } from '../random.js';
import type { Random } from '../random.js';
import { createMemoryNetwork } from '../transports/memory.js';
import type { MemoryFaults, MemoryNetwork } from '../transports/memory-types.js';
import type { PeerInput } from '../../machines/peer/machine.js';
import { createNode } from './create-node.js';
import type { BitDustNode, CreateNodeOptions } from './create-node.js';
import { createPeerDirectory } from './peer-directory.js';
import type { PeerDirectory } from './peer-directory.js';

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
}

export interface Devnet {
  readonly network: MemoryNetwork;
  readonly directory: PeerDirectory;
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
  const directory = createPeerDirectory();
  const join_ = (): NonNullable<CreateNodeOptions['network']> => ({
    directory,
    openTransport: async (nodeId) => network.transport(nodeId),
    ...(options.peerTiming ? { peerTiming: options.peerTiming } : {})
  });
  const nodes: BitDustNode[] = [];
  const stop = async () => {
    for (const node of [...nodes].reverse()) await node.stop();
    await network.close();
  };
  try {
    for (let i = 1; i <= options.nodes; i++) {
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
          network: join_()
        })
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { network, directory, random, nodes, join: join_, stop };
}
