/**
 * The selected actor's statechart: laid out by elkjs in a worker, the current state lit live and
 * the last transition animated. The scrubber walks the actor's bounded history (from the API, or
 * from a saved trace) and shows the chart in each past state; "live" returns to the present.
 */
import type { HistoryEntry, StateMessage } from '../../actors/inspection/types.js';
import { activeStateIds } from './chart/active.js';
import { drawChart, markTransitions, paintActive } from './chart/draw.js';
import type { ChartLayouts } from './chart/layout.js';
import { byId, clockText, download } from './dom.js';
import { actorName, formatValue, type InspectorModel } from './model.js';

type StateEntry = Pick<StateMessage, 'value' | 'event' | 'transitions' | 'at' | 'seq'>;

/** The chart panel. */
export class ChartView {
  #selected: { node: string; sid: string } | undefined;
  #svg: SVGSVGElement | undefined;
  #states: StateEntry[] = [];
  /** Index into #states being shown, or undefined for live. */
  #at: number | undefined;
  #token = 0;
  #dirty = false;
  readonly #box = byId('chart');
  readonly #title = byId('chart-title');
  readonly #state = byId('chart-state');
  readonly #scrub = byId<HTMLInputElement>('scrub');
  readonly #scrubLabel = byId('scrub-label');

  constructor(
    private readonly model: InspectorModel,
    private readonly layouts: ChartLayouts,
    private readonly history: (node: string, sid: string) => Promise<HistoryEntry[]>
  ) {
    this.#scrub.addEventListener('input', () => {
      const i = Number(this.#scrub.value);
      this.#at = i >= this.#states.length ? undefined : i;
      this.#show(true);
    });
    byId('scrub-live').addEventListener('click', () => {
      this.#at = undefined;
      this.#show(true);
    });
    byId('export-svg').addEventListener('click', () => this.exportSvg());
  }

  get selected(): { node: string; sid: string } | undefined {
    return this.#selected;
  }

  /** Shows the chart of `sid` on `node`. */
  async select(node: string, sid: string): Promise<void> {
    const token = ++this.#token;
    this.#selected = { node, sid };
    this.#states = [];
    this.#at = undefined;
    this.#svg = undefined;
    const actor = this.model.actor(node, sid);
    const def = actor?.machine ? this.model.definitions.get(actor.machine) : undefined;
    this.#title.textContent = actor
      ? `${actorName(actor)} · ${actor.machineId ?? actor.src ?? 'actor'} · ${node}`
      : sid;
    if (!def) {
      this.#box.replaceChildren(document.createTextNode('Not a state machine: nothing to draw.'));
      this.#updateScrub();
      return;
    }
    this.#box.replaceChildren(document.createTextNode('Laying out…'));
    const [geometry, entries] = await Promise.all([
      this.layouts.get(def),
      this.history(node, sid).catch(() => [] as HistoryEntry[])
    ]);
    if (token !== this.#token) return;
    this.#states = entries.filter((e): e is StateMessage => e.kind === 'state');
    this.#svg = drawChart(geometry);
    this.#svg.dataset.machine = def.machineId;
    this.#box.replaceChildren(this.#svg);
    this.#show(false);
  }

  /** Drops the selection (a saved trace replaces the live picture). */
  clear(): void {
    this.#token++;
    this.#selected = undefined;
    this.#svg = undefined;
    this.#states = [];
    this.#at = undefined;
    this.#title.textContent = 'Select an actor';
    this.#state.textContent = '';
    this.#box.replaceChildren();
    this.#updateScrub();
  }

  /** Follows a live state change of the selected actor. */
  onState(m: StateMessage): void {
    if (!this.#selected || m.sid !== this.#selected.sid || m.node !== this.#selected.node) return;
    if (this.#states.at(-1)?.seq === m.seq) return;
    this.#states.push(m);
    if (this.#states.length > 1000) this.#states.splice(0, this.#states.length - 1000);
    // Painted on the next frame (refresh), however many steps arrive in between.
    this.#dirty = true;
  }

  /** Once per frame: paints pending live steps and the status line (e.g. the actor stopped). */
  refresh(): void {
    if (!this.#selected) return;
    if (this.#dirty && this.#at === undefined) this.#show(true);
    else if (this.#dirty) this.#updateScrub();
    else if (this.#at === undefined) this.#stateLine();
    this.#dirty = false;
  }

  /** Saves the chart as it is drawn now (with its highlight) as an SVG file. */
  exportSvg(): void {
    if (!this.#svg) return;
    const name = (this.#svg.dataset.machine ?? 'chart').replace(/[^A-Za-z0-9._-]/g, '_');
    const text = new XMLSerializer().serializeToString(this.#svg);
    download(`${name}.svg`, 'image/svg+xml', `<?xml version="1.0" encoding="UTF-8"?>\n${text}`);
  }

  #show(animate: boolean): void {
    this.#updateScrub();
    const actor = this.#selected && this.model.actor(this.#selected.node, this.#selected.sid);
    const def = actor?.machine ? this.model.definitions.get(actor.machine) : undefined;
    if (!this.#svg || !def) return;
    const past = this.#at === undefined ? undefined : this.#states[this.#at];
    const value = past ? past.value : actor!.value;
    paintActive(this.#svg, activeStateIds(def.root, value));
    const step = past ?? (this.#at === undefined ? this.#states.at(-1) : undefined);
    if (animate || past) markTransitions(this.#svg, step?.transitions ?? []);
    this.#svg.dataset.value = formatValue(value);
    this.#svg.classList.toggle('past', past !== undefined);
    this.#stateLine();
  }

  #stateLine(): void {
    const actor = this.#selected && this.model.actor(this.#selected.node, this.#selected.sid);
    const past = this.#at === undefined ? undefined : this.#states[this.#at];
    const value = formatValue(past ? past.value : actor?.value);
    const status = actor && actor.status !== 'active' ? ` (${actor.status})` : '';
    this.#state.textContent = past ? `${value} — past` : `${value}${status}`;
    this.#state.dataset.value = value;
  }

  #updateScrub(): void {
    const n = this.#states.length;
    this.#scrub.max = String(n);
    this.#scrub.value = String(this.#at ?? n);
    this.#scrub.disabled = n === 0;
    const past = this.#at === undefined ? undefined : this.#states[this.#at];
    this.#scrubLabel.textContent = past
      ? `${this.#at! + 1}/${n} · ${clockText(past.at)} · ${past.event ?? 'start'} → ${formatValue(past.value)}`
      : `live · ${n} recorded step${n === 1 ? '' : 's'}`;
  }
}
