/**
 * The pure statecharts of BitDust TS. Each is an XState v5 machine with no I/O, no clock and no
 * randomness of its own: embedders `provide()` the effects (actors/ shows how), so every machine
 * runs the same in a node, a test, a simulation or a browser.
 */
export { supervisorMachine } from './supervisor/machine.js';
export type * from './supervisor/types.js';
export { serviceMachine, serviceStatus, serviceSystemId } from './service/machine.js';
export type { ServiceInput, ServiceContext, ServiceEvent } from './service/machine.js';
export { peerMachine, peerSystemId } from './peer/machine.js';
export type { PeerInput, PeerContext, PeerEvent, PeerSendParams } from './peer/machine.js';
export { peerMessages } from './peer/messages.js';
export { handshakeMachine } from './handshake/machine.js';
export { requestMachine } from './router/machine.js';
export { routerMessages } from './router/messages.js';
export { lookupMachine } from './dht/lookup.js';
export { queryMachine } from './dht/query.js';
export { storeMachine as dhtStoreMachine } from './dht/store.js';
export { maintenanceMachine as dhtMaintenanceMachine } from './dht/maintenance.js';
