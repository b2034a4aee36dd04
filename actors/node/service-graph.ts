/**
 * A node's services as a dependency graph: each definition says what it depends on and how to open,
 * run and close it. The graph is sorted so services start in dependency order (and stop in the
 * reverse), and each becomes a `service` machine child of the node's root supervisor.
 */
import { fromPromise } from 'xstate';
import type { AnyActorLogic } from 'xstate';
import { BitDustError } from '../errors.js';
import { serviceMachine, serviceSystemId } from '../../machines/service/machine.js';
import { childSpec } from '../supervisor/index.js';
import type { ChildSpec } from '../supervisor/index.js';

/** One service of a node: the side effects its `service` machine is provided with. */
export interface ServiceDefinition {
  name: string;
  dependsOn: string[];
  /** Acquire resources; a rejection keeps the service down with the error as the reason. */
  open?: () => Promise<void>;
  /** The long-lived part (often a supervisor of the service's actors) and its input. */
  run?: { logic: AnyActorLogic; input?: unknown };
  /** Release what `open` acquired. */
  close?: () => Promise<void>;
}

/** Dependency order (Kahn), with a clear error for a missing dependency or a cycle. */
export function sortServices(definitions: ServiceDefinition[]): ServiceDefinition[] {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  for (const d of definitions) {
    for (const dep of d.dependsOn) {
      if (!byName.has(dep)) {
        throw new BitDustError(
          'ERR_SERVICE_UNKNOWN_DEPENDENCY',
          `${d.name} depends on unknown ${dep}`
        );
      }
    }
  }
  // One at a time, the first in the given order whose dependencies are placed: the order the
  // caller wrote is kept wherever the dependencies allow it.
  const sorted: ServiceDefinition[] = [];
  const placed = new Set<string>();
  while (sorted.length < definitions.length) {
    const next = definitions.find(
      (d) => !placed.has(d.name) && d.dependsOn.every((dep) => placed.has(dep))
    );
    if (!next) {
      const left = definitions.filter((d) => !placed.has(d.name)).map((d) => d.name);
      throw new BitDustError('ERR_SERVICE_CYCLE', `dependency cycle among ${left.join(', ')}`);
    }
    sorted.push(next);
    placed.add(next.name);
  }
  return sorted;
}

/** Child specs for the root supervisor, in start order. */
export function serviceSpecs(definitions: ServiceDefinition[]): ChildSpec[] {
  const sorted = sortServices(definitions);
  return sorted.map((d) => {
    const dependents = sorted.filter((o) => o.dependsOn.includes(d.name)).map((o) => o.name);
    const logic = serviceMachine.provide({
      actors: {
        open: fromPromise(async () => d.open?.()),
        close: fromPromise(async () => d.close?.()),
        ...(d.run ? { run: d.run.logic } : {})
      }
    });
    return childSpec(`service.${d.name}`, logic, {
      systemId: serviceSystemId(d.name),
      // The service machine retries by itself; the supervisor restarts it only if it crashes.
      restart: 'transient',
      shutdown: 30_000,
      input: { name: d.name, dependsOn: d.dependsOn, dependents, runInput: d.run?.input }
    });
  });
}
