/**
 * Options, faults, counters and trace events of the memory network (kept apart from its
 * implementation so the simulator and the API can import the shapes alone).
 */
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { Transport } from './types.js';

/** Default frame cap of memory transports: 1 MiB plus room for framing, like the wire's cap. */
export const DEFAULT_MEMORY_MAX_FRAME_BYTES = 1024 * 1024 + 1024;

/** Fault settings; all can be changed while running with `configure`. */
export interface MemoryFaults {
  /** Per-frame delay, uniform in [minMs, maxMs]. Default 0..0. */
  delay: { minMs: number; maxMs: number };
  /** Probability a frame is lost. Default 0. */
  loss: number;
  /** Probability a frame is held back up to `maxMs + 1` extra and may be overtaken. Default 0. */
  reorder: number;
}

/** Options for {@link createMemoryNetwork}. */
export interface MemoryNetworkOptions extends Partial<MemoryFaults> {
  clock: Clock;
  random: Random;
  maxFrameBytes?: number;
  /** Called when a frame handler throws (the error is also counted, and delivery goes on). */
  onHandlerError?: (error: unknown, context: { from: string; to: string }) => void;
}

/** Why a frame was dropped. */
export type DropReason = 'loss' | 'partition' | 'crashed' | 'closed';

/** One step of the delivery trace (for replay checks, the simulator and the inspector). */
export interface TraceEvent {
  at: number;
  event: 'send' | 'deliver' | 'drop';
  from: string;
  to: string;
  bytes: number;
  reason?: DropReason;
}

/** Counters of a memory network. */
export interface MemoryNetworkStats {
  sent: number;
  delivered: number;
  inFlight: number;
  bytesSent: number;
  bytesDelivered: number;
  dropped: Record<DropReason, number>;
  handlerErrors: number;
}

/** A simulated network handing out `memory` transports by address. */
export interface MemoryNetwork {
  /** Opens the transport of `address`; ERR_TRANSPORT_ADDRESS_IN_USE while one is open there. */
  transport(address: string): Transport;
  /** Drops every frame between a member of `a` and a member of `b`, both ways, in flight included. */
  partition(a: readonly string[], b: readonly string[]): void;
  /** Removes every partition. */
  heal(): void;
  /** The node at `address` goes dark: frames to and from it are dropped, peers are told. */
  crash(address: string): void;
  /** A crashed node comes back, with the same handlers and no memory of its peers. */
  restart(address: string): void;
  /** Changes the fault settings from now on. */
  configure(faults: Partial<MemoryFaults>): void;
  /** Subscribes to the delivery trace; returns the unsubscribe function. */
  onTrace(listener: (event: TraceEvent) => void): () => void;
  stats(): MemoryNetworkStats;
  /** Closes every transport and drops everything in flight. */
  close(): Promise<void>;
}
