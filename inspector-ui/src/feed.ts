/**
 * The live feed: /ws/inspect with reconnection (doubling backoff up to 10 s). Each frame is one
 * batch (a JSON array); the first after (re)connecting holds the definitions and the snapshot.
 */
import type { InspectMessage } from '../../actors/inspection/types.js';

/** Callbacks of {@link connectFeed}. */
export interface FeedHandlers {
  batch(messages: InspectMessage[]): void;
  status(text: string, state: 'live' | 'connecting' | 'lost' | 'offline'): void;
}

/** Connects and keeps reconnecting until the returned function is called. */
export function connectFeed(token: string | null, on: FeedHandlers): () => void {
  let retryMs = 500;
  let socket: WebSocket | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const open = () => {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const query = token ? `?token=${encodeURIComponent(token)}` : '';
    const ws = new WebSocket(`${scheme}://${location.host}/ws/inspect${query}`);
    socket = ws;
    on.status('connecting…', 'connecting');
    ws.addEventListener('open', () => {
      retryMs = 500;
      on.status('live', 'live');
    });
    ws.addEventListener('message', (ev: MessageEvent<string>) => {
      on.batch(JSON.parse(ev.data) as InspectMessage[]);
    });
    ws.addEventListener('close', () => {
      if (closed) return;
      on.status(`disconnected — retrying in ${(retryMs / 1000).toFixed(1)} s`, 'lost');
      timer = setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    });
  };

  open();
  return () => {
    closed = true;
    if (timer !== undefined) clearTimeout(timer);
    socket?.close();
    on.status('offline: showing a saved trace', 'offline');
  };
}
