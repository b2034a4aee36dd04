/**
 * Turns a machine definition (the stream's StateDef tree) into an ELK graph: one ELK node per
 * state (compound and parallel states contain their children), a dot for each initial state, and
 * one edge per transition target labelled `event [guard] / after 5 s`. Sizes are estimated from
 * the text so that the layout can run in a worker, where nothing can be measured.
 */
import type { StateDef, TransitionDef } from '../../../actors/inspection/types.js';

/** The subset of ELK's JSON graph we build and read back. */
export interface ElkLabel {
  text: string;
  width: number;
  height: number;
  x?: number;
  y?: number;
}
export interface ElkNode {
  id: string;
  width?: number;
  height?: number;
  x?: number;
  y?: number;
  labels?: ElkLabel[];
  layoutOptions?: Record<string, string>;
  children?: ElkNode[];
  edges?: ElkEdge[];
}
export interface ElkPoint {
  x: number;
  y: number;
}
export interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  labels?: ElkLabel[];
  sections?: { startPoint: ElkPoint; endPoint: ElkPoint; bendPoints?: ElkPoint[] }[];
  container?: string;
}

/** What the drawing needs to know about each ELK node and edge, by id. */
export interface ChartMeta {
  states: Map<string, { def: StateDef; parentType?: StateDef['type'] }>;
  edges: Map<string, { source: string; targets: string[]; label: string; event: string }>;
}

/** Average glyph width of the chart font (12 px system sans) and line height. */
export const CHAR_W = 7;
export const LINE_H = 16;
const PAD = '[top=30,left=14,bottom=14,right=14]';
export const INITIAL_SUFFIX = '#initial';

function textWidth(text: string): number {
  return Math.ceil(text.length * CHAR_W) + 8;
}

/** A delay as people read it: 300 ms, 5 s, or the named delay (5 s). */
export function formatDelay(t: Pick<TransitionDef, 'delay' | 'delayMs'>): string {
  const ms = typeof t.delay === 'number' ? t.delay : t.delayMs;
  const human =
    ms === undefined ? '' : ms >= 1000 && ms % 100 === 0 ? `${ms / 1000} s` : `${ms} ms`;
  if (typeof t.delay === 'string') return human ? `${t.delay} (${human})` : t.delay;
  return human;
}

/** An event as drawn: the done/error events of a state's own invocation read `done`/`error`. */
export function eventLabel(event: string, state?: StateDef): string {
  const m = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event);
  if (!m) return event;
  const own = state?.invoke.some((i) => i.id === m[2]);
  return own ? m[1]! : `${m[1]}: ${m[2]}`;
}

/** The label of a transition: `event [guard] / after 5 s`. */
export function transitionLabel(
  t: TransitionDef,
  kind: 'on' | 'after' | 'always',
  state?: StateDef
): string {
  const event =
    kind === 'after'
      ? `after ${formatDelay(t)}`
      : kind === 'always'
        ? 'always'
        : eventLabel(t.event, state);
  return t.guard ? `${event} [${t.guard}]` : event;
}

function stateNode(def: StateDef, meta: ChartMeta, parentType?: StateDef['type']): ElkNode {
  meta.states.set(def.id, { def, ...(parentType ? { parentType } : {}) });
  if (def.type === 'history') {
    return {
      id: def.id,
      width: 30,
      height: 30,
      labels: [label(def.history === 'deep' ? 'H*' : 'H')]
    };
  }
  const lines = [def.key, ...def.invoke.map((i) => `invoke ${i.src}`)];
  const width = Math.max(70, ...lines.map(textWidth));
  const node: ElkNode = { id: def.id, labels: lines.map(label) };
  if (def.states.length === 0) {
    node.width = width;
    node.height = 14 + lines.length * LINE_H;
    return node;
  }
  node.layoutOptions = {
    'elk.padding': PAD.replace('top=30', `top=${14 + lines.length * LINE_H}`),
    'elk.nodeSize.minimum': `(${width}, 40)`,
    'elk.nodeSize.constraints': 'MINIMUM_SIZE',
    ...(def.type === 'parallel' ? { 'elk.direction': 'RIGHT' } : {})
  };
  node.children = def.states.map((s) => stateNode(s, meta, def.type));
  if (def.type === 'compound' && def.initial?.length) {
    node.children.unshift({ id: `${def.id}${INITIAL_SUFFIX}`, width: 12, height: 12 });
  }
  return node;
}

function label(text: string): ElkLabel {
  return { text, width: textWidth(text), height: LINE_H };
}

function edgesOf(def: StateDef, meta: ChartMeta, out: ElkEdge[]): void {
  if (def.type === 'compound' && def.initial?.length) {
    for (const target of def.initial) {
      out.push({
        id: `${def.id}${INITIAL_SUFFIX}->${target}`,
        sources: [`${def.id}${INITIAL_SUFFIX}`],
        targets: [target]
      });
    }
  }
  if (def.type === 'history') {
    for (const target of def.historyTargets ?? []) {
      out.push({ id: `${def.id}=>${target}#h`, sources: [def.id], targets: [target] });
    }
  }
  const groups: [TransitionDef[], 'on' | 'after' | 'always'][] = [
    [def.on, 'on'],
    [def.after, 'after'],
    [def.always, 'always']
  ];
  for (const [transitions, kind] of groups) {
    transitions.forEach((t, i) => {
      const text = transitionLabel(t, kind, def);
      // A transition without targets (actions only) is drawn as a loop on its state.
      const targets = t.targets.length > 0 ? t.targets : [def.id];
      targets.forEach((target, j) => {
        const id = `${def.id}|${kind}|${t.event}|${i}|${j}`;
        meta.edges.set(id, { source: def.id, targets, label: text, event: t.event });
        out.push({ id, sources: [def.id], targets: [target], labels: [label(text)] });
      });
    });
  }
  for (const child of def.states) edgesOf(child, meta, out);
}

/** The ELK graph of a machine and what the drawing needs to read it back. */
export function machineGraph(root: StateDef): { graph: ElkNode; meta: ChartMeta } {
  const meta: ChartMeta = { states: new Map(), edges: new Map() };
  const top = stateNode(root, meta);
  const edges: ElkEdge[] = [];
  edgesOf(root, meta, edges);
  const graph: ElkNode = {
    id: '__chart__',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.spacing.nodeNode': '26',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.inline': 'false',
      'elk.padding': '[top=10,left=10,bottom=10,right=10]'
    },
    children: [top],
    edges
  };
  return { graph, meta };
}
