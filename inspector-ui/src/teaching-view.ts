/**
 * Teaching mode in the page (devnet hosts only): the clock's controls (pause/resume, step by N ms,
 * step to the next timer, speed), the events the selected machine accepts in its current state —
 * from its definition, with guards evaluated on the server — to inject with an optional JSON
 * payload, and a running demo's narration. Polls /api/teaching twice a second while open.
 */
import { api, ApiFailure } from './api.js';
import { byId, clockText, el } from './dom.js';
import type { SeqMessage } from './sequence-view.js';

interface ClockState {
  mode: 'running' | 'paused';
  scale: number;
  now: number;
  pending: number;
  next?: number;
}
interface Feed {
  available: boolean;
  clock?: ClockState;
  narration?: { seq: number; at: number; text: string }[];
  network?: {
    at: number;
    event: string;
    from: string;
    to: string;
    bytes: number;
    reason?: string;
  }[];
  next?: number;
}
interface Accepted {
  type: string;
  enabled: boolean | null;
  guards: string[];
  targets: string[];
}
interface InjectResult {
  type: string;
  status: string;
  enabled: boolean | null;
  taken: boolean;
  before: unknown;
  after: unknown;
}

const POLL_MS = 500;

/** The teaching panel. */
export class TeachingView {
  available = false;
  #since = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #clock: ClockState | undefined;
  #eventsFor = '';
  readonly #panel = byId('teaching');
  readonly #result = byId('inject-result');

  constructor(
    private readonly selected: () => { node: string; sid: string } | undefined,
    private readonly isActive: (node: string, sid: string) => boolean,
    private readonly onNetwork: (messages: SeqMessage[]) => void,
    private readonly short: (node: string) => string
  ) {
    byId('clock-pause').addEventListener('click', () =>
      this.#clockAction(this.#clock?.mode === 'paused' ? { action: 'resume' } : { action: 'pause' })
    );
    byId('clock-step').addEventListener('click', () =>
      this.#clockAction({
        action: 'step',
        ms: Number(byId<HTMLInputElement>('step-ms').value) || 100
      })
    );
    byId('clock-next').addEventListener('click', () => this.#clockAction({ action: 'next' }));
    byId<HTMLSelectElement>('clock-speed').addEventListener('input', (ev) =>
      this.#clockAction({ action: 'scale', scale: Number((ev.target as HTMLSelectElement).value) })
    );
  }

  /** Starts polling; stops for good when the server says teaching is off. */
  start(): void {
    void this.#poll();
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Reloads the accepted events of the selected actor (after a selection or a state change). */
  async refreshEvents(): Promise<void> {
    const sel = this.selected();
    const list = byId('accepted');
    if (!this.available || !sel) return;
    const key = `${sel.node}/${sel.sid}`;
    this.#eventsFor = key;
    if (!this.isActive(sel.node, sel.sid)) {
      list.replaceChildren(el('p', 'muted', 'This actor has finished: it accepts no events.'));
      return;
    }
    try {
      const r = await api.events<{ value: unknown; events: Accepted[] }>(sel.node, sel.sid);
      if (this.#eventsFor !== key) return;
      list.replaceChildren(...r.events.map((e) => this.#eventButton(sel, e)));
      if (r.events.length === 0) list.append(el('p', 'muted', 'No events accepted in this state.'));
    } catch (err) {
      if (this.#eventsFor === key) list.replaceChildren(el('p', 'muted', message(err)));
    }
  }

  #eventButton(sel: { node: string; sid: string }, e: Accepted): HTMLElement {
    const b = el('button', `inject ${e.enabled === false ? 'guarded' : 'enabled'}`, e.type);
    b.type = 'button';
    b.dataset.type = e.type;
    const guards = e.guards.filter(Boolean);
    b.title = [
      e.enabled === null
        ? 'guards need the payload to decide'
        : e.enabled
          ? 'a transition would be taken'
          : 'guards refuse it now',
      guards.length ? `guards: ${guards.join(', ')}` : '',
      e.targets.length ? `→ ${e.targets.join(', ')}` : ''
    ]
      .filter(Boolean)
      .join('\n');
    b.addEventListener('click', () => void this.#inject(sel, e.type));
    return b;
  }

  async #inject(sel: { node: string; sid: string }, type: string): Promise<void> {
    const text = byId<HTMLTextAreaElement>('payload').value.trim();
    let payload: Record<string, unknown> | undefined;
    try {
      payload = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      this.#show('The payload is not JSON.', 'error');
      return;
    }
    try {
      const r = await api.send<InjectResult>(sel.node, sel.sid, type, payload);
      const move = `${JSON.stringify(r.before)} → ${JSON.stringify(r.after)}`;
      this.#show(
        r.taken ? `${type}: taken, ${move}` : `${type}: not taken (guards refused)`,
        r.taken ? 'taken' : 'refused'
      );
      if (r.status !== 'active') {
        // The machine finished: it accepts nothing more (and the feed will say it stopped).
        byId('accepted').replaceChildren(el('p', 'muted', `The machine is ${r.status}.`));
        return;
      }
    } catch (err) {
      this.#show(message(err), 'error');
    }
    await this.refreshEvents();
  }

  #show(text: string, kind: string): void {
    this.#result.textContent = text;
    this.#result.dataset.kind = kind;
  }

  async #clockAction(body: { action: string; ms?: number; scale?: number }): Promise<void> {
    try {
      this.#paintClock(await api.clock<ClockState>(body));
    } catch (err) {
      this.#show(message(err), 'error');
    }
  }

  #paintClock(c: ClockState): void {
    this.#clock = c;
    byId('clock-now').textContent = clockText(c.now);
    byId('clock-mode').textContent = c.mode === 'paused' ? 'paused' : `running × ${c.scale}`;
    byId('clock-mode').dataset.mode = c.mode;
    byId('clock-pending').textContent = `${c.pending} timer${c.pending === 1 ? '' : 's'}`;
    byId('clock-pause').textContent = c.mode === 'paused' ? 'Resume' : 'Pause';
  }

  async #poll(): Promise<void> {
    try {
      const feed = await api.teaching<Feed>(this.#since);
      this.available = feed.available;
      this.#panel.hidden = !feed.available;
      byId('teaching-off').hidden = feed.available;
      if (!feed.available) return;
      this.#since = feed.next ?? this.#since;
      if (feed.clock) this.#paintClock(feed.clock);
      if (feed.narration?.length) this.#narrate(feed.narration);
      if (feed.network?.length) {
        this.onNetwork(
          feed.network.map((n) => ({
            at: n.at,
            from: this.short(n.from),
            to: this.short(n.to),
            label: n.event === 'drop' ? `✗ ${n.reason ?? 'dropped'}` : `${n.bytes} B`,
            dropped: n.event === 'drop'
          }))
        );
      }
    } catch {
      // The node may be restarting: try again at the next tick.
    }
    this.#timer = setTimeout(() => void this.#poll(), POLL_MS);
  }

  #narrate(lines: { seq: number; text: string }[]): void {
    const list = byId('narration');
    for (const l of lines) {
      const item = el('li', '', l.text);
      item.dataset.seq = String(l.seq);
      list.append(item);
    }
    while (list.children.length > 200) list.firstElementChild!.remove();
    list.scrollTop = list.scrollHeight;
    const banner = byId('narration-banner');
    banner.textContent = lines.at(-1)!.text;
    banner.hidden = false;
  }
}

function message(err: unknown): string {
  return err instanceof ApiFailure ? `${err.code}: ${err.message}` : String(err);
}
