/**
 * Simulated-time helpers for devnet tests: advance a TestClock in steps until a condition holds,
 * bounded in steps and never sleeping, and read a node's view of a peer.
 */
import assert from 'node:assert/strict';
import type { AnyActorRef } from 'xstate';
import type { TestClock } from '../../actors/clock.js';
import type { BitDustNode } from '../../actors/node/create-node.js';
import { peerSystemId } from '../../machines/peer/machine.js';

/** Lets pending promise callbacks (disk, crypto, actor starts) run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** The state of `node`'s actor for the peer at `address`, if it has one. */
export function peerState(node: BitDustNode, address: string): string | undefined {
  const ref = node.root.system.get(peerSystemId(address)) as AnyActorRef | undefined;
  return ref ? String(ref.getSnapshot().value) : undefined;
}

/** Advance simulated time in steps until `done()` holds; bounded in steps, never sleeps. */
export async function advanceUntil(
  clock: TestClock,
  done: () => boolean,
  stepMs = 50,
  maxSteps = 2000
): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    if (done()) return;
    clock.increment(stepMs);
    await settle();
  }
  assert.fail(`condition not reached within ${maxSteps * stepMs} simulated ms`);
}
