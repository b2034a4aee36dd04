/**
 * The page's calls to the local API. The HttpOnly cookie set when the page was opened with
 * `?token=` authenticates them; the token kept in memory is sent as a bearer too, for browsers
 * that refuse the cookie. Errors carry the API's `code` and message.
 */
import type { HistoryEntry } from '../../actors/inspection/types.js';

let bearer: string | null = null;

/** Remembers the token the page was opened with (never stored anywhere else). */
export function setToken(token: string | null): void {
  bearer = token;
}

/** An API error as the server describes it. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {})
  });
  const data = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok) throw new ApiFailure(res.status, data.code ?? 'ERR', data.message ?? res.statusText);
  return data as T;
}

const actorPath = (node: string, sid: string) =>
  `${encodeURIComponent(node)}/${encodeURIComponent(sid)}`;

export const api = {
  nodes: () => call<{ nodes: { id: string; name: string; devnet: boolean }[] }>('GET', '/api/node'),
  context: (node: string, sid: string) =>
    call<{ value: unknown; truncated: boolean }>(
      'GET',
      `/api/actors/${actorPath(node, sid)}/context`
    ),
  history: (node: string, sid: string) =>
    call<{ entries: HistoryEntry[] }>('GET', `/api/actors/${actorPath(node, sid)}/history`),
  teaching: <T>(since: number) => call<T>('GET', `/api/teaching?since=${since}`),
  balances: <T>() => call<T>('GET', '/api/ledger/balances'),
  clock: <T>(body: { action: string; ms?: number; scale?: number }) =>
    call<T>('POST', '/api/teaching/clock', body),
  events: <T>(node: string, sid: string) =>
    call<T>('GET', `/api/teaching/actors/${actorPath(node, sid)}/events`),
  send: <T>(node: string, sid: string, type: string, payload?: Record<string, unknown>) =>
    call<T>('POST', `/api/teaching/actors/${actorPath(node, sid)}/send`, {
      type,
      ...(payload ? { payload } : {})
    })
};
