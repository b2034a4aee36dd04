/**
 * The seats of fire-hire: one per position, who sits there and how it is doing, plus the pure
 * decisions over them (who may be fired now, which seat to fill next). Kept apart from the machine
 * so they are tested as plain functions.
 */
import type { ConnectorStatus } from '../supplier-connector/machine.js';

/** One position of the customer's supplier set. */
export interface Seat {
  readonly position: number;
  /** Undefined while vacant. */
  readonly supplierId: string | undefined;
  readonly status: ConnectorStatus | 'vacant';
  /** Id of the connector child serving this seat (a new one per supplier). */
  readonly child: string | undefined;
  /** False from hiring until rebuild reports the position holds every shard again. */
  readonly rebuilt: boolean;
  readonly code?: string;
  readonly reason?: string;
}

/** Why a supplier was fired: kept for the inspector and the API. */
export interface FireRecord {
  readonly position: number;
  readonly supplierId: string;
  readonly code: string;
  readonly reason: string;
  /** 1, 2, 3 … in firing order. */
  readonly seq: number;
}

/** A fire decided but not yet carried out (one replacement at a time). */
export interface PendingFire {
  readonly position: number;
  readonly supplierId: string;
  readonly code: string;
  readonly reason: string;
}

/** Seats from the positions recorded in the catalog (`undefined`: vacant). */
export function initialSeats(n: number, suppliers: readonly (string | undefined)[]): Seat[] {
  return Array.from({ length: n }, (_, position) => {
    const supplierId = suppliers[position];
    return {
      position,
      supplierId,
      status: supplierId ? ('requesting' as const) : ('vacant' as const),
      child: supplierId ? childId(position, 0) : undefined,
      rebuilt: supplierId !== undefined
    };
  });
}

/** The connector id of generation `gen` at `position`. */
export const childId = (position: number, gen: number): string => `connector-${position}-${gen}`;

/** Seats whose shards are not all reachable now: vacant, not hired, or not rebuilt yet. */
export function lacking(seats: readonly Seat[]): Seat[] {
  return seats.filter((s) => s.status !== 'hired' || !s.rebuilt);
}

/**
 * The first queued fire that may happen now: its seat still holds that supplier, and firing it
 * leaves the others lacking fewer than `m` seats — so the data never depends on a replacement
 * that is not rebuilt yet beyond what the code tolerates.
 */
export function nextFire(
  seats: readonly Seat[],
  queue: readonly PendingFire[],
  m: number
): PendingFire | undefined {
  return queue.find((f) => {
    const seat = seats[f.position];
    if (!seat || seat.supplierId !== f.supplierId) return false;
    const others = lacking(seats).filter((s) => s.position !== f.position).length;
    return others < m;
  });
}

/** Queue `fire` unless it is stale or already queued for that seat. */
export function enqueue(
  seats: readonly Seat[],
  queue: readonly PendingFire[],
  fire: PendingFire
): PendingFire[] {
  const seat = seats[fire.position];
  if (!seat || seat.supplierId !== fire.supplierId) return [...queue];
  if (queue.some((q) => q.position === fire.position)) return [...queue];
  return [...queue, fire];
}

/** Drops queued fires that no longer apply (the seat changed hands). */
export function pruneQueue(seats: readonly Seat[], queue: readonly PendingFire[]): PendingFire[] {
  return queue.filter((q) => seats[q.position]?.supplierId === q.supplierId);
}

/** The lowest vacant position, if any. */
export const vacancy = (seats: readonly Seat[]): number | undefined =>
  seats.find((s) => s.supplierId === undefined)?.position;

/** Replaces the seat at `position`. */
export function withSeat(seats: readonly Seat[], position: number, patch: Partial<Seat>): Seat[] {
  return seats.map((s) => (s.position === position ? { ...s, ...patch } : s));
}
