/**
 * The Kademlia DHT over the router: signed, expiring records in layers; find a node by id; find
 * nodes offering a service. The pure parts (ids, routing table, lookup/store/maintenance machines,
 * wire schemas, layers) are in machines/dht.
 */
export { createDhtNode } from './dht-node.js';
export { dhtChildSpec, dhtLogic } from './dht-logic.js';
export { DhtError } from './errors.js';
export type { DhtErrorCode } from './errors.js';
export { checkRecord, recordKey, recordSigningBytes, signRecord } from './records.js';
export type { RecordFields, RecordPolicy } from './records.js';
export { RecordStore } from './record-store.js';
export type { PutResult, RecordStoreLimits } from './record-store.js';
export { announceService, seekService, withdrawService } from './seeker.js';
export type { ServiceAnnouncement, ServiceCandidate } from './seeker.js';
export type { DhtLayer, DhtNode, DhtNodeOptions, DhtStats } from './types.js';
export { DHT_LAYERS, layerNumber } from '../../machines/dht/layers.js';
export type { DhtContact, DhtRecord } from '../../machines/dht/messages.js';
