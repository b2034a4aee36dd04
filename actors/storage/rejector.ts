/**
 * The customer-rejector machine with its effects: the patrol reads the supplier store's accounts
 * (idle time on the node's clock), and rejecting drops a customer's shards and account and records
 * the reason durably, so the customer is refused if it asks again.
 */
import { fromPromise } from 'xstate';
import type { Clock } from '../clock.js';
import { childSpec } from '../supervisor/index.js';
import type { ChildSpec } from '../../machines/supervisor/types.js';
import {
  customerRejectorMachine,
  type PatrolReport,
  type Rejection,
  type RejectorInput
} from '../../machines/customer-rejector/machine.js';
import type { SupplierStore } from './supplier-store.js';

/** The rejector logic bound to `supplier`; `capacityBytes` is what the disk offers now. */
export function rejectorLogic(
  supplier: SupplierStore,
  clock: Pick<Clock, 'now'>,
  capacityBytes: () => number,
  onReject?: (r: Rejection) => void,
  unpaid?: () => readonly Rejection[]
) {
  return customerRejectorMachine.provide({
    actors: {
      inspect: fromPromise<PatrolReport>(() => {
        const now = clock.now();
        return Promise.resolve({
          capacityBytes: capacityBytes(),
          accounts: supplier.list().map((a) => ({
            customer: a.customer,
            grantedBytes: a.grantedBytes,
            usedBytes: a.usedBytes,
            idleMs: now - a.lastActivity,
            since: a.since
          })),
          ...(unpaid ? { unpaid: unpaid() } : {})
        });
      }),
      reject: fromPromise<void, { rejections: readonly Rejection[] }>(async ({ input }) => {
        for (const r of input.rejections) {
          await supplier.dropCustomer(r.customer, `${r.reason}: ${r.detail}`);
          onReject?.(r);
        }
      })
    }
  });
}

/**
 * A permanent child running the rejector under the storage supervisor; `payment` (when payments
 * run) names the unpaid customers and hears of every rejection.
 */
export function rejectorChildSpec(
  supplier: SupplierStore,
  clock: Pick<Clock, 'now'>,
  capacityBytes: () => number,
  input: RejectorInput,
  payment?: { unpaid: () => readonly Rejection[]; onReject: (r: Rejection) => void }
): ChildSpec {
  const logic = rejectorLogic(supplier, clock, capacityBytes, payment?.onReject, payment?.unpaid);
  return childSpec('storage.customer-rejector', logic, {
    input,
    systemId: 'storage.customer-rejector'
  });
}
