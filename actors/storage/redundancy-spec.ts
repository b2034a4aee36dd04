/**
 * The redundancy watch (machines/redundancy) as a child of the customer's supervisor: its context
 * holds each file's live redundancy, worst first, so the inspector shows it beside fire-hire's
 * seats and fire records. Measured from what the positions last listed (holdings.ts) and which
 * seats are hired now; refreshed after hires, fires, rebuilds, backups and removals.
 */
import { fromPromise } from 'xstate';
import { childSpec, type ChildSpec } from '../supervisor/index.js';
import {
  redundancyMachine,
  type FileRedundancy,
  type RedundancyInput
} from '../../machines/redundancy/machine.js';
import type { CustomerStorage } from './customer.js';

/** The redundancy watch's spec, its effects bound to the customer `get()` returns. */
export function redundancySpec(get: () => CustomerStorage): ChildSpec {
  const logic = redundancyMachine.provide({
    actors: {
      measure: fromPromise<readonly FileRedundancy[]>(() => get().liveRedundancy())
    },
    actions: { announce: ({ self }) => get().bindRedundancy(self) }
  });
  const input: RedundancyInput = {
    get intervalMs() {
      return get().options.redundancyIntervalMs ?? 60_000;
    },
    maxFiles: 200
  };
  return childSpec('storage.redundancy', logic, { systemId: 'storage.redundancy', input });
}
