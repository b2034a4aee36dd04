/**
 * Per-node figures for the operator: events per second (over the last few seconds of arrivals),
 * live actors, and restarts summed over every supervisor's bookkeeping.
 */
import type { InspectMessage } from '../../actors/inspection/types.js';
import type { InspectorModel } from './model.js';

/** One node's figures. */
export interface NodeMetrics {
  node: string;
  eventsPerSecond: number;
  actors: number;
  restarts: number;
}

const WINDOW_MS = 5000;
const BUCKET_MS = 250;

/** Counts events per node in 250 ms buckets over a 5 s window. */
export class Metrics {
  readonly #buckets = new Map<string, Map<number, number>>();

  /** Counts the `event` messages of a batch that arrived at `now` (page time, ms). */
  add(batch: InspectMessage[], now: number): void {
    const bucket = Math.floor(now / BUCKET_MS);
    for (const m of batch) {
      if (m.kind !== 'event') continue;
      let counts = this.#buckets.get(m.node);
      if (!counts) this.#buckets.set(m.node, (counts = new Map()));
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    }
  }

  /** The figures of every node of `model` at `now`. */
  read(model: InspectorModel, now: number): NodeMetrics[] {
    const oldest = Math.floor((now - WINDOW_MS) / BUCKET_MS);
    const out: NodeMetrics[] = [];
    for (const view of model.nodes.values()) {
      const counts = this.#buckets.get(view.node);
      let events = 0;
      for (const [bucket, n] of counts ?? []) {
        if (bucket <= oldest) counts!.delete(bucket);
        else events += n;
      }
      let actors = 0;
      let restarts = 0;
      for (const actor of view.actors.values()) {
        if (actor.status === 'active') actors++;
        for (const child of Object.values(actor.supervision ?? {})) restarts += child.restarts;
      }
      out.push({ node: view.node, eventsPerSecond: events / (WINDOW_MS / 1000), actors, restarts });
    }
    return out;
  }
}
