/**
 * Draws the actor tree of every node with plain DOM: node → supervisors → children, each actor
 * with its id, machine, current state, status and restart count. The whole tree is rebuilt at
 * most once per animation frame; a first page with hundreds of actors does not need more.
 */
import { formatValue, type ActorView, type InspectorModel, type NodeView } from './model.js';

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function actorItem(model: InspectorModel, view: NodeView, actor: ActorView, depth: number) {
  const li = el('li', 'actor');
  li.dataset.sid = actor.sid;
  li.dataset.actorId = actor.id;
  const row = el('div', 'row');
  // A root created without an id is named by its sessionId; its system or machine id reads better.
  const name = actor.id === actor.sid ? (actor.systemId ?? actor.machineId ?? actor.id) : actor.id;
  row.append(el('span', 'id', name));
  if (actor.machineId && actor.machineId !== name) {
    row.append(el('span', 'machine', actor.machineId));
  }
  const state = formatValue(actor.value);
  if (state) row.append(el('span', 'state', state));
  row.append(el('span', `status status-${actor.status}`, actor.status));
  const restarts = model.restarts(view, actor);
  if (restarts && restarts.restarts > 0) {
    const badge = el('span', 'restarts', `↻ ${restarts.restarts}`);
    badge.title = restarts.lastExit ? `last exit: ${restarts.lastExit}` : 'restarts';
    row.append(badge);
  }
  li.append(row);
  const children = model.children(view, actor.sid);
  // Depth guard against a malformed parent chain looping forever.
  if (children.length > 0 && depth < 64) {
    const ul = el('ul', 'children');
    for (const child of children) ul.append(actorItem(model, view, child, depth + 1));
    li.append(ul);
  }
  return li;
}

/** Replaces the contents of `container` with the current tree of every node. */
export function renderTree(container: HTMLElement, model: InspectorModel): void {
  const sections: HTMLElement[] = [];
  for (const view of model.nodes.values()) {
    const section = el('section', 'node');
    section.dataset.node = view.node;
    const title = el('h2', '', view.node);
    title.append(el('span', 'count', `${view.actors.size} actors`));
    section.append(title);
    const root = view.actors.get(view.root);
    const ul = el('ul', 'tree');
    if (root) ul.append(actorItem(model, view, root, 0));
    section.append(ul);
    sections.push(section);
  }
  if (sections.length === 0) sections.push(el('p', 'empty', 'No nodes yet.'));
  container.replaceChildren(...sections);
}

/** Returns a function that re-renders on the next animation frame, coalescing calls. */
export function frameScheduler(draw: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      draw();
    });
  };
}
