/**
 * The event log: events delivered (sender → target) and state changes, newest last, bounded.
 * Names are resolved when an entry is logged, so a line still reads well after its actors left.
 * Pure data (filtering included) so that it is tested under node.
 */
import type { InspectMessage } from '../../actors/inspection/types.js';
import { formatValue, type InspectorModel } from './model.js';

/** One line of the log. */
export interface LogEntry {
  seq: number;
  at: number;
  node: string;
  kind: 'event' | 'state';
  /** Event type (for a state change: the event that caused it). */
  type: string;
  from?: string;
  fromName?: string;
  to: string;
  toName: string;
  /** The new state value, for state changes. */
  value?: string;
}

/** What the log view shows; empty fields match everything. */
export interface LogFilter {
  node?: string;
  /** Only lines where this sid sends or receives. */
  actor?: string;
  /** Substring of the event type (case-insensitive). */
  type?: string;
  /** Leave out state changes. */
  eventsOnly?: boolean;
}

/** A bounded log of what happened; `version` changes whenever lines are added. */
export class EventLog {
  readonly #entries: LogEntry[] = [];
  version = 0;

  constructor(private readonly max = 5000) {}

  get size(): number {
    return this.#entries.length;
  }

  /** Logs the events and state changes of a batch (after the model has applied it). */
  add(batch: InspectMessage[], model: InspectorModel): void {
    for (const m of batch) {
      if (m.kind === 'event') {
        this.#push({
          seq: m.seq,
          at: m.at,
          node: m.node,
          kind: 'event',
          type: m.type,
          to: m.to,
          toName: model.labels.get(m.to) ?? m.to,
          ...(m.from ? { from: m.from, fromName: model.labels.get(m.from) ?? m.from } : {})
        });
      } else if (m.kind === 'state') {
        this.#push({
          seq: m.seq,
          at: m.at,
          node: m.node,
          kind: 'state',
          type: m.event ?? '',
          to: m.sid,
          toName: model.labels.get(m.sid) ?? m.sid,
          value: formatValue(m.value)
        });
      }
    }
  }

  /** Lines passing `filter`, oldest first. */
  filter(filter: LogFilter): LogEntry[] {
    const type = filter.type?.toLowerCase();
    return this.#entries.filter(
      (e) =>
        (!filter.node || e.node === filter.node) &&
        (!filter.actor || e.to === filter.actor || e.from === filter.actor) &&
        (!type || e.type.toLowerCase().includes(type)) &&
        (!filter.eventsOnly || e.kind === 'event')
    );
  }

  /** The newest `n` lines. */
  tail(n: number): LogEntry[] {
    return this.#entries.slice(-n);
  }

  clear(): void {
    this.#entries.length = 0;
    this.version++;
  }

  #push(entry: LogEntry): void {
    this.#entries.push(entry);
    // Trim in chunks: one splice per 10 % over the cap instead of a shift per line.
    if (this.#entries.length > this.max * 1.1) {
      this.#entries.splice(0, this.#entries.length - this.max);
    }
    this.version++;
  }
}
