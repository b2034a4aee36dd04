/**
 * Real nodes on tcp over loopback, each on its own 127.0.0.x, wired as `bitdust node start` wires
 * them (`networkFromFlags`): proxy routers (`--proxy-router`), suppliers (the storage services'
 * supplier) and one hidden customer (`--hide nat|privacy --via …`) keeping files on the suppliers.
 * The customer's finder is the list of supplier ids, so hiring is deterministic. Real clock; waits
 * are bounded, never sleeps.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor, type AnyActorRef } from 'xstate';
import { createNode, type BitDustNode } from '../../actors/node/create-node.js';
import type { NetworkAttachment } from '../../actors/node/services/network.js';
import { storageServices, type StorageServices } from '../../actors/storage/services.js';
import type { CustomerStorage } from '../../actors/storage/customer.js';
import type { Seat } from '../../machines/fire-hire/seats.js';
import { networkFromFlags, viaAddress, type JoinFlags } from '../../server/cli/join.js';
import { up } from './storage-devnet.js';

const MiB = 1024 * 1024;

/** A node with the ip it listens on. */
export interface NetNode {
  readonly ip: string;
  readonly node: BitDustNode;
  readonly address: string;
}

/** Options of {@link proxyStorageNet}. */
export interface ProxyStorageNetOptions {
  readonly routerIps: string[];
  readonly supplierIps: string[];
  readonly hiddenIp: string;
  readonly hide: 'nat' | 'privacy';
  readonly k: number;
  readonly m: number;
  /** Extra flags for the hidden node (e.g. no --via, to find routers in the DHT). */
  readonly hiddenFlags?: (routers: NetNode[]) => JoinFlags;
}

/** A running net. */
export interface ProxyStorageNet {
  readonly base: string;
  readonly routers: NetNode[];
  readonly suppliers: NetNode[];
  readonly supplierServices: StorageServices[];
  readonly hidden: NetNode;
  customer(): CustomerStorage;
  /** Waits until every seat is hired, at most `timeoutMs`. */
  ready(timeoutMs?: number): Promise<Seat[]>;
  stop(): Promise<void>;
}

/** Starts routers, then suppliers joined through the first router, then the hidden customer. */
export async function proxyStorageNet(o: ProxyStorageNetOptions): Promise<ProxyStorageNet> {
  const base = mkdtempSync(join(tmpdir(), 'bd-proxy-storage-'));
  const started: BitDustNode[] = [];
  let seed = 100;
  const start = async (
    name: string,
    ip: string,
    network: NetworkAttachment,
    services?: StorageServices
  ): Promise<NetNode> => {
    const node = await createNode({
      config: { dataDir: join(base, name), name, seed: seed++, api: false, devnet: 0 },
      devnet: true,
      network,
      ...(services ? { services: services.definitions } : {})
    });
    started.push(node);
    services?.attach(node);
    await up(node, 'network');
    return { ip, node, address: node.networkStats()!.address! };
  };
  const stop = async () => {
    for (const n of [...started].reverse()) await n.stop().catch(() => undefined);
    rmSync(base, { recursive: true, force: true });
  };
  try {
    const routers: NetNode[] = [];
    for (const [i, ip] of o.routerIps.entries()) {
      const join = routers[0] ? [routers[0].address] : [];
      const flags = { listen: `tcp://${ip}:0`, join, 'proxy-router': true };
      routers.push(await start(`router-${i}`, ip, networkFromFlags(flags)!));
    }
    const seeds = [routers[0]!.address];
    const suppliers: NetNode[] = [];
    const supplierServices: StorageServices[] = [];
    for (const [i, ip] of o.supplierIps.entries()) {
      const services = storageServices({
        supplier: { capacityBytes: 256 * MiB, maxCustomerBytes: 128 * MiB }
      });
      const flags = { listen: `tcp://${ip}:0`, join: seeds };
      suppliers.push(await start(`supplier-${i}`, ip, networkFromFlags(flags)!, services));
      await up(suppliers[i]!.node, 'supplier');
      supplierServices.push(services);
    }
    const ids = suppliers.map((s) => s.node.id);
    const customer = storageServices({
      customer: {
        k: o.k,
        m: o.m,
        neededBytes: 64 * MiB,
        finder: { candidates: async () => [...ids] },
        timeoutMs: 5_000,
        offlineLimitMs: 600_000,
        connectorRetryMs: 500,
        hireTimeoutMs: 10_000,
        auditIntervalMs: 3_600_000,
        // The tests measure shards crossing circuits: every byte of the tree travels as it is.
        compression: 'off'
      }
    });
    const via = routers.map((r) => viaAddress(r.address, r.node.identity().keys.noise.publicKey));
    const flags: JoinFlags = o.hiddenFlags?.(routers) ?? {
      listen: `tcp://${o.hiddenIp}:0`,
      join: seeds,
      hide: o.hide,
      via
    };
    const hidden = await start('hidden', o.hiddenIp, networkFromFlags(flags)!, customer);
    await up(hidden.node, 'customer');
    return {
      base,
      routers,
      suppliers,
      supplierServices,
      hidden,
      customer: () => customer.customer()!,
      ready: async (timeoutMs = 30_000) => {
        const ref = hidden.node.root.system.get('storage.fire-hire') as AnyActorRef;
        const s = await waitFor(
          ref,
          (x) =>
            (x.context.seats as Seat[]).every((seat) => seat.status === 'hired') &&
            x.value === 'idle',
          { timeout: timeoutMs }
        );
        return s.context.seats as Seat[];
      },
      stop
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
