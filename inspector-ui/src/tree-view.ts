/**
 * The supervisor/actor tree of every node, virtualized: a spacer as tall as all rows and a small
 * pool of absolutely positioned row elements for the rows in sight, so thousands of actors scroll
 * smoothly. Rows show name, machine, state, status and restart count; a click selects an actor.
 */
import { el } from './dom.js';
import { actorName, formatValue, type InspectorModel } from './model.js';
import { treeRows, type TreeOptions, type TreeRow } from './tree-rows.js';

/** Height of one row in px (app.css agrees). */
export const ROW_H = 24;
const OVERSCAN = 8;

/** The tree panel. */
export class TreeView {
  readonly options: TreeOptions = { search: '', status: '', collapsed: new Set() };
  selected: { node: string; sid: string } | undefined;
  #rows: TreeRow[] = [];
  readonly #spacer = el('div', 'tree-spacer');
  readonly #pool: HTMLDivElement[] = [];

  constructor(
    private readonly scroller: HTMLElement,
    private readonly model: InspectorModel,
    private readonly onSelect: (node: string, sid: string) => void,
    private readonly nodeNote: (node: string) => string
  ) {
    scroller.append(this.#spacer);
    scroller.addEventListener('scroll', () => this.#paint());
    scroller.addEventListener('click', (ev) => this.#click(ev));
  }

  /** Number of rows after filtering (for tests and the status line). */
  get rowCount(): number {
    return this.#rows.length;
  }

  /** Recomputes the rows from the model and repaints what is in sight. */
  render(): void {
    this.#rows = treeRows(this.model, this.options);
    this.#spacer.style.height = `${this.#rows.length * ROW_H}px`;
    this.#paint();
  }

  /** Scrolls the selected actor's row into view. */
  reveal(): void {
    const i = this.#rows.findIndex((r) => r.actor?.sid === this.selected?.sid);
    if (i < 0) return;
    const top = i * ROW_H;
    const { scrollTop, clientHeight } = this.scroller;
    if (top < scrollTop || top + ROW_H > scrollTop + clientHeight) {
      this.scroller.scrollTop = Math.max(0, top - clientHeight / 2);
    }
  }

  #paint(): void {
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW_H) - OVERSCAN);
    const count = Math.ceil(this.scroller.clientHeight / ROW_H) + 2 * OVERSCAN;
    const rows = this.#rows.slice(first, first + count);
    while (this.#pool.length < rows.length) {
      const div = el('div', 'tree-row');
      this.#pool.push(div);
      this.#spacer.append(div);
    }
    this.#pool.forEach((div, i) => {
      const row = rows[i];
      div.hidden = row === undefined;
      if (row) this.#fill(div, row, first + i);
      else if (div.dataset.key !== undefined) {
        // A spare row must not keep naming an actor it no longer shows.
        for (const k of ['key', 'node', 'sid', 'actorId', 'sig']) delete div.dataset[k];
        div.className = 'tree-row';
        div.replaceChildren();
      }
    });
  }

  #fill(div: HTMLDivElement, row: TreeRow, index: number): void {
    // Most frames change few rows: skip those whose content and place are unchanged.
    const a = row.actor;
    const parent = a?.parent ? this.model.actor(row.node, a.parent) : undefined;
    const sig = [
      index,
      row.key,
      row.depth,
      this.#collapsed(row),
      a
        ? `${a.status}|${JSON.stringify(a.value)}|${parent?.supervision?.[a.id]?.restarts ?? 0}`
        : '',
      a ? this.selected?.sid === a.sid : this.nodeNote(row.node)
    ].join('|');
    if (div.dataset.sig === sig) return;
    div.dataset.sig = sig;
    div.style.transform = `translateY(${index * ROW_H}px)`;
    div.style.paddingLeft = `${6 + row.depth * 14}px`;
    div.dataset.key = row.key;
    div.dataset.node = row.node;
    const toggle = el('span', 'toggle', row.hasChildren ? (this.#collapsed(row) ? '▸' : '▾') : '');
    if (!a) {
      div.className = 'tree-row node-row';
      delete div.dataset.sid;
      delete div.dataset.actorId;
      div.replaceChildren(
        toggle,
        el('span', 'id', row.node),
        el('span', 'note', this.nodeNote(row.node))
      );
      return;
    }
    const selected = this.selected?.sid === a.sid && this.selected.node === row.node;
    div.className = `tree-row actor-row status-${a.status}${selected ? ' selected' : ''}`;
    div.dataset.sid = a.sid;
    div.dataset.actorId = a.id;
    const name = actorName(a);
    const parts: HTMLElement[] = [toggle, el('span', 'id', name)];
    if (a.machineId && a.machineId !== name) parts.push(el('span', 'machine', a.machineId));
    const state = formatValue(a.value);
    if (state) parts.push(el('span', 'state', state));
    if (a.status !== 'active') parts.push(el('span', `status status-${a.status}`, a.status));
    const restarts = parent?.supervision?.[a.id];
    if (restarts && restarts.restarts > 0) {
      const badge = el('span', 'restarts', `↻ ${restarts.restarts}`);
      badge.title = restarts.lastExit ? `last exit: ${restarts.lastExit}` : 'restarts';
      parts.push(badge);
    }
    div.title = `${a.sid}${a.systemId ? ` · ${a.systemId}` : ''}`;
    div.replaceChildren(...parts);
  }

  #collapsed(row: TreeRow): boolean {
    return this.options.collapsed.has(row.key);
  }

  #click(ev: MouseEvent): void {
    const div = (ev.target as HTMLElement).closest<HTMLDivElement>('.tree-row');
    if (!div?.dataset.key) return;
    const key = div.dataset.key;
    const onToggle = (ev.target as HTMLElement).classList.contains('toggle');
    if (onToggle || !div.dataset.sid) {
      if (this.options.collapsed.has(key)) this.options.collapsed.delete(key);
      else this.options.collapsed.add(key);
      this.render();
      return;
    }
    this.selected = { node: div.dataset.node!, sid: div.dataset.sid };
    this.onSelect(this.selected.node, this.selected.sid);
    this.#paint();
  }
}
