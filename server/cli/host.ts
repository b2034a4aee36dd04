/**
 * startHost: what `bitdust node start` runs — the operator's node, an in-process devnet beside it
 * (or a network of one), the inspection bridge watching every node, and the local API as a service
 * of the operator's node. `stop()` takes it all down in reverse order.
 *
 * Teaching mode: whenever a devnet runs (and the caller gave no clock of its own), the whole host —
 * the operator's node, its peers and the memory network between them — runs on one
 * {@link TeachingClock}, in real time until a teacher pauses, slows or steps it through the API.
 * The operator's node shares the clock because it is a member of the same simulated network: were
 * it to keep real time while its peers stood still, it would see them all time out. An operator
 * node joined to a real network (`network` given) keeps real time and is not teachable.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { waitFor } from 'xstate';
import type { AnyActorRef } from 'xstate';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { realClock } from '../../actors/clock.js';
import type { Clock } from '../../actors/clock.js';
import { BitDustError } from '../../actors/errors.js';
import { createInspectionBridge } from '../../actors/inspection/index.js';
import type { InspectionBridge } from '../../actors/inspection/index.js';
import { TeachingClock, TeachingController } from '../../actors/teaching/index.js';
import { buildApp, listenLocal, loadOrCreateToken } from '../index.js';
import type { Listening } from '../index.js';
import { serviceSystemId } from '../../machines/service/machine.js';
import type { ServiceSnapshot } from '../../machines/service/machine.js';
import { createNode } from '../../actors/node/create-node.js';
import type { BitDustNode, CreateNodeOptions } from '../../actors/node/create-node.js';
import { devnetSupplier, operatorStorage } from './storage-setup.js';
import type { PaymentServiceOptions } from '../../actors/payment/service.js';
import { startDevnet } from '../../actors/node/devnet.js';
import type { Devnet } from '../../actors/node/devnet.js';
import type { NodeConfig } from '../../actors/node/config.js';
import type { ServiceDefinition } from '../../actors/node/service-graph.js';

export interface HostOptions {
  config: NodeConfig;
  passphrase?: string;
  clock?: Clock;
  /** Where the inspector UI build lives (served by the API). */
  uiDir?: string;
  logger?: FastifyBaseLogger;
  /** Called when the API asks the node to stop (POST /api/node/stop). */
  onStopRequest?: (reason: string) => void;
  /**
   * The operator node's network instead of the devnet's memory network (e.g. `--join tcp://…` or
   * `--nats nats://…`); the devnet peers still run beside it on their own memory network.
   */
  network?: CreateNodeOptions['network'];
  /** Payment policies of every node on the host (default: storage-setup.ts `HOST_PAYMENT`). */
  payment?: PaymentServiceOptions;
}

export interface Host {
  readonly node: BitDustNode;
  readonly devnet: Devnet;
  readonly bridge: InspectionBridge;
  /** Set when the API runs. */
  readonly listening: Listening | undefined;
  /** Teaching mode (clock, injection, narration): set when a devnet runs on the teaching clock. */
  readonly teaching: TeachingController | undefined;
  /** Shows another actor tree (e.g. a demo's lab) in the inspector and makes it teachable. */
  attach(nodeId: string, root: AnyActorRef): void;
  stop(): Promise<void>;
}

/** The file other `bitdust` commands read to find the running node. */
export const RUNTIME_FILE = 'node.json';

export async function startHost(options: HostOptions): Promise<Host> {
  const { config } = options;
  const teachingClock =
    options.clock === undefined && config.devnet > 0 ? new TeachingClock() : undefined;
  const clock = options.clock ?? teachingClock ?? realClock;
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // The bridge keeps real time: a paused devnet must still be drawn, and injections seen at once.
  const bridge = createInspectionBridge({ clock: options.clock ?? realClock });
  // Without a devnet the node still has a network: a memory network with no one else on it.
  const devnet = await startDevnet({
    nodes: config.devnet,
    baseDir: join(config.dataDir, 'devnet'),
    clock,
    services: () => devnetSupplier(options.payment),
    ...(config.seed !== undefined ? { seed: config.seed } : {})
  });
  const teaching = teachingClock
    ? new TeachingController(teachingClock, { network: devnet.network })
    : undefined;
  const extra = new Set<string>();
  let node: BitDustNode | undefined;
  let app: FastifyInstance | undefined;
  let listening: Listening | undefined;

  const api: ServiceDefinition = {
    name: 'api',
    dependsOn: [],
    open: async () => {
      const { token } = await loadOrCreateToken(config.dataDir);
      app = await buildApp({
        token,
        nodes: () => (node ? [node, ...devnet.nodes] : devnet.nodes),
        bridge,
        ...(options.uiDir ? { uiDir: options.uiDir } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
        ...(teaching ? { teaching } : {}),
        onStop: (reason) => options.onStopRequest?.(reason)
      });
      listening = await listenLocal(app, { port: config.port, token });
    },
    close: async () => {
      const open = app;
      app = undefined;
      listening = undefined;
      await open?.close();
    }
  };

  // Storage finds its suppliers through the DHT, so only a node on the devnet can be a customer.
  const storage = operatorStorage(
    options.network ? 0 : config.devnet,
    options.payment,
    config.compression
  );
  try {
    node = await createNode({
      config,
      clock: options.network ? (options.clock ?? realClock) : clock,
      ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
      network: options.network ?? devnet.join(),
      services: [...(config.api ? [api] : []), ...storage.definitions]
    });
    storage.attach(node);
  } catch (err) {
    await devnet.stop();
    teachingClock?.dispose();
    throw err;
  }
  const attach = (nodeId: string, root: AnyActorRef, teachable = true) => {
    bridge.attach(nodeId, root);
    if (teachable) teaching?.register(nodeId, root);
  };
  attach(node.id, node.root, options.network === undefined);
  for (const peer of devnet.nodes) attach(peer.id, peer.root);

  const stop = async () => {
    await rm(join(config.dataDir, RUNTIME_FILE), { force: true });
    // Stopping waits on timers (graceful-stop timeouts): a paused clock would hold it forever.
    teachingClock?.resume(1);
    teaching?.close();
    for (const id of extra) bridge.detach(id);
    for (const n of [node!, ...devnet.nodes]) bridge.detach(n.id);
    await node!.stop();
    await devnet.stop();
    teachingClock?.dispose();
  };

  if (config.api) {
    const ref = node.root.system.get(serviceSystemId('api')) as AnyActorRef;
    const s = (await waitFor(ref, (x) => ['up', 'failed'].includes(String(x.value)), {
      timeout: 30_000
    })) as ServiceSnapshot;
    if (s.value !== 'up') {
      await stop();
      throw new BitDustError('ERR_NODE_API', `the local API did not start: ${s.context.reason}`);
    }
    await writeFile(
      join(config.dataDir, RUNTIME_FILE),
      JSON.stringify({ pid: process.pid, id: node.id, url: listening!.url, port: listening!.port }),
      { mode: 0o600 }
    );
  }
  return {
    node,
    devnet,
    bridge,
    get listening() {
      return listening;
    },
    teaching,
    attach: (nodeId, root) => {
      extra.add(nodeId);
      attach(nodeId, root);
    },
    stop
  };
}
