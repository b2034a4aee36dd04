/**
 * The customer side of storage in one place: the catalog, the data key, fire-hire (with its
 * supplier connectors) and the audit loop as actors, and the jobs (backup, restore, rebuild) that
 * use the suppliers fire-hire keeps. What jobs learn about a supplier (no answer, refusal, disk
 * full) goes to its connector; what audits catch goes to fire-hire; every hire starts a rebuild of
 * that position. File operations are in customer-files.ts.
 */
import type { Compression } from './block-codec.js';
import { createActor, type AnyActorLogic, type AnyActorRef } from 'xstate';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import type { KvStore } from '../store/index.js';
import {
  childSpec,
  startChild,
  type ChildSpec,
  type SupervisorActor
} from '../supervisor/index.js';
import type { FireRecord, Seat } from '../../machines/fire-hire/machine.js';
import type { AuditScore } from '../../machines/audit/machine.js';
import type { RebuildOutput } from '../../machines/rebuild/machine.js';
import { Catalog } from './catalog.js';
import type { StorageClient } from './customer-client.js';
import { StorageError } from './errors.js';
import { Holdings, type Redundancy } from './holdings.js';
import { runRebuild, runToEnd, type RebuildProgress, type UpkeepContext } from './maintenance.js';
import { auditSpec, fireHireSpec } from './customer-specs.js';

/**
 * Who may serve as a supplier: the DHT suppliers layer, or a devnet's peer list. Provided, so
 * fire-hire does not care where candidates come from.
 */
export interface SupplierFinder {
  /** Node ids offering storage now, in the order to try them. */
  candidates(): Promise<string[]>;
}

/** The first candidate not in `exclude`; ERR_STORAGE_NOT_FOUND when there is none. */
export async function findOne(finder: SupplierFinder, exclude: readonly string[]) {
  const found = (await finder.candidates()).find((c) => !exclude.includes(c));
  if (!found) throw new StorageError('ERR_STORAGE_NOT_FOUND', 'no supplier candidate left');
  return found;
}

/** Options of {@link CustomerStorage}. */
export interface CustomerOptions {
  readonly client: StorageClient;
  /** The node's store: the catalog lives in `catalog`, local state in `storage-local`. */
  readonly store: KvStore;
  readonly dataKey: Uint8Array;
  readonly clock: Clock;
  readonly random: Random;
  readonly k: number;
  readonly m: number;
  readonly finder: SupplierFinder;
  /** Bytes asked of each supplier. */
  readonly neededBytes: number;
  readonly offlineLimitMs?: number;
  readonly connectorRetryMs?: number;
  readonly hireTimeoutMs?: number;
  /** How often a hired supplier is asked again when nothing else talks to it (ms). */
  readonly connectorCheckMs?: number;
  /** Opens a file to back up (default: a read stream); tests inject read errors here. */
  readonly openFile?: (path: string) => AsyncIterable<Uint8Array> | undefined;
  readonly auditIntervalMs?: number;
  /** How often each file's live redundancy is measured for the inspector (ms; default 60 s). */
  readonly redundancyIntervalMs?: number;
  readonly auditFailLimit?: number;
  /** Blocks in flight per backup job. */
  readonly window?: number;
  /** Files backed up or restored at once (default 4). */
  readonly parallelFiles?: number;
  readonly blockSize?: number;
  /** Largest shard one request carries (the route's frame less the envelope). */
  readonly maxShardBytes?: number;
  /** Block compression before sealing (block-codec.ts; default `auto`). */
  readonly compression?: Compression;
}

/** What `suppliers` shows. */
export interface SupplierView extends Seat {
  readonly score?: AuditScore;
}

/** See the module comment. */
export class CustomerStorage {
  readonly catalog: Catalog;
  readonly holdings = new Holdings();
  readonly local: KvStore;
  private fireHire: AnyActorRef | undefined;
  private audit: AnyActorRef | undefined;
  private redundancy: AnyActorRef | undefined;
  private supervisor: SupervisorActor | undefined;
  private rebuilding: Promise<unknown> = Promise.resolve();
  private readonly own: AnyActorRef[] = [];
  private jobSeq = 0;
  /** Rebuild outcomes, newest last (for tests, the API and the inspector). */
  readonly rebuilds: RebuildOutput[] = [];

