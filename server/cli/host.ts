/**
 * startHost: what `bitdust node start` runs — the operator's node, an in-process devnet beside it
 * (or a network of one), the inspection bridge watching every node, and the local API as a service
 * of the operator's node. `stop()` takes it all down in reverse order.
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
import { buildApp, listenLocal, loadOrCreateToken } from '../index.js';
import type { Listening } from '../index.js';
import { serviceSystemId } from '../../machines/service/machine.js';
import type { ServiceSnapshot } from '../../machines/service/machine.js';
import { createNode } from '../../actors/node/create-node.js';
import type { BitDustNode } from '../../actors/node/create-node.js';
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
}

export interface Host {
  readonly node: BitDustNode;
  readonly devnet: Devnet;
  readonly bridge: InspectionBridge;
  /** Set when the API runs. */
  readonly listening: Listening | undefined;
  stop(): Promise<void>;
}

/** The file other `bitdust` commands read to find the running node. */
export const RUNTIME_FILE = 'node.json';

export async function startHost(options: HostOptions): Promise<Host> {
  const { config } = options;
  const clock = options.clock ?? realClock;
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const bridge = createInspectionBridge({ clock });
  // Without a devnet the node still has a network: a memory network with no one else on it.
  const devnet = await startDevnet({
    nodes: config.devnet,
    baseDir: join(config.dataDir, 'devnet'),
    clock,
    ...(config.seed !== undefined ? { seed: config.seed } : {})
  });
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

  try {
    node = await createNode({
      config,
      clock,
      ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
      network: devnet.join(),
      services: config.api ? [api] : []
    });
  } catch (err) {
    await devnet.stop();
    throw err;
  }
  bridge.attach(node.id, node.root);
  for (const peer of devnet.nodes) bridge.attach(peer.id, peer.root);

  const stop = async () => {
    await rm(join(config.dataDir, RUNTIME_FILE), { force: true });
    for (const n of [node!, ...devnet.nodes]) bridge.detach(n.id);
    await node!.stop();
    await devnet.stop();
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
    stop
  };
}
