/**
 * Storage as node services (actors/node/service-graph.ts), for `createNode({ services })`:
 *
 * - `supplier` (after network): the supplier store in the node's LMDB (`supplier` namespace), the
 *   storage handlers on the router, an announcement in the DHT suppliers layer, and the
 *   customer-rejector patrolling under the service's supervisor.
 * - `customer` (after network): the catalog (`customer` namespace), the data key derived from the
 *   identity, and a supervisor running fire-hire (its supplier connectors as children), the
 *   audit loop and the redundancy watch; backup, restore and rebuild jobs become its temporary
 *   children.
 *
 * The services need the node they run in (store, identity, router), which exists only once
 * createNode has returned: call `attach(node)` then; `open` waits for it.
 */
import type { BitDustNode } from '../node/create-node.js';
import type { ServiceDefinition } from '../node/service-graph.js';
import { announceService, seekService, withdrawService } from '../dht/index.js';
import { supervisorLogic } from '../supervisor/index.js';
import { sharedBlockPool } from './block-pool.js';
import { StorageClient } from './customer-client.js';
import { CustomerStorage, type CustomerOptions, type SupplierFinder } from './customer.js';
import { deriveDataKey } from './data-key.js';
import { pullCatalog } from './catalog-backup.js';
import { auditSpec, fireHireSpec } from './customer-specs.js';
import { redundancySpec } from './redundancy-spec.js';
import { rejectorChildSpec } from './rejector.js';
import { openSupplierStore, type SupplierPolicy, type SupplierStore } from './supplier-store.js';
import { serveStorage } from './supplier-service.js';
import { StorageError } from './errors.js';
import {
  paymentService,
  type PaymentRuntime,
  type PaymentServiceOptions
} from '../payment/service.js';
import { MeteredClient } from '../payment/metered-client.js';

/** Bytes of a `cmd.data` frame that are not the shard: envelope, key, hash, msgpack. */
const ENVELOPE_ROOM = 1024;

/** Options of {@link storageServices}. */
export interface StorageServicesOptions {
  /** Offer storage to others. */
  readonly supplier?: SupplierPolicy & {
    readonly patrolMs?: number;
    readonly idleLimitMs?: number;
  };
  /** Keep files on suppliers. */
  readonly customer?: Omit<
    CustomerOptions,
    'client' | 'store' | 'dataKey' | 'clock' | 'random' | 'finder'
  > & {
    /** Candidates; default: the DHT suppliers layer. */
    readonly finder?: SupplierFinder;
    /** Router timeout of storage requests (ms). */
    readonly timeoutMs?: number;
    /** A fresh node with an imported identity: pull the catalog image from the suppliers first. */
    readonly fromKey?: boolean;
  };
  /**
   * Run the payment service (actors/payment/service.ts, docs/payment.md): suppliers meter and bill
   * their customers and refuse unpaid ones, customers sign contracts and pay. Off when absent.
   */
  readonly payment?: PaymentServiceOptions;
}

/** The storage services of one node and access to what they opened. */
export interface StorageServices {
  readonly definitions: ServiceDefinition[];
  /** Hands the node to the services (call right after createNode). */
  attach(node: BitDustNode): void;
  supplier(): SupplierStore | undefined;
  customer(): CustomerStorage | undefined;
  /** The payment service's ledger and protocol, when payments run and the service is open. */
  payment(): PaymentRuntime | undefined;
}

const byNode = new Map<string, StorageServices>();

/** The storage services attached to node `nodeId` in this process (the REST routes read this). */
export function storageOf(nodeId: string): StorageServices | undefined {
  return byNode.get(nodeId);
}

/** The DHT suppliers layer as a finder, shuffled with the node's randomness. */
export function dhtFinder(node: BitDustNode): SupplierFinder {
  return {
    candidates: async () => {
      const dht = node.network()?.dht;
      if (!dht) return [];
      const found = await seekService(dht, 'suppliers', (n) => node.random.int(n));
      // A node that is also a supplier finds its own announcement: it never hires itself.
      return found.map((c) => c.nodeId).filter((id) => id !== node.id);
    }
  };
}

/** The rejector's spec, bound late to the supplier store the service opens. */
function rejectorSpec(
  store: () => SupplierStore | undefined,
  node: () => BitDustNode | undefined,
  policy: NonNullable<StorageServicesOptions['supplier']>,
  payment?: Parameters<typeof rejectorChildSpec>[4]
) {
  const live = (): SupplierStore => {
    const s = store();
    if (!s) throw new StorageError('ERR_STORAGE_NO_SERVICE', 'the supplier store is not open');
    return s;
  };
  // The store is reopened with the service; the rejector always acts on the current one.
  const late = new Proxy({} as SupplierStore, {
    get: (_, prop) => {
      const s = live();
      const v = Reflect.get(s, prop, s) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(s) : v;
    }
  });
  const clock = { now: () => node()?.clock.now() ?? 0 };
  return rejectorChildSpec(
    late,
    clock,
    () => policy.capacityBytes,
    {
      patrolMs: policy.patrolMs ?? 60_000,
      idleLimitMs: policy.idleLimitMs ?? 30 * 24 * 3600_000
    },
    payment
  );
}

