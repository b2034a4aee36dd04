/**
 * Traces: what the page has seen, saved as a file that opens again in the inspector. The recorder
 * keeps the last `max` live messages; messages pushed out of that window are applied to a base
 * model, so a saved trace is always "the state at the start of the window, then every message
 * since": definitions + one snapshot + the window. Opening one replays it into a fresh model.
 */
import type { InspectMessage } from '../../actors/inspection/types.js';
import { InspectorModel } from './model.js';

/** The file format of a saved trace. */
export interface TraceFile {
  format: 'bitdust-inspector-trace';
  version: 1;
  savedAt: string;
  messages: InspectMessage[];
}

/** Records the stream for saving. */
export class TraceRecorder {
  #base = new InspectorModel();
  #window: InspectMessage[] = [];

  constructor(private readonly max = 20_000) {}

  get size(): number {
    return this.#window.length;
  }

  add(batch: InspectMessage[]): void {
    for (const m of batch) {
      // A snapshot restarts the story: the window so far is superseded by it.
      if (m.kind === 'snapshot') {
        this.#base = new InspectorModel();
        this.#base.apply([...this.#definitionsOf(this.#window), m]);
        this.#window = [];
        continue;
      }
      if (m.kind === 'dropped') continue;
      this.#window.push(m);
    }
    if (this.#window.length > this.max) {
      const out = this.#window.splice(0, this.#window.length - this.max);
      this.#base.apply(out);
    }
  }

  /** The trace file of everything in the window. */
  save(now = new Date()): TraceFile {
    const defs = [...this.#base.definitions.values()];
    return {
      format: 'bitdust-inspector-trace',
      version: 1,
      savedAt: now.toISOString(),
      messages: [...defs, this.#base.toSnapshot(), ...this.#window]
    };
  }

  #definitionsOf(messages: InspectMessage[]): InspectMessage[] {
    return [...this.#base.definitions.values(), ...messages.filter((m) => m.kind === 'definition')];
  }
}

/** Parses a trace file; throws a readable error for anything else. */
export function parseTrace(text: string): TraceFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('not a trace: the file is not JSON');
  }
  const t = value as Partial<TraceFile>;
  if (t?.format !== 'bitdust-inspector-trace' || t.version !== 1 || !Array.isArray(t.messages)) {
    throw new Error('not a trace: expected format "bitdust-inspector-trace", version 1');
  }
  const ok = t.messages.every(
    (m) => typeof m === 'object' && m !== null && typeof (m as { kind?: unknown }).kind === 'string'
  );
  if (!ok) throw new Error('not a trace: a message has no kind');
  return t as TraceFile;
}
