/**
 * The live supervisor/actor tree under a root actor, for /api/actors and the CLI. It walks
 * snapshots (`snapshot.children`), so it works whether or not anybody is inspecting.
 */
import type { AnyActorRef } from 'xstate';
import { childrenOf, DefinitionCache, describeActor } from './describe-actor.js';
import type { ActorInfo, ChildSupervision } from './types.js';

/** One actor and its children, as /api/actors returns it. */
export interface ActorTreeNode {
  id: string;
  sid: string;
  systemId?: string;
  machineId?: string;
  status: ActorInfo['status'];
  value?: unknown;
  /** Restart count and last exit, when the parent supervisor's context records them. */
  restarts?: number;
  lastExit?: string;
  children: ActorTreeNode[];
}

const sharedDefs = new DefinitionCache();

function build(
  ref: AnyActorRef,
  bookkeeping: ChildSupervision | undefined,
  defs: DefinitionCache,
  depth: number
): ActorTreeNode {
  const info = describeActor(ref, defs);
  const node: ActorTreeNode = { id: info.id, sid: info.sid, status: info.status, children: [] };
  if (info.systemId) node.systemId = info.systemId;
  if (info.machineId) node.machineId = info.machineId;
  if (info.value !== undefined) node.value = info.value;
  if (bookkeeping) {
    node.restarts = bookkeeping.restarts;
    if (bookkeeping.lastExit !== undefined) node.lastExit = bookkeeping.lastExit;
  }
  // Depth guard: a tree deeper than this is a bug elsewhere, not something to recurse into.
  if (depth < 64) {
    for (const child of childrenOf(ref)) {
      node.children.push(build(child, info.supervision?.[child.id], defs, depth + 1));
    }
  }
  return node;
}

/**
 * The tree under `root`: id, sessionId, systemId, machine id, status, state value, restart
 * bookkeeping (read from the parent's context when present) and children.
 */
export function actorTree(root: AnyActorRef, defs: DefinitionCache = sharedDefs): ActorTreeNode {
  return build(root, undefined, defs, 0);
}

/** Every live actor under `root`, parents before children. */
export function walkActors(root: AnyActorRef, visit: (ref: AnyActorRef) => void): void {
  const stack: AnyActorRef[] = [root];
  while (stack.length > 0) {
    const ref = stack.pop()!;
    visit(ref);
    const children = childrenOf(ref);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

/** Finds a live actor by sessionId under `root`. */
export function findActor(root: AnyActorRef, sid: string): AnyActorRef | undefined {
  let found: AnyActorRef | undefined;
  walkActors(root, (ref) => {
    if (!found && ref.sessionId === sid) found = ref;
  });
  return found;
}
