/**
 * Reads an ELK layout back into absolute geometry: ELK gives each node's position relative to
 * its parent and each edge's points relative to its `container`, so both are shifted by the
 * container's absolute offset here. Pure data: the drawing and the tests both use it.
 */
import type { StateDef } from '../../../actors/inspection/types.js';
import {
  INITIAL_SUFFIX,
  type ChartMeta,
  type ElkEdge,
  type ElkNode,
  type ElkPoint
} from './graph.js';

/** One state box in chart coordinates. */
export interface StateBox {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  def: StateDef;
  /** Type of the parent state: regions of a parallel state are drawn dashed. */
  parentType?: StateDef['type'];
  lines: string[];
}

/** One drawn transition. */
export interface EdgePath {
  id: string;
  source: string;
  target: string;
  event: string;
  points: ElkPoint[];
  label?: { text: string; x: number; y: number; w: number; h: number };
  initial: boolean;
}

/** Everything the SVG drawing needs. */
export interface ChartGeometry {
  width: number;
  height: number;
  states: StateBox[];
  initials: { id: string; x: number; y: number }[];
  edges: EdgePath[];
}

/** Absolute geometry of a laid-out machine graph. */
export function chartGeometry(laid: ElkNode, meta: ChartMeta): ChartGeometry {
  const offsets = new Map<string, ElkPoint>([[laid.id, { x: 0, y: 0 }]]);
  const out: ChartGeometry = {
    width: Math.ceil(laid.width ?? 0),
    height: Math.ceil(laid.height ?? 0),
    states: [],
    initials: [],
    edges: []
  };
  const edges: ElkEdge[] = [];
  const walk = (node: ElkNode, origin: ElkPoint, depth: number) => {
    edges.push(...(node.edges ?? []));
    if (depth > 64) return;
    for (const child of node.children ?? []) {
      const x = origin.x + (child.x ?? 0);
      const y = origin.y + (child.y ?? 0);
      offsets.set(child.id, { x, y });
      if (child.id.endsWith(INITIAL_SUFFIX)) {
        out.initials.push({ id: child.id, x: x + 6, y: y + 6 });
        continue;
      }
      const info = meta.states.get(child.id);
      if (info) {
        out.states.push({
          id: child.id,
          x,
          y,
          w: child.width ?? 0,
          h: child.height ?? 0,
          def: info.def,
          ...(info.parentType ? { parentType: info.parentType } : {}),
          lines: (child.labels ?? []).map((l) => l.text)
        });
      }
      walk(child, { x, y }, depth + 1);
    }
  };
  walk(laid, { x: 0, y: 0 }, 0);
  for (const edge of edges) {
    const origin = offsets.get(edge.container ?? laid.id) ?? { x: 0, y: 0 };
    const shift = (p: ElkPoint) => ({ x: p.x + origin.x, y: p.y + origin.y });
    const section = edge.sections?.[0];
    if (!section) continue;
    const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map(shift);
    const info = meta.edges.get(edge.id);
    const l = edge.labels?.[0];
    out.edges.push({
      id: edge.id,
      source: info?.source ?? edge.sources[0]!,
      target: edge.targets[0]!,
      event: info?.event ?? '',
      points,
      initial: edge.id.includes(INITIAL_SUFFIX),
      ...(l && l.x !== undefined && l.y !== undefined
        ? { label: { text: l.text, x: l.x + origin.x, y: l.y + origin.y, w: l.width, h: l.height } }
        : {})
    });
  }
  return out;
}
