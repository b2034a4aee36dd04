/**
 * The event log panel: events (sender → target) and state changes, filtered by node, by the
 * selected actor and by event type. Only the newest matching lines are drawn, so the DOM stays
 * small however fast the node runs.
 */
import { byId, clockText, el } from './dom.js';
import type { EventLog, LogEntry, LogFilter } from './event-log.js';
import type { InspectorModel } from './model.js';

const SHOWN = 300;
const MIN_INTERVAL_MS = 250;

/** The log panel. */
export class LogView {
  #drawn = -1;
  #at = -Infinity;
  readonly #list = byId('log-list');
  readonly #node = byId<HTMLSelectElement>('log-node');
  readonly #type = byId<HTMLInputElement>('log-type');
  readonly #mine = byId<HTMLInputElement>('log-selected');
  readonly #eventsOnly = byId<HTMLInputElement>('log-events-only');

  constructor(
    private readonly log: EventLog,
    private readonly model: InspectorModel,
    private readonly selected: () => { node: string; sid: string } | undefined
  ) {
    for (const input of [this.#node, this.#type, this.#mine, this.#eventsOnly]) {
      input.addEventListener('input', () => this.render(true));
    }
  }

  /** The filter the controls describe. */
  filter(): LogFilter {
    const sel = this.selected();
    return {
      ...(this.#node.value ? { node: this.#node.value } : {}),
      ...(this.#type.value ? { type: this.#type.value } : {}),
      ...(this.#mine.checked && sel ? { actor: sel.sid, node: sel.node } : {}),
      eventsOnly: this.#eventsOnly.checked
    };
  }

  /** Redraws when the log changed (or when forced by a filter change). */
  render(force = false): void {
    if (!force && this.#drawn === this.log.version) return;
    // Rebuilding hundreds of lines costs a layout: a few times a second is enough to read.
    const now = performance.now();
    if (!force && now - this.#at < MIN_INTERVAL_MS) return;
    this.#at = now;
    this.#drawn = this.log.version;
    this.#syncNodes();
    const lines = this.log.filter(this.filter()).slice(-SHOWN);
    const stick = this.#list.scrollTop + this.#list.clientHeight >= this.#list.scrollHeight - 30;
    this.#list.replaceChildren(...lines.map(line));
    if (stick) this.#list.scrollTop = this.#list.scrollHeight;
  }

  #syncNodes(): void {
    const nodes = [...this.model.nodes.keys()];
    if (this.#node.options.length === nodes.length + 1) return;
    const current = this.#node.value;
    const all = el('option', '', 'all nodes');
    all.value = '';
    this.#node.replaceChildren(
      all,
      ...nodes.map((n) => Object.assign(el('option', '', n), { value: n }))
    );
    this.#node.value = nodes.includes(current) ? current : '';
  }
}

function line(e: LogEntry): HTMLElement {
  const row = el('div', `log-line log-${e.kind}`);
  row.dataset.seq = String(e.seq);
  row.append(el('span', 'at', clockText(e.at)), el('span', 'node', e.node));
  if (e.kind === 'event') {
    row.append(
      el('span', 'from', e.fromName ?? '(outside)'),
      el('span', 'arrow', '→'),
      el('span', 'to', e.toName),
      el('span', 'type', e.type)
    );
  } else {
    row.append(
      el('span', 'to', e.toName),
      el('span', 'arrow', '⇒'),
      el('span', 'value', e.value ?? ''),
      el('span', 'type', e.type ? `on ${e.type}` : '')
    );
  }
  return row;
}
