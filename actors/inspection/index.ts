/**
 * The inspection bridge and the helpers the local API and the CLI use to show live actors.
 * See docs/inspection.md for the stream format.
 */
export { createInspectionBridge } from './create-inspection-bridge.js';
export type {
  InspectionBridge,
  InspectionBridgeOptions,
  InspectListener
} from './create-inspection-bridge.js';
export { actorTree, findActor, walkActors } from './actor-tree.js';
export type { ActorTreeNode } from './actor-tree.js';
export { serializeMachine } from './serialize-machine.js';
export { sanitize } from './sanitize.js';
export type { Sanitized, SanitizeLimits } from './sanitize.js';
export { RingBuffer } from './ring-buffer.js';
export type * from './types.js';
