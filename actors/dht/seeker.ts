/**
 * The service seeker (the original's p2p_service_seeker / supplier_finder, first half): a node
 * offering a service announces itself in that service's layer; a seeker reads the layer's key and
 * gets verified candidates, each signed by the candidate itself. Asking a candidate for the
 * service (`cmd.request-service`) is the caller's next step.
 *
 * Every announcement of a layer lives under one key (name ''), held by the k nodes closest to it,
 * at most `maxPerKey` publishers each (the latest-expiring kept). That is plenty for a devnet; a
 * large network would shard the layer over several names.
 */
import { packPlain, unpackPlain } from '../wire/index.js';
import { DHT_LIMITS } from '../../machines/dht/messages.js';
import type { DhtLayer, DhtNode } from './types.js';

/** What a provider says about itself in a layer. */
export interface ServiceAnnouncement {
  address: string;
  /** Free-form terms (capacity, price), small. */
  meta?: Record<string, string | number | boolean>;
}

/** A provider found in a layer. */
export interface ServiceCandidate extends ServiceAnnouncement {
  nodeId: string;
  expiresAt: number;
}

/** Announces this node in `layer`; republished by the node until {@link withdrawService}. */
export async function announceService(
  dht: DhtNode,
  layer: DhtLayer,
  announcement: Omit<ServiceAnnouncement, 'address'> = {},
  options: { ttlMs?: number } = {}
): Promise<{ replicas: number }> {
  const value = packPlain({ address: dht.contact.address, meta: announcement.meta ?? {} });
  return dht.put(layer, '', value, options);
}

/** Stops announcing (the record expires where it is stored). */
export function withdrawService(dht: DhtNode, layer: DhtLayer): void {
  dht.unpublish(layer, '');
}

/** Providers announced in `layer`, excluding ourselves, in a random order if `shuffle` is given. */
export async function seekService(
  dht: DhtNode,
  layer: DhtLayer,
  shuffle?: (n: number) => number
): Promise<ServiceCandidate[]> {
  const { records } = await dht.get(layer, '');
  const out: ServiceCandidate[] = [];
  for (const r of records) {
    if (r.publisher === dht.id) continue;
    let value: unknown;
    try {
      value = unpackPlain(r.value);
    } catch {
      continue; // signed by its publisher but not an announcement: ignore it, it harms nobody
    }
    const v = value as { address?: unknown; meta?: unknown };
    if (typeof v?.address !== 'string' || v.address.length > DHT_LIMITS.maxAddressLength) continue;
    const meta =
      typeof v.meta === 'object' && v.meta !== null ? (v.meta as ServiceAnnouncement['meta']) : {};
    out.push({ nodeId: r.publisher, address: v.address, meta, expiresAt: r.expiresAt });
  }
  if (shuffle) {
    for (let i = out.length - 1; i > 0; i--) {
      const j = shuffle(i + 1);
      [out[i], out[j]] = [out[j] as ServiceCandidate, out[i] as ServiceCandidate];
    }
  }
  return out;
}
