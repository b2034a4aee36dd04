/**
 * A sequence diagram of recent messages: between the actors of a node (events with a sender, from
 * the log) or between nodes (frames the devnet's memory network delivered or dropped, from the
 * teaching feed). Lifelines are the most active participants; the newest message is at the bottom.
 */
import { byId, clockText } from './dom.js';
import type { EventLog } from './event-log.js';

/** One arrow of the diagram. */
export interface SeqMessage {
  at: number;
  from: string;
  to: string;
  label: string;
  dropped?: boolean;
}

const NS = 'http://www.w3.org/2000/svg';
const COL_W = 130;
const ROW_H = 22;
const MAX_LANES = 8;
const MAX_ROWS = 40;

function svgEl(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(NS, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Lays out and draws `messages` (oldest first) as an SVG sequence diagram. */
export function drawSequence(messages: SeqMessage[]): SVGSVGElement {
  const counts = new Map<string, number>();
  for (const m of messages) {
    counts.set(m.from, (counts.get(m.from) ?? 0) + 1);
    counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
  }
  const lanes = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, MAX_LANES)
    .map(([n]) => n);
  const shown = messages
    .filter((m) => lanes.includes(m.from) && lanes.includes(m.to))
    .slice(-MAX_ROWS);
  const x = (name: string) => 70 + lanes.indexOf(name) * COL_W;
  const height = 40 + shown.length * ROW_H + 10;
  const svg = svgEl('svg', { width: 70 + lanes.length * COL_W, height }) as SVGSVGElement;
  svg.classList.add('sequence');
  lanes.forEach((name) => {
    svg.append(svgEl('text', { x: x(name), y: 16, 'text-anchor': 'middle', class: 'lane' }, name));
    svg.append(svgEl('line', { x1: x(name), y1: 24, x2: x(name), y2: height, class: 'lifeline' }));
  });
  shown.forEach((m, i) => {
    const y = 44 + i * ROW_H;
    svg.append(svgEl('text', { x: 4, y: y + 4, class: 'seq-at' }, clockText(m.at).slice(3)));
    const [x1, x2] = [x(m.from), x(m.to)];
    const cls = `msg${m.dropped ? ' dropped' : ''}`;
    if (x1 === x2) {
      svg.append(svgEl('path', { d: `M${x1},${y} h24 v8 h-24`, class: cls }));
    } else {
      svg.append(svgEl('line', { x1, y1: y, x2: x2 + (x2 > x1 ? -4 : 4), y2: y, class: cls }));
      svg.append(
        svgEl('path', { d: `M${x2},${y} l${x2 > x1 ? -7 : 7},-4 v8 z`, class: `${cls} head` })
      );
    }
    svg.append(
      svgEl(
        'text',
        {
          x: (x1 + x2) / 2 + (x1 === x2 ? 30 : 0),
          y: y - 4,
          'text-anchor': x1 === x2 ? 'start' : 'middle',
          class: 'seq-label'
        },
        m.label
      )
    );
  });
  return svg;
}

/** The sequence panel: actors of the selected node, or nodes of the devnet. */
export class SequenceView {
  readonly #box = byId('sequence');
  readonly #mode = byId<HTMLSelectElement>('sequence-mode');
  network: SeqMessage[] = [];

  constructor(
    private readonly log: EventLog,
    private readonly selected: () => { node: string; sid: string } | undefined
  ) {
    this.#mode.addEventListener('input', () => this.render());
  }

  /** Adds frames between nodes (bounded). */
  addNetwork(messages: SeqMessage[]): void {
    this.network.push(...messages);
    if (this.network.length > 500) this.network.splice(0, this.network.length - 500);
  }

  render(): void {
    const sel = this.selected();
    let messages: SeqMessage[];
    if (this.#mode.value === 'nodes') {
      messages = this.network;
    } else {
      messages = this.log
        .tail(2000)
        .filter((e) => e.kind === 'event' && e.from && (!sel || e.node === sel.node))
        .map((e) => ({ at: e.at, from: e.fromName!, to: e.toName, label: e.type }));
    }
    if (messages.length === 0) {
      const why =
        this.#mode.value === 'nodes'
          ? 'No frames between nodes yet (needs a devnet).'
          : 'No messages between actors yet.';
      this.#box.replaceChildren(document.createTextNode(why));
      return;
    }
    this.#box.replaceChildren(drawSequence(messages));
  }
}
