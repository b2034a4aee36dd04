/**
 * A whole backup, restore or rebuild as one `tree-job` actor (machines/tree-job) under the
 * customer's supervisor (`job.tree-<kind>.<n>`), so the inspector shows the job and its progress
 * next to the per-file jobs it starts. Progress reaches the actor at most once per percent or
 * item, and always at the end, to keep its event history readable.
 *
 * Cancelling: `cancel` (the API's) aborted sends `tree.cancel` to the actor; the work's signal
 * aborts once the actor is `cancelling` (or the actor is stopped), and the work then throws
 * ERR_STORAGE_CANCELLED, which ends the actor `cancelled`.
 */
import { fromPromise, type AnyActorRef, type AnyMachineSnapshot } from 'xstate';
import {
  treeJobMachine,
  type TreeJobInput,
  type TreeJobProgress
} from '../../machines/tree-job/machine.js';
import type { CustomerStorage } from './customer.js';

const complete = (p: TreeJobProgress) => p.bytesDone >= p.bytesTotal && p.itemsDone >= p.itemsTotal;

/** Runs `work` as a tree-job actor; resolves with what `work` returns, or throws what it threw. */
export async function runTreeJob<R>(
  c: CustomerStorage,
  input: TreeJobInput,
  work: (progress: (p: TreeJobProgress) => void, signal: AbortSignal) => Promise<R>,
  cancel?: AbortSignal
): Promise<R> {
  let result: { value: R } | undefined;
  let failure: { error: unknown } | undefined;
  const logic = treeJobMachine.provide({
    actors: {
      work: fromPromise<void, { parent: AnyActorRef }>(async ({ input: { parent }, signal }) => {
        const giveUp = new AbortController();
        const watch = parent.subscribe((snap) => {
          if ((snap as AnyMachineSnapshot).matches?.({ running: 'cancelling' })) giveUp.abort();
        });
        const ask = () => parent.send({ type: 'tree.cancel' });
        if (cancel?.aborted) ask();
        else cancel?.addEventListener('abort', ask, { once: true });
        let last: TreeJobProgress | undefined;
        const progress = (p: TreeJobProgress) => {
          const step = Math.max(1, p.bytesTotal / 100);
          if (
            !last ||
            complete(p) ||
            p.itemsDone !== last.itemsDone ||
            p.bytesDone - last.bytesDone >= step
          ) {
            last = p;
            parent.send({ type: 'tree.progress', progress: p });
          }
        };
        try {
          result = { value: await work(progress, AbortSignal.any([signal, giveUp.signal])) };
        } catch (error) {
          failure = { error };
          throw error;
        } finally {
          watch.unsubscribe();
          cancel?.removeEventListener('abort', ask);
        }
      })
    }
  });
  await c.runJob(`tree-${input.kind}`, logic, input);
  if (failure) throw failure.error;
  return result!.value;
}
