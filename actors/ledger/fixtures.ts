/**
 * Test and simulation fixtures: deterministic identities from a seed (Ed25519 signatures are
 * deterministic too, so a seeded run signs identical bytes) and ready-made signed statements.
 */
import { keyPairFromSecret } from '../crypto/primitives.js';
import { sodium } from '../crypto/sodium.js';
import type { IdentityKeys } from '../identity/keys.js';
import type { Payment, SettledPayment } from '../../machines/payment/records.js';
import { hashOf } from './canonical.js';
import { idOf, settle, signPayment, signReceipt } from './verify.js';

/** Identity keys derived from `(seed, index)`: same inputs, same node id. */
export function keysFromSeed(seed: number, index: number): IdentityKeys {
  const material = Buffer.alloc(32);
  sodium.crypto_generichash(material, Buffer.from(`bitdust-test-identity:${seed}:${index}`));
  const identityPublic = Buffer.alloc(32);
  const identitySecret = Buffer.alloc(64);
  sodium.crypto_sign_seed_keypair(identityPublic, identitySecret, material);
  const noiseSecret = Buffer.alloc(32);
  sodium.crypto_generichash(noiseSecret, Buffer.concat([Buffer.from('noise'), material]));
  return { identityPublic, identitySecret, noise: keyPairFromSecret(noiseSecret) };
}

/** A payment from `payer` to `payee` for a made-up invoice, countersigned. */
export function settledPayment(
  payer: IdentityKeys,
  payee: IdentityKeys,
  amount: number,
  ts: number,
  tag = 'x'
): SettledPayment {
  const invoiceId = hashOf({ tag, payer: idOf(payer), payee: idOf(payee) }).slice(0, 32);
  const payment: Payment = {
    v: 1,
    id: hashOf({ invoiceId, payer: idOf(payer) }).slice(0, 32),
    invoiceId,
    payer: idOf(payer),
    payee: idOf(payee),
    amount,
    waived: false,
    consumedByteMs: '0',
    ts
  };
  return settle(signPayment(payer, payment), signReceipt(payee, payment));
}
