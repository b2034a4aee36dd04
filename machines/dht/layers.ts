/**
 * DHT layers: every record key names its layer, so one overlay carries separate namespaces — who a
 * node is, who offers storage, who relays — without one layer's records crowding another's. The
 * numbers are the original's (dht/dht_records.py), so docs and logs of both read alike.
 */

/** Layer numbers by name. */
export const DHT_LAYERS = {
  /** Identity documents, keyed by node id. */
  identities: 1,
  /** Nodes offering the proxy (relay) service. */
  'proxy-routers': 2,
  /** Nodes offering storage. */
  suppliers: 3,
  /** Reserved upstream, unused. */
  rebuilders: 4,
  /** Customers' supplier lists ("families"). */
  customers: 8,
  /** Payer-signed payments by spend position (payer/n), so payees see each other's. */
  spends: 9,
  /** Proofs that a payer signed two payments at one spend position, by payer. */
  forks: 10
} as const;

/** A layer name. */
export type DhtLayerName = keyof typeof DHT_LAYERS;

/** The layer number of `layer` (a name or a number in 1..255). */
export function layerNumber(layer: DhtLayerName | number): number {
  const n = typeof layer === 'number' ? layer : DHT_LAYERS[layer];
  if (!Number.isInteger(n) || n < 1 || n > 255) throw new RangeError(`bad DHT layer ${layer}`);
  return n;
}
