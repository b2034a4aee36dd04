/**
 * Progress of a long storage command in human units: bytes (KiB, MiB, GiB), speed and time left.
 * On a terminal one bar is redrawn in place (at most every 100 ms); anywhere else (a pipe, a log,
 * the tests) plain lines are printed — the first, one every `everyMs`, and the last — so a log
 * shows that the job moved without thousands of lines.
 */

/** What a job has done so far (the API's job progress; `elapsedMs` since it started). */
export interface Progress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly itemsDone: number;
  readonly itemsTotal: number;
  readonly items: 'files' | 'blocks';
  readonly current?: string;
  readonly elapsedMs?: number;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB". */
export function humanBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(n)} B` : `${v.toFixed(v < 10 ? 1 : 0)} ${UNITS[u]}`;
}

/** 65 000 → "1m05s". */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Whether the job has reached its end. */
const complete = (p: Progress) => p.bytesDone >= p.bytesTotal && p.itemsDone >= p.itemsTotal;

/**
 * One progress line: `backup [####....]  35%  350 MiB / 1.0 GiB  12/40 files  42 MiB/s  ETA 17s`
 * (the bar only when `width` > 0). Speed is the average since the start; the time left follows
 * from it.
 */
export function progressLine(label: string, p: Progress, elapsedMs: number, width = 0): string {
  const frac =
    p.bytesTotal > 0
      ? Math.min(1, p.bytesDone / p.bytesTotal)
      : p.itemsTotal > 0
        ? Math.min(1, p.itemsDone / p.itemsTotal)
        : 1;
  const fill = Math.round(frac * width);
  const bar = width > 0 ? ` [${'#'.repeat(fill)}${'.'.repeat(width - fill)}]` : '';
  const pct = `${String(Math.floor(frac * 100)).padStart(3)}%`;
  const parts = [
    `${label}${bar} ${pct}`,
    `${humanBytes(p.bytesDone)} / ${humanBytes(p.bytesTotal)}`,
    `${p.itemsDone}/${p.itemsTotal} ${p.items}`
  ];
  const rate = elapsedMs > 0 ? (p.bytesDone * 1000) / elapsedMs : 0;
  if (rate > 0) parts.push(`${humanBytes(rate)}/s`);
  if (rate > 0 && !complete(p))
    parts.push(`ETA ${humanDuration(((p.bytesTotal - p.bytesDone) * 1000) / rate)}`);
  if (complete(p)) parts.push(`in ${humanDuration(elapsedMs)}`);
  return parts.join('  ');
}

/** Where progress goes. */
export interface ProgressOutput {
  /** A terminal: redraw one line. */
  readonly tty: boolean;
  /** Writes without a newline (terminal) ... */
  readonly write: (chunk: string) => void;
  /** ... or one line (anywhere else). */
  readonly line: (line: string) => void;
}

/** Options of {@link progressPrinter}. */
export interface ProgressPrinterOptions {
  readonly now?: () => number;
  /** Least time between two plain lines (ms, default 2000; a terminal redraws every 100 ms). */
  readonly everyMs?: number;
  /** Bar width on a terminal (default 24). */
  readonly width?: number;
}

/** Prints progress updates; call `end()` once the job is over. */
export function progressPrinter(
  label: string,
  out: ProgressOutput,
  options: ProgressPrinterOptions = {}
): { update(p: Progress): void; end(): void } {
  const now = options.now ?? Date.now;
  const started = now();
  const every = out.tty ? 100 : (options.everyMs ?? 2000);
  let last = -Infinity;
  let drawn = false;
  let finished = false;
  return {
    update(p) {
      if (finished) return;
      const t = now();
      const done = complete(p);
      if (!done && t - last < every) return;
      last = t;
      const elapsed = p.elapsedMs ?? t - started;
      if (out.tty) {
        out.write(`\r${progressLine(label, p, elapsed, options.width ?? 24)}\u001b[K`);
        drawn = true;
      } else out.line(progressLine(label, p, elapsed));
      finished = done;
    },
    end() {
      if (out.tty && drawn) out.write('\n');
      drawn = false;
      finished = true;
    }
  };
}