  constructor(readonly options: CustomerOptions) {
    this.catalog = new Catalog(options.store.sub('catalog'));
    this.local = options.store.sub('storage-local');
  }

  get k(): number {
    return this.options.k;
  }
  get m(): number {
    return this.options.m;
  }

  /** The upkeep context (list-files, rebuild, audit). */
  upkeep(): UpkeepContext {
    return {
      client: this.options.client,
      catalog: this.catalog,
      clock: this.options.clock,
      holdings: this.holdings,
      suppliers: () => this.suppliers(),
      onShard: (p, e, k) => this.onShard(p, e, k)
    };
  }

  private saved: (string | undefined)[] = [];

  /**
   * Checks the catalog's format and reads the seats saved in it; call before starting fire-hire
   * (again after import).
   */
  async load(): Promise<void> {
    await this.catalog.checkFormat();
    const o = this.options;
    this.saved = Array.from({ length: o.k + o.m }, () => undefined);
    for (const p of await this.catalog.positions()) {
      if (p.position < this.saved.length) this.saved[p.position] = p.supplierId;
    }
  }

  /** The seats {@link load} read from the catalog. */
  savedSeats(): (string | undefined)[] {
    return [...this.saved];
  }

  /** Fire-hire started (or restarted): jobs report to it; under a supervisor, jobs go there. */
  bindFireHire(self: AnyActorRef): void {
    this.fireHire = self;
    const parent = (self as { _parent?: AnyActorRef })._parent;
    this.supervisor = parent && !this.own.includes(self) ? (parent as SupervisorActor) : undefined;
  }

  /** The audit loop started (or restarted). */
  bindAudit(self: AnyActorRef): void {
    this.audit = self;
  }

  /** The redundancy watch started (or restarted). */
  bindRedundancy(self: AnyActorRef): void {
    this.redundancy = self;
  }

  /** Each file's live redundancy now: shards listed at positions whose supplier is hired. */
  liveRedundancy(): Promise<Redundancy[]> {
    return this.holdings.redundancy(this.catalog, (p) => this.seats()[p]?.status === 'hired');
  }

  /** Something changed what is alive where: the redundancy watch measures again. */
  refreshRedundancy(): void {
    this.redundancy?.send({ type: 'redundancy.refresh' });
  }

  /** Fire-hire's child spec. */
  fireHireSpec(): ChildSpec {
    return fireHireSpec(() => this);
  }

  /** The audit loop's child spec. */
  auditSpec(): ChildSpec {
    return auditSpec(() => this);
  }

  /** A fire was carried out: forget what that position held and its audit score. */
  firedAt(position: number): void {
    this.holdings.drop(position);
    this.audit?.send({ type: 'audit.reset', position });
    this.refreshRedundancy();
  }

  /** Reports a failed audit to fire-hire. */
  auditFailed(f: { position: number; supplierId: string; reason: string }): void {
    this.fireHire?.send({ type: 'audit.failed', ...f });
  }

  /** Runs fire-hire and audit as plain actors (no supervisor): for embedders and tests. */
  async start(): Promise<void> {
    await this.load();
    for (const spec of [this.fireHireSpec(), this.auditSpec()]) {
      const actor = createActor(spec.logic, { clock: this.options.clock, input: spec.input });
      this.own.push(actor);
      actor.start();
    }
  }

  /** Stops what {@link start} started. */
  stop(): void {
    for (const a of this.own.splice(0)) a.stop();
    this.fireHire = undefined;
    this.audit = undefined;
  }

  /**
   * Runs a job machine to its end: as a temporary child `job.<name>.<n>` of the customer's
   * supervisor when bound (so it shows in the actor tree while it runs), else as a plain actor.
   */
  async runJob<O>(name: string, logic: AnyActorLogic, input: unknown): Promise<O> {
    const sup = this.supervisor;
    if (!sup || sup.getSnapshot().status !== 'active') {
      return runToEnd<O>(logic, this.options.clock, input);
    }
    const id = `job.${name}.${++this.jobSeq}`;
    const ref = await startChild(sup, childSpec(id, logic, { input, restart: 'temporary' }));
    return new Promise<O>((resolve, reject) => {
      // Stopped with the service (not finished): no output to give.
      const done = () => {
        const snap = ref.getSnapshot();
        if (snap.status === 'done') resolve(snap.output as O);
        else reject(new StorageError('ERR_STORAGE_NO_SERVICE', `${id} stopped before its end`));
      };
      if (ref.getSnapshot().status !== 'active') return done();
      ref.subscribe({ complete: done, error: reject });
    });
  }

