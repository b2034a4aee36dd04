/**
 * createNode: one BitDust node as a tree of supervised actors.
 *
 *   node (root supervisor, one_for_one)
 *   ├─ service.store      LMDB environment
 *   ├─ service.identity   keys and signed identity document
 *   ├─ service.network    rest_for_one: transport → peers (peer.<address>…) → router → dht
 *   │                     → discovery (see services/network.ts and docs/network.md)
 *   └─ service.<extra>    e.g. the local API, given by the host
 *
 * Services start in dependency order; each is a `service` machine, so a service whose dependency
 * is down is down too, with the reason. The clock and randomness are injected, so a node runs the
 * same on a SimulatedClock as on the wall clock.
 */
import { waitFor } from 'xstate';
import type { AnyActorRef } from 'xstate';
import { realClock } from '../clock.js';
import type { Clock } from '../clock.js';
import { createRandom } from '../random.js';
import type { Random } from '../random.js';
import { BitDustError } from '../errors.js';
import { startSupervisor, stopSupervisor } from '../supervisor/index.js';
import type { SupervisorActor } from '../supervisor/index.js';
import type { KvStore } from '../store/index.js';
import type { LocalIdentity } from '../identity/identity.js';
import { serviceStatus, serviceSystemId } from '../../machines/service/machine.js';
import type { ServiceSnapshot } from '../../machines/service/machine.js';
import { defaultConfig } from './config.js';
import type { NodeConfig } from './config.js';
import { serviceSpecs } from './service-graph.js';
import type { ServiceDefinition } from './service-graph.js';
import { storeService } from './services/store.js';
import { identityService } from './services/identity.js';
import { networkService } from './services/network.js';
import type { NetworkAttachment, NetworkStats } from './services/network.js';
import type { NetRuntime } from './services/net-runtime.js';
import type { HostedNode, NodeInfo, ServiceStatus } from './types.js';
import { proxyStatusOf, type ProxyStatus } from '../proxy/proxy-transport.js';

export interface CreateNodeOptions {
  /** Merged over the defaults; the CLI passes the result of loadConfig(). */
  config?: Partial<NodeConfig>;
  clock?: Clock;
  /** Seeded from `config.seed` when absent. */
  random?: Random;
  /** Seals the keys at rest (Argon2id). Empty: stored unsealed, and the node warns. */
  passphrase?: string;
  /** True for an in-process devnet peer (shown as such; cheaper key derivation). */
  devnet?: boolean;
  /**
   * Where the node's frames go and whom it joins through (its seeds). Absent: no network service.
   */
  network?: NetworkAttachment;
  /** More services, e.g. the local API; they may depend on store, identity and network. */
  services?: ServiceDefinition[];
  /** How long to wait for the identity to load before giving up (ms). */
  startTimeoutMs?: number;
  /** Called when the root supervisor itself fails: the process stays up, the node reports it. */
  onFatal?: (err: unknown) => void;
}

