/**
 * The first inspector page: connects to /ws/inspect and shows the live actor tree of every node
 * hosted by this process. The token arrives in the URL (`/?token=...`); the server has already
 * turned it into an HttpOnly cookie, so the page removes it from the address bar and passes it to
 * the WebSocket only from memory.
 */
import type { InspectMessage } from '../../actors/inspection/types.js';
import { InspectorModel } from './model.js';
import { frameScheduler, renderTree } from './render.js';

const params = new URLSearchParams(location.search);
const token = params.get('token');
if (token !== null) {
  params.delete('token');
  const rest = params.toString();
  history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
}

const tree = document.getElementById('tree')!;
const status = document.getElementById('status')!;
const model = new InspectorModel();
const redraw = frameScheduler(() => renderTree(tree, model));

function setStatus(text: string, state: 'live' | 'connecting' | 'lost'): void {
  status.textContent = text;
  status.dataset.state = state;
}

let retryMs = 500;

function connect(): void {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  const ws = new WebSocket(`${scheme}://${location.host}/ws/inspect${query}`);
  setStatus('connecting…', 'connecting');
  ws.addEventListener('open', () => {
    retryMs = 500;
    setStatus('live', 'live');
  });
  ws.addEventListener('message', (ev: MessageEvent<string>) => {
    model.apply(JSON.parse(ev.data) as InspectMessage[]);
    redraw();
  });
  ws.addEventListener('close', () => {
    setStatus(`disconnected — retrying in ${(retryMs / 1000).toFixed(1)} s`, 'lost');
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  });
}

renderTree(tree, model);
connect();
