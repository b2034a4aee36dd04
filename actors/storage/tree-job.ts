/**
 * A whole backup, restore or rebuild as one `tree-job` actor (machines/tree-job) under the
 * customer's supervisor (`job.tree-<kind>.<n>`), so the inspector shows the job and its progress
 * next to the per-file jobs it starts. Progress reaches the actor at most once per percent or
 * item, and always at the end, to keep its event history readable.
 */
import { fromPromise, type AnyActorRef } from 'xstate';
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
  work: (progress: (p: TreeJobProgress) => void) => Promise<R>
): Promise<R> {
  let result: { value: R } | undefined;
  let failure: { error: unknown } | undefined;
  const logic = treeJobMachine.provide({
    actors: {
      work: fromPromise<void, { parent: AnyActorRef }>(async ({ input: { parent } }) => {
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
          result = { value: await work(progress) };
        } catch (error) {
          failure = { error };
          throw error;
        }
      })
    }
  });
  await c.runJob(`tree-${input.kind}`, logic, input);
  if (failure) throw failure.error;
  return result!.value;
}
