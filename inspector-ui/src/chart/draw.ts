/**
 * Draws a chart's geometry as SVG. Colours are presentation attributes, not CSS, so that an
 * exported SVG looks the same outside the page; app.css only adds the animation of the last
 * transition. `paintActive` lights the active states and `markTransitions` the last step's edges.
 */
import type { ChartGeometry, StateBox } from './geometry.js';

const NS = 'http://www.w3.org/2000/svg';
const COLORS = {
  stroke: '#7b8496',
  fill: '#ffffff',
  compound: '#f6f7f9',
  text: '#1f2430',
  muted: '#6b7280',
  activeFill: '#fff1c7',
  activeStroke: '#d99a00',
  edge: '#8d96a8',
  fired: '#e0600b'
};

function svgEl<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function stateGroup(box: StateBox): SVGGElement {
  const compound = box.def.states.length > 0;
  const g = svgEl('g', {
    class: 'state',
    'data-id': box.id,
    'data-type': box.def.type,
    'data-compound': compound ? 1 : 0
  });
  const region = box.parentType === 'parallel';
  const rect = svgEl('rect', {
    x: box.x,
    y: box.y,
    width: box.w,
    height: box.h,
    rx: box.def.type === 'history' ? box.w / 2 : 8,
    fill: compound ? COLORS.compound : COLORS.fill,
    stroke: COLORS.stroke,
    'stroke-width': 1.2,
    ...(region ? { 'stroke-dasharray': '5 3' } : {})
  });
  g.append(rect);
  if (box.def.type === 'final') {
    g.append(
      svgEl('rect', {
        x: box.x + 3,
        y: box.y + 3,
        width: box.w - 6,
        height: box.h - 6,
        rx: 6,
        fill: 'none',
        stroke: COLORS.stroke
      })
    );
  }
  box.lines.forEach((line, i) => {
    const centred = !compound;
    const text = svgEl('text', {
      x: centred ? box.x + box.w / 2 : box.x + 10,
      y: box.y + 19 + i * 16,
      'text-anchor': centred ? 'middle' : 'start',
      'font-family': 'system-ui, sans-serif',
      'font-size': i === 0 ? 12 : 10.5,
      'font-weight': i === 0 ? 600 : 400,
      fill: i === 0 ? COLORS.text : COLORS.muted
    });
    text.textContent = line;
    g.append(text);
  });
  const title = svgEl('title', {});
  title.textContent = box.id + (box.def.tags.length ? ` (tags: ${box.def.tags.join(', ')})` : '');
  g.append(title);
  return g;
}

/** A fresh SVG element for `geometry`. */
export function drawChart(geometry: ChartGeometry): SVGSVGElement {
  const w = geometry.width + 4;
  const h = geometry.height + 4;
  const svg = svgEl('svg', { xmlns: NS, width: w, height: h, viewBox: `-2 -2 ${w} ${h}` });
  svg.classList.add('chart');
  const defs = svgEl('defs', {});
  const marker = svgEl('marker', {
    id: 'arrow',
    viewBox: '0 0 10 10',
    refX: 9,
    refY: 5,
    markerWidth: 7,
    markerHeight: 7,
    orient: 'auto-start-reverse'
  });
  marker.append(svgEl('path', { d: 'M0,0 L10,5 L0,10 z', fill: COLORS.edge }));
  defs.append(marker);
  svg.append(defs);
  const states = svgEl('g', { class: 'states' });
  // Parents before children (the walk's order), so nested boxes paint on top of their parents.
  for (const box of geometry.states) states.append(stateGroup(box));
  svg.append(states);
  for (const dot of geometry.initials) {
    svg.append(
      svgEl('circle', { class: 'initial', cx: dot.x, cy: dot.y, r: 5, fill: COLORS.text })
    );
  }
  const edges = svgEl('g', { class: 'edges' });
  for (const edge of geometry.edges) {
    const g = svgEl('g', {
      class: 'edge',
      'data-id': edge.id,
      'data-source': edge.source,
      'data-target': edge.target,
      'data-event': edge.event
    });
    const d = edge.points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
    g.append(
      svgEl('path', {
        d,
        fill: 'none',
        stroke: COLORS.edge,
        'stroke-width': 1.2,
        'marker-end': 'url(#arrow)'
      })
    );
    if (edge.label) {
      const text = svgEl('text', {
        x: edge.label.x + 2,
        y: edge.label.y + edge.label.h - 4,
        'font-family': 'system-ui, sans-serif',
        'font-size': 10.5,
        fill: COLORS.muted
      });
      text.textContent = edge.label.text;
      g.append(text);
    }
    edges.append(g);
  }
  svg.append(edges);
  return svg;
}

/** Lights the states in `active` (and only them). */
export function paintActive(svg: SVGSVGElement, active: Set<string>): void {
  for (const g of svg.querySelectorAll<SVGGElement>('g.state')) {
    const on = active.has(g.dataset.id ?? '');
    g.classList.toggle('active', on);
    const rect = g.querySelector('rect')!;
    // Active compound states keep their pale fill so that the lit leaf inside stands out.
    const compound = g.dataset.compound === '1';
    rect.setAttribute('stroke', on ? COLORS.activeStroke : COLORS.stroke);
    rect.setAttribute('stroke-width', on ? '2.4' : '1.2');
    rect.setAttribute('fill', compound ? COLORS.compound : on ? COLORS.activeFill : COLORS.fill);
  }
}

/** Marks the edges of the last step (source → targets) and restarts their animation. */
export function markTransitions(
  svg: SVGSVGElement,
  transitions: { source: string; targets: string[] }[]
): number {
  let marked = 0;
  for (const g of svg.querySelectorAll<SVGGElement>('g.edge')) {
    const hit = transitions.some(
      (t) => t.source === g.dataset.source && t.targets.includes(g.dataset.target ?? '')
    );
    const path = g.querySelector('path')!;
    path.setAttribute('stroke', hit ? COLORS.fired : COLORS.edge);
    path.setAttribute('stroke-width', hit ? '2.4' : '1.2');
    g.classList.remove('fired');
    if (hit) {
      // Re-adding the class after a reflow restarts the CSS animation.
      void g.getBoundingClientRect();
      g.classList.add('fired');
      marked++;
    }
  }
  return marked;
}
