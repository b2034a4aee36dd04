/**
 * Storage jobs started through the API and followed while they run: each job has an id, its
 * latest progress, and once it ends its result or its error. Followers get every progress update
 * and then one final event. Bounded: at most `maxRunning` at once (more is refused) and the
 * `keepFinished` newest finished jobs are remembered for late followers. `cancel` aborts a running
 * job's signal; a job that then gives up with ERR_STORAGE_CANCELLED ends `cancelled` (its final
 * event is `failed` with that code, so followers need no new case).
 */
import { randomBytes } from 'node:crypto';

/** What a job has done so far; `items` tells whether the counts are files or blocks. */
export interface JobProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly itemsDone: number;
  readonly itemsTotal: number;
  readonly items: 'files' | 'blocks';
  /** The file being worked on, when there is one. */
  readonly current?: string;
  /** Milliseconds since the job started. */
  readonly elapsedMs: number;
}

/** The kinds of job. */
export type JobKind = 'backup' | 'restore' | 'rebuild';

/** One event of a job, as followers receive it. */
export type JobEvent =
  | { readonly type: 'progress'; readonly progress: JobProgress }
  | { readonly type: 'done'; readonly result: unknown }
  | { readonly type: 'failed'; readonly code: string; readonly message: string };

/** A job as the API shows it. */
export interface JobView {
  readonly id: string;
  readonly kind: JobKind;
  readonly state: 'running' | 'done' | 'failed' | 'cancelled';
  /** A cancel was asked for (the job may still finish: it stops at its next step). */
  readonly cancelling?: boolean;
  readonly startedAt: number;
  readonly progress: JobProgress | undefined;
  readonly result?: unknown;
  readonly error?: { code: string; message: string };
}

/** What a job's body gets: report progress without the elapsed time (the board adds it). */
export type ReportProgress = (p: Omit<JobProgress, 'elapsedMs'>) => void;

interface Job {
  view: JobView;
  followers: Set<(e: JobEvent) => void>;
  abort: AbortController;
}

/** The code a job that gave up after a cancel throws. */
const CANCELLED = 'ERR_STORAGE_CANCELLED';

/** Options of {@link JobBoard}. */
export interface JobBoardOptions {
  readonly maxRunning?: number;
  readonly keepFinished?: number;
  readonly now?: () => number;
}

/** See the module comment. */
export class JobBoard {
  private readonly jobs = new Map<string, Job>();
  private readonly now: () => number;

  constructor(private readonly options: JobBoardOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  /** Jobs running now. */
  running(): number {
    return [...this.jobs.values()].filter((j) => j.view.state === 'running').length;
  }

  /**
   * Starts `body` as a job; `undefined` when `maxRunning` jobs already run. Progress that would go
   * backwards (a late update from a parallel file) is dropped, so followers see it only grow.
   */
  start(
    kind: JobKind,
    body: (report: ReportProgress, signal: AbortSignal) => Promise<unknown>
  ): JobView | undefined {
    if (this.running() >= (this.options.maxRunning ?? 4)) return undefined;
    const id = randomBytes(8).toString('hex');
    const startedAt = this.now();
    const job: Job = {
      view: { id, kind, state: 'running', startedAt, progress: undefined },
      followers: new Set(),
      abort: new AbortController()
    };
    this.jobs.set(id, job);
    const emit = (e: JobEvent) => {
      for (const f of [...job.followers]) f(e);
    };
    const report: ReportProgress = (p) => {
      if (job.view.state !== 'running') return;
      const last = job.view.progress;
      if (last && (p.bytesDone < last.bytesDone || p.itemsDone < last.itemsDone)) return;
      const progress: JobProgress = { ...p, elapsedMs: Math.max(0, this.now() - startedAt) };
      job.view = { ...job.view, progress };
      emit({ type: 'progress', progress });
    };
    void (async () => {
      try {
        const result = await body(report, job.abort.signal);
        job.view = { ...job.view, state: 'done', result };
        emit({ type: 'done', result });
      } catch (err) {
        const e = err as { code?: unknown; message?: unknown };
        const error = {
          code: typeof e.code === 'string' ? e.code : 'ERR_API_INTERNAL',
          message: typeof e.message === 'string' ? e.message : String(err)
        };
        const cancelled = job.abort.signal.aborted && error.code === CANCELLED;
        job.view = { ...job.view, state: cancelled ? 'cancelled' : 'failed', error };
        emit({ type: 'failed', ...error });
      }
      job.followers.clear();
      this.forgetOld();
    })();
    return job.view;
  }

  /**
   * Asks job `id` to stop: the job as it is now (still running, `cancelling`), `undefined` for an
   * unknown job, `'finished'` for one that has already ended.
   */
  cancel(id: string): JobView | 'finished' | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (job.view.state !== 'running') return 'finished';
    job.view = { ...job.view, cancelling: true };
    job.abort.abort();
    return job.view;
  }

  /** The job `id`, or `undefined`. */
  get(id: string): JobView | undefined {
    return this.jobs.get(id)?.view;
  }

  /** Every remembered job, oldest first. */
  list(): JobView[] {
    return [...this.jobs.values()].map((j) => j.view);
  }

  /**
   * Follows job `id`: `onEvent` gets the latest progress now, every later update, and the final
   * event (at once, for a job that already ended). Returns the unsubscription; `undefined` for an
   * unknown job.
   */
  follow(id: string, onEvent: (e: JobEvent) => void): (() => void) | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    const v = job.view;
    if (v.progress) onEvent({ type: 'progress', progress: v.progress });
    if (v.state === 'done') onEvent({ type: 'done', result: v.result });
    else if (v.state === 'failed' || v.state === 'cancelled')
      onEvent({ type: 'failed', ...v.error! });
    if (v.state !== 'running') return () => undefined;
    job.followers.add(onEvent);
    return () => job.followers.delete(onEvent);
  }

  private forgetOld(): void {
    const finished = [...this.jobs.values()].filter((j) => j.view.state !== 'running');
    const extra = finished.length - (this.options.keepFinished ?? 32);
    for (const j of finished.slice(0, Math.max(0, extra))) this.jobs.delete(j.view.id);
  }
}
