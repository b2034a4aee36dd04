/**
 * `bitdust node start --join … | --listen … | --nats …`: the operator node's network, built from
 * the flags and handed to `startHost({ network })` in place of the devnet's memory link.
 *
 * - tcp: the node listens on `--listen tcp://127.0.0.1:PORT` (default: an ephemeral port on
 *   loopback) and joins through every `--join tcp://HOST:PORT` seed.
 * - nats: `--nats nats://HOST:PORT` attaches the node to a NATS server; its address there is its
 *   node id, so seeds are given as node ids (`--join <node id>` or `--join nats://<node id>`).
 *
 * Seeds are transport addresses only: the handshake proves which node answers.
 *
 * Proxy (tcp only, docs/proxy.md): every tcp node runs its transport through a direct-mode proxy
 * wrapper, so it can answer hidden nodes. `--proxy-router` also serves circuit hops on the tcp
 * transport with the node's Noise key (at most `--proxy-capacity` hops, default 20), and logs the
 * `--via` address others use to reach it. `--hide nat|privacy --via tcp://HOST:PORT#NOISEKEY`
 * (repeatable) hides the node behind a circuit of 1 or 3 of those routers: its address, and the
 * contact in its identity document, is the relayed one. A router announces itself in the DHT
 * proxy-routers layer; `--hide` without `--via` finds routers there through its `--join` seeds,
 * looking them up as a throwaway node with fresh keys (hidden-bootstrap.ts): the seeds see its
 * address, never its identity, which first goes out inside a circuit.
 */
import { createNatsTransport } from '../../actors/transports/nats.js';
import { createTcpTransport } from '../../actors/transports/tcp.js';
import type { Transport } from '../../actors/transports/types.js';
import {
  createProxyRouter,
  createProxyTransport,
  dhtDirectory,
  staticDirectory
} from '../../actors/proxy/index.js';
import type { ProxyRouter, RouterDirectory, RouterInfo } from '../../actors/proxy/index.js';
import type { DhtNode } from '../../actors/dht/types.js';
import type { TransportLogger } from '../../actors/transports/tcp-types.js';
import type { NetworkAttachment, NetLogger } from '../../actors/node/services/network.js';
import { UsageError } from './args.js';
import { throwawayRouterLookup } from './hidden-bootstrap.js';

/** The flags this module reads. */
export interface JoinFlags {
  join?: string[];
  listen?: string;
  nats?: string;
  'proxy-router'?: boolean;
  'proxy-capacity'?: string;
  hide?: string;
  via?: string[];
}

type Hide = 'nat' | 'privacy';

/** A router retries a failed DHT announcement (no peer stored it yet) this often. */
export const REANNOUNCE_MS = 5_000;

/**
 * Routers from the node's DHT proxy-routers layer, once its network is open; before that (the
 * first circuit) the list `first` found by the throwaway lookup, and the last list found stands in
 * while a lookup finds none (a relayed node between circuits cannot look anything up).
 */
function lateDhtDirectory(dht: () => DhtNode | undefined, first: RouterInfo[]): RouterDirectory {
  let last = first;
  return async () => {
    const node = dht();
    if (!node) return last; // the first circuit: the routers the throwaway lookup found
    const found = await dhtDirectory(node)().catch(() => []);
    if (found.length > 0) last = found;
    return last;
  };
}

/** How long a hidden node waits for its first circuit before its network fails to open. */
export const HIDE_READY_MS = 30_000;

const TCP_LISTEN = /^tcp:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
const NATS_SERVER = /^nats:\/\/[A-Za-z0-9.-]+:\d{1,5}$/;
const NATS_SEED = /^(?:nats:\/\/)?([A-Za-z0-9_-]{1,128})$/;
const VIA = /^(tcp:\/\/(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5})#([0-9a-fA-F]{64})$/;

/** A router's `--via` address: its tcp address and Noise static key, as it logs them. */
export function viaAddress(address: string, noiseKey: Uint8Array): string {
  return `${address}#${Buffer.from(noiseKey).toString('hex')}`;
}

function parseVia(flag: string): RouterInfo {
  const m = VIA.exec(flag);
  if (!m) throw new UsageError(`--via wants tcp://HOST:PORT#NOISEKEY (64 hex digits), got ${flag}`);
  return { address: m[1] as string, noiseKey: new Uint8Array(Buffer.from(m[2] as string, 'hex')) };
}

/** The proxy flags, checked: a router's capacity, or a hidden node's mode and routers. */
function proxyFromFlags(flags: JoinFlags) {
  const via = (flags.via ?? []).map(parseVia);
  const hide = flags.hide;
  if (hide !== undefined && hide !== 'nat' && hide !== 'privacy') {
    throw new UsageError(`--hide wants nat or privacy, got ${hide}`);
  }
  if (hide !== undefined && via.length === 0 && (flags.join ?? []).length === 0) {
    throw new UsageError('--hide needs --via routers, or --join seeds to find routers in the DHT');
  }
  if (hide === undefined && via.length > 0) throw new UsageError('--via is for --hide');
  if (hide !== undefined && flags['proxy-router']) {
    throw new UsageError('a hidden node (--hide) cannot be a --proxy-router');
  }
  const capacity = Number(flags['proxy-capacity'] ?? 20);
  if (!Number.isInteger(capacity) || capacity < 1 || capacity > 10_000) {
    throw new UsageError(`--proxy-capacity wants 1..10000, got ${flags['proxy-capacity']}`);
  }
  if (flags['proxy-capacity'] !== undefined && !flags['proxy-router']) {
    throw new UsageError('--proxy-capacity is for --proxy-router');
  }
  return { router: flags['proxy-router'] === true, capacity, hide: hide as Hide | undefined, via };
}

