/**
 * BitDust TS for embedders: build a node (`createNode`), a devnet (`startDevnet`), supervise your
 * own actors with the OTP-style supervisor, watch any XState system with the inspection bridge,
 * and use the wire, store and transport building blocks. docs/embedding.md walks through it.
 */
export { createNode } from './node/create-node.js';
export type { BitDustNode, CreateNodeOptions } from './node/create-node.js';
export { startDevnet } from './node/devnet.js';
export type { Devnet, DevnetOptions } from './node/devnet.js';
export { loadConfig, defaultConfig, ConfigError } from './node/config.js';
export type { NodeConfig, ConfigIssue } from './node/config.js';
export type { HostedNode, NodeInfo, ServiceStatus } from './node/types.js';
export type { ServiceDefinition } from './node/service-graph.js';
export type { NetworkAttachment } from './node/services/network.js';
export {
  childSpec,
  supervisorLogic,
  supervisorSpec,
  startSupervisor,
  stopSupervisor,
  startChild,
  terminateChild
} from './supervisor/index.js';
export { createInspectionBridge, actorTree } from './inspection/index.js';
export type { InspectionBridge, InspectMessage } from './inspection/index.js';
export { createCodec, DecodeError } from './wire/index.js';
export { openLmdbStore, createMemoryStore } from './store/index.js';
export type { KvStore } from './store/index.js';
export { createMemoryNetwork, TransportError } from './transports/index.js';
export type { Transport, MemoryNetwork } from './transports/index.js';
export { realClock, TestClock } from './clock.js';
export type { Clock } from './clock.js';
export { createRandom } from './random.js';
export { BitDustError } from './errors.js';
export * as machines from '../machines/index.js';
