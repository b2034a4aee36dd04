/**
 * Lays machine charts out with elkjs in a Web Worker (`elk-worker.js`, elkjs's own worker build,
 * copied next to app.js by build.ts) so a large machine never blocks the page. One layout per
 * definition hash, cached: a machine's shape never changes, only which states are lit.
 */
import * as elkApi from 'elkjs/lib/elk-api.js';
import type { DefinitionMessage } from '../../../actors/inspection/types.js';
import { chartGeometry, type ChartGeometry } from './geometry.js';
import { machineGraph, type ElkNode } from './graph.js';

/** What lays a graph out: elkjs (in a worker in the page, in-process in tests). */
export interface Layouter {
  layout(graph: ElkNode): Promise<ElkNode>;
}

type ElkConstructor = new (args: {
  workerUrl: string;
  workerFactory: (url?: string) => Worker;
}) => { layout(graph: ElkNode): Promise<unknown> };

/** elk-api.js is CommonJS: its constructor sits at `default` (or `default.default`). */
function elkConstructor(): ElkConstructor {
  const mod = elkApi as unknown as { default?: ElkConstructor & { default?: ElkConstructor } };
  const ctor = mod.default?.default ?? mod.default;
  if (!ctor) throw new Error('elkjs/lib/elk-api.js has no constructor');
  return ctor;
}

/** elkjs talking to its worker script at `workerUrl`. */
export function workerLayouter(workerUrl = 'elk-worker.js'): Layouter {
  const ELK = elkConstructor();
  const elk = new ELK({ workerUrl, workerFactory: (url) => new Worker(url ?? workerUrl) });
  return { layout: (graph) => elk.layout(graph) as Promise<ElkNode> };
}

/** Caches one geometry per definition hash (a bounded number of them). */
export class ChartLayouts {
  readonly #cache = new Map<string, Promise<ChartGeometry>>();

  constructor(
    private readonly layouter: Layouter,
    private readonly max = 200
  ) {}

  get(def: DefinitionMessage): Promise<ChartGeometry> {
    let cached = this.#cache.get(def.hash);
    if (!cached) {
      const { graph, meta } = machineGraph(def.root);
      cached = this.layouter.layout(graph).then((laid) => chartGeometry(laid, meta));
      // A failed layout is not cached: the next selection tries again.
      cached.catch(() => this.#cache.delete(def.hash));
      if (this.#cache.size >= this.max) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(def.hash, cached);
    }
    return cached;
  }
}
