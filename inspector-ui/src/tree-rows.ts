/**
 * The actor tree flattened into rows (node headers, then actors depth-first), with filter, search
 * and collapsing applied: the virtualized tree view draws only the rows in sight. Pure, so the
 * thousands-of-actors case is tested under node.
 */
import { actorName, formatValue, type ActorView, type InspectorModel } from './model.js';

/** One row of the tree. */
export interface TreeRow {
  key: string;
  node: string;
  depth: number;
  /** Absent for a node's header row. */
  actor?: ActorView;
  hasChildren: boolean;
}

/** How the tree is filtered. */
export interface TreeOptions {
  /** Case-insensitive text matched against name, machine, state, system id and sid. */
  search: string;
  /** Show only actors with this status ('' for all). */
  status: '' | 'active' | 'done' | 'error' | 'stopped';
  /** Row keys (`node` or `node/sid`) whose children are hidden. */
  collapsed: Set<string>;
}

/** Depth beyond which a parent chain is treated as malformed rather than followed. */
const MAX_DEPTH = 64;

function matches(actor: ActorView, search: string): boolean {
  const fields = [
    actorName(actor),
    actor.machineId,
    formatValue(actor.value),
    actor.systemId,
    actor.sid
  ];
  return fields.some((f) => f !== undefined && f.toLowerCase().includes(search));
}

/** Rows to draw for `model` under `options`. */
export function treeRows(model: InspectorModel, options: TreeOptions): TreeRow[] {
  const search = options.search.trim().toLowerCase();
  const rows: TreeRow[] = [];
  for (const view of model.nodes.values()) {
    const children = new Map<string, ActorView[]>();
    for (const actor of view.actors.values()) {
      if (actor.parent === undefined) continue;
      let list = children.get(actor.parent);
      if (!list) children.set(actor.parent, (list = []));
      list.push(actor);
    }
    const shown = (a: ActorView) => !options.status || a.status === options.status;
    // Which actors pass: a match, or an ancestor of a match (so the path to it stays visible).
    const keep = new Map<string, boolean>();
    const passes = (actor: ActorView, depth: number): boolean => {
      const known = keep.get(actor.sid);
      if (known !== undefined) return known;
      let ok = shown(actor) && (!search || matches(actor, search));
      if (depth < MAX_DEPTH) {
        for (const child of children.get(actor.sid) ?? []) ok = passes(child, depth + 1) || ok;
      }
      keep.set(actor.sid, ok);
      return ok;
    };
    const nodeMatches = search !== '' && view.node.toLowerCase().includes(search);
    const root = view.actors.get(view.root);
    if (!root || (!nodeMatches && !passes(root, 0) && search)) continue;
    rows.push({ key: view.node, node: view.node, depth: 0, hasChildren: true });
    if (options.collapsed.has(view.node)) continue;
    const visit = (actor: ActorView, depth: number) => {
      if (!nodeMatches && !passes(actor, depth)) return;
      const kids = children.get(actor.sid) ?? [];
      const key = `${view.node}/${actor.sid}`;
      rows.push({ key, node: view.node, depth: depth + 1, actor, hasChildren: kids.length > 0 });
      if (options.collapsed.has(key) || depth >= MAX_DEPTH) return;
      for (const child of kids) visit(child, depth + 1);
    };
    visit(root, 0);
  }
  return rows;
}
