/**
 * A storage devnet for tests and the bench: real nodes (createNode: LMDB, identity, Noise sessions,
 * router, DHT) on the memory network, joined through one seed peer, with `storageServices` —
 * suppliers offering storage and one customer keeping files on them. The customer's finder is the
 * list of supplier ids (still alive), so hiring order is deterministic. Everything runs on the real
 * clock; waits are `waitFor` on actor state with a bound, never sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor, type AnyActorRef } from 'xstate';
import { createNode, type BitDustNode } from '../../actors/node/create-node.js';
import { startDevnet, type Devnet } from '../../actors/node/devnet.js';
import { serviceSystemId } from '../../machines/service/machine.js';
import {
  storageServices,
  type StorageServices,
  type StorageServicesOptions
} from '../../actors/storage/services.js';
import type { CustomerStorage } from '../../actors/storage/customer.js';
import type { SupplierPolicy } from '../../actors/storage/supplier-store.js';
import type { Seat } from '../../machines/fire-hire/seats.js';

const MiB = 1024 * 1024;

/** Options of {@link storageDevnet}. */
export interface StorageDevnetOptions {
  readonly suppliers: number;
  readonly k: number;
  readonly m: number;
  readonly seed?: number;
  /** Policy of supplier i (default 1 GiB, 512 MiB per customer). */
  readonly policy?: (i: number) => SupplierPolicy;
  readonly customer?: Partial<NonNullable<StorageServicesOptions['customer']>>;
  /** Existing directory (kept) instead of a fresh temporary one (removed by `stop`). */
  readonly baseDir?: string;
}

/** A running storage devnet. */
export interface StorageDevnet {
  readonly base: string;
  readonly devnet: Devnet;
  readonly suppliers: BitDustNode[];
  readonly supplierServices: StorageServices[];
  customerNode: BitDustNode;
  customerServices: StorageServices;
  /** Supplier ids the finder may still propose. */
  readonly alive: Set<string>;
  customer(): CustomerStorage;
  /** Crashes supplier `i` on the network (it stops answering; its data stays on disk). */
  kill(i: number): void;
  /** Adds a supplier node (a candidate for hire). */
  addSupplier(policy?: SupplierPolicy): Promise<BitDustNode>;
  /** Starts (or restarts) the customer node in `dir` with `options`. */
  startCustomer(
    dir: string,
    extra?: Partial<NonNullable<StorageServicesOptions['customer']>>
  ): Promise<void>;
  /** Waits until fire-hire has fired at least `n` suppliers, at most `timeoutMs`. */
  firedAtLeast(n: number, timeoutMs?: number): Promise<void>;
  /** Waits until every seat is hired (and, if asked, rebuilt), at most `timeoutMs`. */
  ready(opts?: { rebuilt?: boolean; timeoutMs?: number }): Promise<Seat[]>;
  stop(): Promise<void>;
}

/** Starts a storage devnet; see the module comment. */
export async function storageDevnet(o: StorageDevnetOptions): Promise<StorageDevnet> {
  const base = o.baseDir ?? mkdtempSync(join(tmpdir(), 'bd-storage-net-'));
  const devnet = await startDevnet({ nodes: 1, baseDir: join(base, 'devnet'), seed: o.seed ?? 1 });
  const alive = new Set<string>();
  const suppliers: BitDustNode[] = [];
  const supplierServices: StorageServices[] = [];
  const node = async (dir: string, name: string, services: StorageServices) => {
    const n = await createNode({
      config: {
        dataDir: join(base, dir),
        name,
        seed: devnet.random.int(2 ** 32),
        api: false,
        devnet: 0
      },
      devnet: true,
      network: devnet.join(),
      services: services.definitions
    });
    services.attach(n);
    return n;
  };
  const addSupplier = async (policy?: SupplierPolicy) => {
    const i = suppliers.length;
    const services = storageServices({
      supplier: policy ??
        o.policy?.(i) ?? { capacityBytes: 1024 * MiB, maxCustomerBytes: 512 * MiB }
    });
    const n = await node(`supplier-${i}`, `supplier-${i}`, services);
    await up(n, 'supplier');
    suppliers.push(n);
    supplierServices.push(services);
    alive.add(n.id);
    return n;
  };
  for (let i = 0; i < o.suppliers; i++) await addSupplier();
  const finder = {
    candidates: async () => suppliers.map((s) => s.id).filter((id) => alive.has(id))
  };
  const net: StorageDevnet = {
    base,
    devnet,
    suppliers,
    supplierServices,
    alive,
    customerNode: undefined as unknown as BitDustNode,
    customerServices: undefined as unknown as StorageServices,
    customer: () => net.customerServices.customer()!,
    kill: (i) => {
      alive.delete(suppliers[i]!.id);
      devnet.network.crash(suppliers[i]!.id);
    },
    addSupplier,
    startCustomer: async (dir, extra = {}) => {
      const services = storageServices({
        customer: {
          k: o.k,
          m: o.m,
          neededBytes: 256 * MiB,
          finder,
          timeoutMs: 20_000,
          offlineLimitMs: 3_000,
          connectorRetryMs: 500,
          hireTimeoutMs: 10_000,
          auditIntervalMs: 3_600_000,
          ...o.customer,
          ...extra
        }
      });
      net.customerServices = services;
      net.customerNode = await node(dir, 'customer', services);
      await up(net.customerNode, 'customer');
    },
    firedAtLeast: async (n, timeoutMs = 60_000) => {
      const ref = net.customerNode.root.system.get('storage.fire-hire') as AnyActorRef;
      await waitFor(ref, (x) => (x.context.fired as unknown[]).length >= n, { timeout: timeoutMs });
    },
    ready: async ({ rebuilt = false, timeoutMs = 60_000 } = {}) => {
      const ref = net.customerNode.root.system.get('storage.fire-hire') as AnyActorRef;
      const s = await waitFor(
        ref,
        (x) =>
          (x.context.seats as Seat[]).every(
            (seat) => seat.status === 'hired' && (!rebuilt || seat.rebuilt)
          ) && x.value === 'idle',
        { timeout: timeoutMs }
      );
      return s.context.seats as Seat[];
    },
    stop: async () => {
      await net.customerNode?.stop().catch(() => undefined);
      for (const s of [...suppliers].reverse()) await s.stop().catch(() => undefined);
      await devnet.stop();
      if (!o.baseDir) rmSync(base, { recursive: true, force: true });
    }
  };
  await net.startCustomer('customer');
  return net;
}

/** Waits until service `name` of `node` is up (30 s at most). */
export async function up(node: BitDustNode, name: string): Promise<void> {
  const ref = node.root.system.get(serviceSystemId(name)) as AnyActorRef;
  // A failed open is retried by the service machine (e.g. routes not known yet): wait for up.
  await waitFor(ref, (x) => x.value === 'up', { timeout: 30_000 }).catch((err: unknown) => {
    const reason = (ref.getSnapshot() as { context: { reason?: string } }).context.reason;
    throw new Error(`${name} did not start: ${reason ?? String(err)}`);
  });
}