/** See the module comment. */
export function storageServices(options: StorageServicesOptions): StorageServices {
  let attach!: (node: BitDustNode) => void;
  const attached = new Promise<BitDustNode>((resolve) => (attach = resolve));
  let supplier: SupplierStore | undefined;
  let customer: CustomerStorage | undefined;
  const definitions: ServiceDefinition[] = [];
  const router = (node: BitDustNode) => {
    const r = node.network()?.router;
    if (!r) throw new StorageError('ERR_STORAGE_NO_SERVICE', 'the network is not open');
    return r;
  };
  const pay = options.payment
    ? paymentService(options.payment, {
        attached,
        supplier: () => supplier,
        customer: () => customer
      })
    : undefined;
  if (pay) definitions.push(pay.definition);
  const after = pay ? ['network', 'payment'] : ['network'];

  const sp = options.supplier;
  if (sp) {
    let off: (() => void) | undefined;
    let node: BitDustNode | undefined;
    definitions.push({
      name: 'supplier',
      dependsOn: after,
      open: async () => {
        node = await attached;
        supplier = await openSupplierStore({
          store: node.store()!.sub('supplier'),
          clock: node.clock,
          policy: sp
        });
        off = serveStorage(router(node), supplier, pay?.storageHooks);
        const dht = node.network()?.dht;
        if (dht)
          void announceService(dht, 'suppliers', { meta: { capacity: sp.capacityBytes } }).catch(
            () => undefined
          );
      },
      run: {
        logic: supervisorLogic,
        input: {
          name: 'supplier',
          strategy: 'one_for_one',
          children: [
            rejectorSpec(
              () => supplier,
              () => node,
              sp,
              pay?.rejector
            )
          ]
        }
      },
      close: async () => {
        off?.();
        off = undefined;
        const dht = node?.network()?.dht;
        if (dht) withdrawService(dht, 'suppliers');
      }
    });
  }

  const cp = options.customer;
  const current = (): CustomerStorage => {
    if (!customer) throw new StorageError('ERR_STORAGE_NO_SERVICE', 'the customer is not open');
    return customer;
  };
  if (cp) {
    definitions.push({
      name: 'customer',
      dependsOn: after,
      open: async () => {
        const node = await attached;
        const clientOptions = cp.timeoutMs !== undefined ? { timeoutMs: cp.timeoutMs } : {};
        // With payments, the client meters what each supplier holds for us.
        const client = pay
          ? new MeteredClient(router(node), clientOptions, pay.meterCustomer)
          : new StorageClient(router(node), clientOptions);
        const finder = cp.finder ?? dhtFinder(node);
        const dataKey = deriveDataKey(node.identity().keys.identitySecret);
        const store = node.store()!.sub('customer');
        const frame = node.network()?.channel.transport.maxFrameBytes ?? 1 << 20;
        customer = new CustomerStorage({
          // The envelope (ids, type, key) and the shard's hash ride in the same frame.
          maxShardBytes: frame - ENVELOPE_ROOM,
          ...cp,
          client,
          store,
          dataKey,
          clock: node.clock,
          random: node.random,
          finder
        });
        if (cp.fromKey && (await customer.catalog.files()).length === 0) {
          const { seq } = await pullCatalog({
            client,
            catalog: customer.catalog,
            dataKey,
            candidates: await finder.candidates()
          });
          await customer.local.put('image-seq', seq, { durable: true });
        }
        await customer.load();
        // Block workers start now, not on the first backup; a failed start shows on first use.
        sharedBlockPool()
          .warm()
          .catch(() => undefined);
      },
      run: {
        logic: supervisorLogic,
        input: {
          name: 'customer',
          strategy: 'one_for_one',
          intensity: 10,
          periodMs: 60_000,
          children: [fireHireSpec(current), auditSpec(current), redundancySpec(current)]
        }
      },
      close: async () => {
        customer = undefined;
      }
    });
  }
  const services: StorageServices = {
    definitions,
    attach: (node) => {
      byNode.set(node.id, services);
      attach(node);
    },
    supplier: () => supplier,
    customer: () => customer,
    payment: () => pay?.runtime()
  };
  return services;
}
