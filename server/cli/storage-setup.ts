/**
 * Storage on a host: every devnet peer donates space as a supplier, and the operator's node is
 * both a supplier and a customer keeping its files on the devnet with the largest ECC profile the
 * devnet can hold (7 peers or more: 4+3; 4 to 6: 2+2; 2 or 3: 1+1). Every node runs payments with
 * the default policies (docs/payment.md): contracts, bills, the fairness rule, a ledger each.
 */
import { storageServices } from '../../actors/storage/services.js';
import type { StorageServices } from '../../actors/storage/services.js';
import type { PaymentServiceOptions } from '../../actors/payment/service.js';
import { ECC_PROFILES } from '../../wasm/pkg/profiles.js';
import type { Compression } from '../../actors/storage/block-codec.js';

const GiB = 1024 ** 3;

/** What a devnet peer offers: 4 GiB in all, at most 2 GiB to one customer. */
export const DEVNET_SUPPLIER = { capacityBytes: 4 * GiB, maxCustomerBytes: 2 * GiB };

/**
 * Payments on a host: the default policies (1-day bills, 5 credits of credit, 10 to start), with
 * upkeep every 5 s so a new hire's contract is signed within seconds.
 */
export const HOST_PAYMENT: PaymentServiceOptions = { tickMs: 5_000 };

/** Supplier services for devnet peer `index` (the devnet's `services` option). */
export function devnetSupplier(payment: PaymentServiceOptions = HOST_PAYMENT): StorageServices {
  return storageServices({ supplier: DEVNET_SUPPLIER, payment });
}

/**
 * The operator's storage: supplier always; customer when the devnet has room for a profile, its
 * blocks compressed as `compression` says.
 */
export function operatorStorage(
  devnetPeers: number,
  payment: PaymentServiceOptions = HOST_PAYMENT,
  compression: Compression = 'auto'
): StorageServices {
  const profile = [...ECC_PROFILES].reverse().find((p) => p.suppliers <= devnetPeers);
  const customer = profile && { k: profile.k, m: profile.m, neededBytes: GiB, compression };
  return storageServices({
    supplier: DEVNET_SUPPLIER,
    payment,
    ...(customer ? { customer } : {})
  });
}
