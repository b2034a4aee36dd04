/**
 * A DHT devnet for tests and the benchmark: N nodes, each a router plus a DHT node, on one memory
 * network driven by a simulated clock. Keys come from the seed too, so a seed replays a whole run:
 * the same ids, the same tables, the same lookups.
 */
import type { Clock } from '../clock.js';
import { TestClock } from '../clock.js';
import { createRandom, type Random } from '../random.js';
import { sodium } from '../crypto/sodium.js';
import { keyPairFromSecret } from '../crypto/primitives.js';
import { nodeIdFromKey, type IdentityKeys } from '../identity/keys.js';
import { createMemoryNetwork, type MemoryFaults, type MemoryNetwork } from '../transports/index.js';
import { createRouter } from '../router/router.js';
import type { Router } from '../router/types.js';
import { createDhtNode } from './dht-node.js';
import type { DhtNode, DhtNodeOptions } from './types.js';

/** Identity keys from a seeded generator (simulation only: real keys come from the CSPRNG). */
export function seededKeys(random: Random): IdentityKeys {
  const seed = Buffer.from(Array.from({ length: 32 }, () => random.int(256)));
  const identityPublic = Buffer.alloc(32);
  const identitySecret = Buffer.alloc(64);
  sodium.crypto_sign_seed_keypair(identityPublic, identitySecret, seed);
  const noise = keyPairFromSecret(Buffer.from(Array.from({ length: 32 }, () => random.int(256))));
  return { identityPublic, identitySecret, noise };
}

/** A simulated clock the devnet can advance: TestClock, or the benchmark's faster one. */
export type SimClock = Clock & { increment(ms: number): void };

/** One devnet member. */
export interface DevnetMember {
  address: string;
  keys: IdentityKeys;
  router: Router;
  dht: DhtNode;
}

/** Options of {@link dhtDevnet}. */
export interface DhtDevnetOptions {
  seed?: number;
  faults?: Partial<MemoryFaults>;
  clock?: SimClock;
  dht?: Partial<DhtNodeOptions>;
}

/** Starts `n` routers and DHT nodes on one memory network (not yet bootstrapped). */
export function dhtDevnet(
  n: number,
  options: DhtDevnetOptions = {}
): { clock: SimClock; random: Random; network: MemoryNetwork; members: DevnetMember[] } {
  const clock = options.clock ?? new TestClock(1_000_000);
  const random = createRandom(options.seed ?? 1);
  const network = createMemoryNetwork({
    clock,
    random,
    delay: { minMs: 5, maxMs: 40 },
    ...options.faults
  });
  const members: DevnetMember[] = [];
  for (let i = 0; i < n; i++) {
    const address = `mem-${i}`;
    const keys = seededKeys(random);
    const transport = network.transport(address);
    const router = createRouter({
      nodeId: nodeIdFromKey(keys.identityPublic),
      transport,
      clock,
      random,
      // Called only once requests flow, after `dht` below exists.
      resolve: (id) => dht.addressOf(id)
    });
    const dht: DhtNode = createDhtNode({
      router,
      clock,
      random,
      keys,
      address,
      k: 8,
      ...options.dht
    });
    router.start();
    dht.start();
    members.push({ address, keys, router, dht });
  }
  return { clock, random, network, members };
}