/** A running node. */
export interface BitDustNode extends HostedNode {
  readonly config: NodeConfig;
  readonly clock: Clock;
  readonly random: Random;
  readonly root: SupervisorActor;
  identity(): LocalIdentity;
  store(): KvStore | undefined;
  services(): ServiceStatus[];
  networkStats(): NetworkStats | undefined;
  /** The open network's transport, sessions, router and DHT (undefined while it is down). */
  network(): NetRuntime | undefined;
  /** Proxy mode, reachability and counters (null when the transport is not proxy-aware). */
  proxy(): ProxyStatus | null;
  /** Stops every service in reverse start order; resolves when all are down. */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Build and start a node; resolves once its identity is loaded (its id is known) and its network,
 * if any, has opened or failed to.
 */
export async function createNode(options: CreateNodeOptions = {}): Promise<BitDustNode> {
  const config: NodeConfig = { ...defaultConfig(), ...options.config };
  const clock = options.clock ?? realClock;
  const random = options.random ?? createRandom(config.seed);
  const startedAt = clock.now();
  let fatal: unknown;

  const store = storeService(config.dataDir);
  const identity = identityService({
    dataDir: config.dataDir,
    name: config.name,
    clock,
    passphrase: options.passphrase ?? '',
    fastKdf: options.devnet === true
  });
  const nodeId = () => {
    const id = identity.get();
    if (!id) throw new BitDustError('ERR_NODE_NO_IDENTITY', 'identity is not loaded');
    return id.document.body.id;
  };
  const network = options.network
    ? networkService({
        ...options.network,
        clock,
        random,
        identity: () => {
          const id = identity.get();
          if (!id) throw new BitDustError('ERR_NODE_NO_IDENTITY', 'identity is not loaded');
          return id;
        },
        publishContacts: identity.publishContacts,
        host: () => root.system.get(serviceSystemId('network')) as AnyActorRef | undefined
      })
    : undefined;
  const definitions = [
    store.definition,
    identity.definition,
    ...(network ? [network.definition] : []),
    ...(options.services ?? [])
  ];

  const root = startSupervisor({
    id: 'node',
    strategy: 'one_for_one',
    intensity: 10,
    periodMs: 60_000,
    backoff: { initialMs: 1_000, maxMs: 30_000 },
    children: serviceSpecs(definitions),
    clock,
    onError: (err) => {
      fatal = err;
      options.onFatal?.(err);
    }
  });

  const serviceRef = (name: string) =>
    root.system.get(serviceSystemId(name)) as AnyActorRef | undefined;
  const services = (): ServiceStatus[] =>
    definitions.map((d) => {
      const ref = serviceRef(d.name);
      const status = ref
        ? serviceStatus(ref.getSnapshot() as ServiceSnapshot)
        : {
            status: 'down' as const,
            reason: fatal ? `node failed: ${String(fatal)}` : 'not running'
          };
      return { name: d.name, dependsOn: d.dependsOn, ...status };
    });

  const identityRef = serviceRef('identity');
  if (!identityRef) throw new BitDustError('ERR_NODE_START', 'the identity service did not start');
  const settled = await waitFor(
    identityRef,
    (s) => ['up', 'failed'].includes(String(s.value)) || s.status !== 'active',
    { timeout: options.startTimeoutMs ?? 60_000 }
  ).catch((cause: unknown) => {
    throw new BitDustError('ERR_NODE_START', 'identity did not load in time', { cause });
  });
  if (String(settled.value) !== 'up') {
    const reason = (settled as ServiceSnapshot).context.reason ?? 'unknown reason';
    await stopSupervisor(root, 10_000);
    throw new BitDustError('ERR_NODE_IDENTITY', `cannot load the identity: ${reason}`);
  }
  const id = nodeId();
  // The network opens its transport and may publish a new contact revision first: wait for it to
  // settle (up, or down with a reason and retrying), so callers see a node that is attached.
  const networkRef = network ? serviceRef('network') : undefined;
  if (networkRef) {
    await waitFor(
      networkRef,
      (s) => ['up', 'failed'].includes(String(s.value)) || s.status !== 'active',
      { timeout: options.startTimeoutMs ?? 60_000 }
    ).catch(() => undefined);
  }

  const info = (): NodeInfo => ({
    id,
    name: config.name,
    dataDir: config.dataDir,
    startedAt,
    devnet: options.devnet === true,
    services: services()
  });

  return {
    id,
    root,
    config,
    clock,
    random,
    info,
    identity: () => identity.get()!,
    store: store.get,
    services,
    networkStats: () => network?.stats(),
    counters: () => ({ network: network?.stats() }),
    network: () => network?.runtime(),
    proxy: () => proxyStatusOf(network?.runtime()?.raw),
    stop: (timeoutMs = 30_000) => stopSupervisor(root, timeoutMs)
  };
}
