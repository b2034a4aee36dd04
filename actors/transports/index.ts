/**
 * Transports: the datagram contract every wire implements, its errors and compliance suite, and
 * the in-process memory network with seeded faults.
 */
export type { FrameHandler, PeerDownHandler, PeerDownReason, Transport } from './types.js';
export { TransportError } from './errors.js';
export type { TransportErrorCode } from './errors.js';
export { createMemoryNetwork } from './memory.js';
export { DEFAULT_MEMORY_MAX_FRAME_BYTES } from './memory-types.js';
export type {
  DropReason,
  MemoryFaults,
  MemoryNetwork,
  MemoryNetworkOptions,
  MemoryNetworkStats,
  TraceEvent
} from './memory-types.js';
export { DeliveryQueue } from './delivery-queue.js';
export { createTcpTransport } from './tcp.js';
export type { TcpTransport, TcpTransportOptions, TcpStats } from './tcp-types.js';
export { createNatsTransport } from './nats.js';
export type { NatsTransport, NatsTransportOptions, NatsStats } from './nats-types.js';
