/**
 * How a node started `--hide` without `--via` finds its first routers without telling anyone who
 * it is. It looks the DHT proxy-routers layer up as a **throwaway node**: a fresh identity (its
 * own signing and Noise static keys, made for this lookup and deleted after it) on its own tcp
 * endpoint, joined through the seeds. The seeds and the DHT peers it meets see an address and a
 * node id that never appears again; the node's own identity first goes out inside a circuit, to
 * peers that see only the router's relayed address. The throwaway publishes nothing but what any
 * node's network publishes on start (its short-lived document, its contacts).
 *
 * Why a whole node: DHT lookups ride on authenticated sessions (a Noise handshake that carries a
 * signed identity document), so the lookup needs an identity; a fresh one is the only kind that
 * names nobody. It runs with an unsealed key in a temporary directory, removed when it stops.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNode } from '../../actors/node/create-node.js';
import { createTcpTransport } from '../../actors/transports/tcp.js';
import { createProxyTransport, dhtDirectory } from '../../actors/proxy/index.js';
import type { RouterInfo } from '../../actors/proxy/index.js';

/** What a throwaway lookup needs. */
export interface ThrowawayLookupOptions {
  /** The host the throwaway's tcp endpoint binds (an ephemeral port): the node's own host. */
  host: string;
  /** The seeds to join through (the node's `--join`). */
  seeds: string[];
  /** Routers wanted: the circuit's hop count (1 nat, 3 privacy). */
  want: number;
  /** Gives up after this long (real time). */
  timeoutMs: number;
  /** Pause between lookups while fewer than `want` routers are announced. Default 500 ms. */
  retryMs?: number;
}

/**
 * Routers announced in the proxy-routers layer, found by a throwaway node (module comment).
 * Resolves once at least `want` are found; rejects after `timeoutMs` with what it found.
 */
export async function throwawayRouterLookup(o: ThrowawayLookupOptions): Promise<RouterInfo[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bitdust-bootstrap-'));
  const deadline = Date.now() + o.timeoutMs;
  let node: Awaited<ReturnType<typeof createNode>> | undefined;
  try {
    node = await createNode({
      config: { dataDir: dir, name: 'bootstrap', api: false, devnet: 0 },
      // Cheap key sealing: the keys live for one lookup in a directory removed right after.
      devnet: true,
      startTimeoutMs: o.timeoutMs,
      network: {
        seeds: o.seeds,
        openTransport: async () =>
          createProxyTransport({
            base: await createTcpTransport({ host: o.host, port: 0 }),
            mode: 'direct'
          })
      }
    });
    let found: RouterInfo[] = [];
    // Bounded by the deadline: each pass is one lookup, then a pause.
    while (Date.now() < deadline) {
      const dht = node.network()?.dht;
      if (dht) found = await dhtDirectory(dht)().catch(() => found);
      if (found.length >= o.want) return found;
      await sleep(o.retryMs ?? 500);
    }
    throw new Error(
      `found ${found.length} of ${o.want} proxy routers in the DHT within ${o.timeoutMs} ms`
    );
  } finally {
    await node?.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