  /** Supplier id at each position (`undefined` where vacant). */
  suppliers(): (string | undefined)[] {
    return this.seats().map((s) => s.supplierId);
  }

  /** Fire-hire's seats (empty before it started). */
  seats(): Seat[] {
    return (this.fireHire?.getSnapshot().context.seats as Seat[] | undefined) ?? [];
  }

  /** Why suppliers were fired, oldest first. */
  fired(): FireRecord[] {
    return (this.fireHire?.getSnapshot().context.fired as FireRecord[] | undefined) ?? [];
  }

  /** Seats with audit scores, for the API and the CLI. */
  supplierViews(): SupplierView[] {
    const scores = this.audit?.getSnapshot().context.scores as AuditScore[] | undefined;
    return this.seats().map((s) => ({
      ...s,
      ...(scores?.[s.position] ? { score: scores[s.position] } : {})
    }));
  }

  /** True once every position has a hired supplier. */
  ready(): boolean {
    const seats = this.seats();
    return seats.length === this.k + this.m && seats.every((s) => s.status === 'hired');
  }

  /** Operator: fire the supplier at `position`. */
  fire(position: number, reason = 'fired by the operator'): void {
    this.fireHire?.send({ type: 'fire-hire.fire', position, reason });
  }

  /** Runs an audit round now. */
  auditNow(): void {
    this.audit?.send({ type: 'audit.now' });
  }

  /**
   * Rebuilds missing shards at `positions` (all when empty); rebuilds run one after another.
   * `signal`: see {@link runRebuild}.
   */
  rebuild(
    positions: readonly number[] = [],
    onProgress?: (p: RebuildProgress) => void,
    signal?: AbortSignal
  ): Promise<RebuildOutput> {
    const run = this.rebuilding.then(() =>
      runRebuild(
        this.upkeep(),
        positions,
        (logic, input) => this.runJob('rebuild', logic, input),
        onProgress,
        signal
      )
    );
    this.rebuilding = run.catch(() => undefined);
    return run.then((out) => {
      this.rebuilds.push(out);
      this.refreshRedundancy();
      if (out.ok && out.unsent === 0) {
        const done = positions.length > 0 ? positions : this.seats().map((s) => s.position);
        for (const position of done) this.fireHire?.send({ type: 'fire-hire.rebuilt', position });
      }
      return out;
    });
  }

  /** A hire was saved: rebuild that position. */
  hired(position: number): void {
    void this.rebuild([position]).catch(() => undefined);
  }

  /** A job's word on one shard request: tell that position's connector. */
  onShard(position: number, error?: unknown, stored?: string): void {
    if (error === undefined && stored !== undefined) this.holdings.add(position, stored);
    const seat = this.seats()[position];
    const child = seat?.child && this.fireHire?.getSnapshot().children[seat.child];
    if (!child) return;
    if (error === undefined) {
      if (seat.status !== 'hired') child.send({ type: 'connector.reachable' });
      return;
    }
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('ERR_ROUTER_')) child.send({ type: 'connector.unreachable' });
    else if (
      code === 'ERR_STORAGE_QUOTA' ||
      code === 'ERR_STORAGE_NO_SERVICE' ||
      code === 'ERR_STORAGE_REFUSED'
    ) {
      child.send({ type: 'connector.refused', code, reason: (error as Error).message });
    }
  }

  /** Suppliers as jobs need them; ERR_STORAGE_NO_SERVICE when fewer than k + 1 are hired. */
  jobSuppliers(): (string | undefined)[] {
    const seats = this.seats();
    const hired = seats.filter((s) => s.status === 'hired').length;
    if (hired < this.k + Math.min(1, this.m)) {
      throw new StorageError(
        'ERR_STORAGE_NO_SERVICE',
        `${hired} of ${this.k + this.m} suppliers hired`
      );
    }
    return seats.map((s) => s.supplierId);
  }
}