/** Rejects after `ms` unless `p` settles first. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

function listenAddress(flag: string | undefined): { host: string; port: number } {
  const m = TCP_LISTEN.exec(flag ?? 'tcp://127.0.0.1:0');
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new UsageError(`--listen wants tcp://HOST:PORT, got ${flag}`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

/**
 * The network the flags describe, or undefined when none of them is given (the node then joins
 * the in-process devnet). Throws a UsageError for a malformed or contradictory flag.
 */
export function networkFromFlags(
  flags: JoinFlags,
  logger?: NetLogger & TransportLogger
): NetworkAttachment | undefined {
  const joins = flags.join ?? [];
  const proxyFlags =
    flags['proxy-router'] !== undefined ||
    flags['proxy-capacity'] !== undefined ||
    flags.hide !== undefined ||
    flags.via !== undefined;
  if (joins.length === 0 && flags.listen === undefined && flags.nats === undefined && !proxyFlags)
    return undefined;
  const common = { ...(logger ? { logger } : {}) };
  if (flags.nats !== undefined) {
    if (!NATS_SERVER.test(flags.nats)) {
      throw new UsageError(`--nats wants nats://HOST:PORT, got ${flags.nats}`);
    }
    if (flags.listen !== undefined) throw new UsageError('--listen is for tcp, not with --nats');
    if (proxyFlags) throw new UsageError('the proxy flags are for tcp, not with --nats');
    const seeds = joins.map((j) => {
      const m = NATS_SEED.exec(j);
      if (!m) throw new UsageError(`with --nats, --join wants a node id, got ${j}`);
      return m[1] as string;
    });
    const servers = flags.nats;
    return {
      ...common,
      seeds,
      openTransport: (nodeId) =>
        createNatsTransport({ servers, address: nodeId, ...(logger ? { logger } : {}) })
    };
  }
  const { host, port } = listenAddress(flags.listen);
  for (const j of joins) {
    if (!TCP_LISTEN.test(j)) throw new UsageError(`--join wants tcp://HOST:PORT, got ${j}`);
  }
  const proxy = proxyFromFlags(flags);
  // Set while open: the router to announce, the DHT a hidden node finds its routers in.
  let router: ProxyRouter | undefined;
  let dht: DhtNode | undefined;
  return {
    ...common,
    seeds: joins,
    onRuntime: (rt) => {
      dht = rt.dht;
      router?.announceIn(rt.dht);
      return () => void (dht = undefined);
    },
    openTransport: async (_nodeId, identity, service): Promise<Transport> => {
      // The proxy's machines show under the network service in the inspector.
      const parent = service ? { parent: service } : {};
      const base = await createTcpTransport({ host, port, ...(logger ? { logger } : {}) });
      let directory: RouterDirectory | undefined;
      if (proxy.hide !== undefined && proxy.via.length === 0) {
        // Routers from the DHT: a throwaway node (fresh keys, its own port) looks them up
        // through the seeds, so no seed ever sees this node's identity at its own address; this
        // node speaks first through a circuit, and later looks routers up in its own DHT
        // (docs/proxy.md).
        let first: RouterInfo[];
        try {
          first = await throwawayRouterLookup({
            host,
            seeds: joins,
            want: proxy.hide === 'privacy' ? 3 : 1,
            timeoutMs: HIDE_READY_MS
          });
        } catch (err) {
          await base.close();
          throw err;
        }
        logger?.info?.({ routers: first.length }, 'proxy routers found by a throwaway lookup');
        directory = lateDhtDirectory(() => dht, first);
      }
      if (proxy.hide !== undefined) {
        const hidden = createProxyTransport({
          base,
          mode: proxy.hide,
          directory: directory ?? staticDirectory(proxy.via),
          ...parent
        });
        try {
          const address = await within(hidden.whenReady(), HIDE_READY_MS, 'no proxy circuit');
          logger?.info?.({ address, mode: proxy.hide }, 'relayed through proxy routers');
        } catch (err) {
          await hidden.close();
          throw err;
        }
        return hidden;
      }
      if (!proxy.router) return createProxyTransport({ base, mode: 'direct' });
      // The router serves on the base transport; the node's wrapper reports and stops it.
      const serving = createProxyRouter({
        transport: base,
        staticKeyPair: identity.keys.noise,
        maxCircuits: proxy.capacity,
        reannounceMs: REANNOUNCE_MS,
        ...parent
      });
      router = serving;
      logger?.info?.(
        { via: viaAddress(base.address, identity.keys.noise.publicKey), capacity: proxy.capacity },
        'proxy router serving'
      );
      const direct = createProxyTransport({ base, mode: 'direct', router: serving });
      const close = direct.close;
      return Object.assign(direct, {
        close: async () => {
          router = undefined;
          await close();
        }
      });
    }
  };
}
