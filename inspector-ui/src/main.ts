/**
 * The inspector page: wires the live feed (/ws/inspect) into the model, the event log, metrics and
 * the trace recorder, and those into the views — tree, statechart, log, sequence, context,
 * metrics and teaching. The token arrives in the URL (`/?token=...`); the server has already set
 * an HttpOnly cookie from it, so the page removes it from the address bar and keeps it in memory.
 */
import type { InspectMessage, StateMessage } from '../../actors/inspection/types.js';
import { api, setToken } from './api.js';
import { ChartLayouts, workerLayouter } from './chart/layout.js';
import { ChartView } from './chart-view.js';
import { byId, download, frameScheduler } from './dom.js';
import { EventLog } from './event-log.js';
import { connectFeed } from './feed.js';
import { LogView } from './log-view.js';
import { Metrics, type NodeMetrics } from './metrics.js';
import { InspectorModel } from './model.js';
import { SequenceView } from './sequence-view.js';
import { showContext, showMetrics } from './side-views.js';
import { TeachingView } from './teaching-view.js';
import { LedgerView } from './ledger-view.js';
import { parseTrace, TraceRecorder, type TraceFile } from './trace.js';
import { TreeView } from './tree-view.js';

const params = new URLSearchParams(location.search);
const token = params.get('token');
if (token !== null) {
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
}
setToken(token);

const model = new InspectorModel();
const log = new EventLog();
const metrics = new Metrics();
const recorder = new TraceRecorder();
const names = new Map<string, string>();
let figures = new Map<string, NodeMetrics>();
let offline: TraceFile | undefined;
let tab = 'log';

const short = (node: string) =>
  names.get(node) ?? (node.length > 12 ? `${node.slice(0, 8)}…` : node);
const nodeNote = (node: string) => {
  const m = figures.get(node);
  const name = names.get(node);
  const parts = [
    name ? `${name} ·` : '',
    m ? `${m.actors} actors · ${m.eventsPerSecond.toFixed(1)} ev/s` : ''
  ];
  if (m?.restarts) parts.push(`· ↻ ${m.restarts}`);
  return parts.filter(Boolean).join(' ');
};
const historyOf = async (node: string, sid: string) =>
  offline
    ? offline.messages.filter(
        (m): m is StateMessage => m.kind === 'state' && m.node === node && m.sid === sid
      )
    : (await api.history(node, sid)).entries;

const chart = new ChartView(model, new ChartLayouts(workerLayouter()), historyOf);
const selected = () => chart.selected;
const tree = new TreeView(byId('tree'), model, select, nodeNote);
const logView = new LogView(log, model, selected);
const sequence = new SequenceView(log, selected);
const teaching = new TeachingView(
  selected,
  (node, sid) => model.actor(node, sid)?.status === 'active',
  (m) => sequence.addNetwork(m),
  short
);

function select(node: string, sid: string): void {
  void chart.select(node, sid);
  void teaching.refreshEvents();
  byId('selection').textContent = `${node.slice(0, 12)} / ${sid}`;
  if (tab === 'context') void showContext(node, sid, offline !== undefined);
  renderTab(true);
}

function renderTab(force = false): void {
  if (tab === 'log') logView.render(force);
  else if (tab === 'sequence') sequence.render();
  else if (tab === 'metrics') showMetrics([...figures.values()]);
}

let measured = 0;
const redraw = frameScheduler(() => {
  const start = performance.now();
  tree.render();
  chart.refresh();
  renderTab();
  // The work of each frame, for bench/inspector.ts (a PerformanceObserver there); kept bounded.
  performance.measure('inspector-draw', { start });
  if (++measured % 1000 === 0) performance.clearMeasures('inspector-draw');
});

let eventsTimer: ReturnType<typeof setTimeout> | undefined;
function onBatch(batch: InspectMessage[]): void {
  model.apply(batch);
  log.add(batch, model);
  metrics.add(batch, performance.now());
  recorder.add(batch);
  const sel = chart.selected;
  for (const m of batch) {
    if (m.kind !== 'state') continue;
    chart.onState(m);
    if (sel && m.sid === sel.sid && eventsTimer === undefined) {
      // The accepted events change with the state: reload them, at most a few times a second.
      eventsTimer = setTimeout(() => {
        eventsTimer = undefined;
        void teaching.refreshEvents();
      }, 150);
    }
  }
  redraw();
}

const stopFeed = connectFeed(token, {
  batch: onBatch,
  status: (text, state) => {
    const status = byId('status');
    status.textContent = text;
    status.dataset.state = state;
  }
});

setInterval(() => {
  figures = new Map(metrics.read(model, performance.now()).map((m) => [m.node, m]));
  redraw();
}, 1000);

for (const b of document.querySelectorAll<HTMLButtonElement>('.tab')) {
  b.addEventListener('click', () => {
    tab = b.dataset.tab ?? 'log';
    for (const other of document.querySelectorAll<HTMLElement>('.tab')) {
      other.classList.toggle('on', other === b);
    }
    for (const panel of document.querySelectorAll<HTMLElement>('[data-panel]')) {
      panel.hidden = panel.dataset.panel !== tab;
    }
    const sel = chart.selected;
    if (tab === 'context' && sel) void showContext(sel.node, sel.sid, offline !== undefined);
    renderTab(true);
  });
}

byId<HTMLInputElement>('search').addEventListener('input', (ev) => {
  tree.options.search = (ev.target as HTMLInputElement).value;
  tree.render();
});
byId<HTMLSelectElement>('status-filter').addEventListener('input', (ev) => {
  tree.options.status = (ev.target as HTMLSelectElement).value as typeof tree.options.status;
  tree.render();
});
byId('export-trace').addEventListener('click', () => {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  download(`bitdust-trace-${stamp}.json`, 'application/json', JSON.stringify(recorder.save()));
});
byId<HTMLInputElement>('open-trace').addEventListener('change', async (ev) => {
  const file = (ev.target as HTMLInputElement).files?.[0];
  if (!file) return;
  try {
    openTrace(parseTrace(await file.text()));
  } catch (err) {
    byId('status').textContent = String(err instanceof Error ? err.message : err);
  }
});

/** Shows a saved trace instead of the live node: the feed and teaching stop. */
function openTrace(file: TraceFile): void {
  stopFeed();
  teaching.stop();
  byId('teaching').hidden = true;
  ledger.stop();
  byId('ledger').hidden = true;
  offline = file;
  model.reset();
  log.clear();
  chart.clear();
  onBatch(file.messages);
  byId('status').textContent = `trace saved ${file.savedAt} · ${file.messages.length} messages`;
}

void api
  .nodes()
  .then((r) => {
    for (const n of r.nodes) names.set(n.id, n.name);
    redraw();
  })
  .catch(() => undefined);
teaching.start();
const ledger = new LedgerView();
ledger.start();
tree.render();
