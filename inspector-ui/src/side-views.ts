/**
 * The small panels: the selected actor's context (fetched on demand, sanitized by the server:
 * binary shows as `{ bytes: n }`) and per-node metrics (events/s, live actors, restarts).
 */
import { api, ApiFailure } from './api.js';
import { byId, el } from './dom.js';
import type { NodeMetrics } from './metrics.js';

/** Loads and shows the context of an actor. */
export async function showContext(node: string, sid: string, offline: boolean): Promise<void> {
  const box = byId('context');
  if (offline) {
    box.textContent = 'Context is read from the live node; a saved trace does not hold it.';
    return;
  }
  box.textContent = 'Loading…';
  try {
    const { value, truncated } = await api.context(node, sid);
    const pre = el('pre', '', JSON.stringify(value, null, 2));
    box.replaceChildren(pre);
    if (truncated)
      box.append(el('p', 'muted', 'Truncated: the server capped depth, keys or size (“[…]”).'));
  } catch (err) {
    box.textContent = err instanceof ApiFailure ? `${err.code}: ${err.message}` : String(err);
  }
}

/** Fills the metrics table. */
export function showMetrics(rows: NodeMetrics[]): void {
  const body = byId('metrics-body');
  body.replaceChildren(
    ...rows.map((m) => {
      const tr = el('tr');
      tr.dataset.node = m.node;
      tr.append(
        el('td', '', m.node),
        el('td', 'num', m.eventsPerSecond.toFixed(1)),
        el('td', 'num', String(m.actors)),
        el('td', 'num', String(m.restarts))
      );
      return tr;
    })
  );
}
