/**
 * Storage audits on their own router commands (machines/router/messages.ts): the customer sends
 * `cmd.audit { backupId, block, position, leaves, nonce }` — a few random chunk indices of one
 * shard and a fresh nonce — and the supplier answers `cmd.proof { nonce, proofs }` with each chunk
 * and its Merkle path, in the challenge's order. The customer checks the answer against the root
 * and leaf count in its own catalog (never the prover's), and that the nonce is the one it just
 * sent: a proof kept from an earlier challenge, or answering another one, is refused.
 */
import type { Router } from '../router/index.js';
import type { RouterBody } from '../../machines/router/messages.js';
import { parseShardKey, shardKey } from '../../machines/storage/keys.js';
import { StorageError } from './errors.js';
import { sameBytes } from './hash.js';
import { chunkCount, chunkOf, DEFAULT_CHUNK_BYTES, merkleProofs, verifyProof } from './merkle.js';
import type { SupplierStore } from './supplier-store.js';

/** A challenge (the `cmd.audit` body without its version). */
export type AuditChallenge = Omit<RouterBody<'cmd.audit'>, 'v'>;
/** A proof (the `cmd.proof` body). */
export type AuditProof = RouterBody<'cmd.proof'>;
/** What checking a proof found. */
export type ProofCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** The shard key a challenge names. */
export function challengedKey(c: AuditChallenge): string {
  const key = shardKey(c.backupId, c.block, c.position);
  if (!parseShardKey(key)) throw new StorageError('ERR_STORAGE_ARGUMENT', `bad shard ${key}`);
  return key;
}

/** Supplier: the proof of `challenge` over `shard`; ERR_STORAGE_ARGUMENT for a leaf past the end. */
export function proveChallenge(
  shard: Uint8Array,
  challenge: AuditChallenge,
  chunkBytes = DEFAULT_CHUNK_BYTES
): AuditProof {
  const leaves = chunkCount(shard.length, chunkBytes);
  const past = challenge.leaves.find((l) => l >= leaves);
  if (past !== undefined) {
    throw new StorageError('ERR_STORAGE_ARGUMENT', `no chunk ${past} in a shard of ${leaves}`);
  }
  const proofs = merkleProofs(shard, challenge.leaves, chunkBytes);
  return {
    v: 1,
    nonce: challenge.nonce,
    proofs: proofs.map((p) => ({
      leaf: p.index,
      chunk: chunkOf(shard, p.index, chunkBytes).slice(),
      path: [...p.siblings]
    }))
  };
}

/** Customer: whether `proof` answers `challenge` for a shard of `leafCount` chunks under `root`. */
export function checkProof(
  challenge: AuditChallenge,
  proof: AuditProof,
  root: Uint8Array,
  leafCount: number
): ProofCheck {
  if (!sameBytes(proof.nonce, challenge.nonce)) {
    return { ok: false, reason: 'the proof carries another nonce (replayed or for another audit)' };
  }
  if (
    proof.proofs.length !== challenge.leaves.length ||
    proof.proofs.some((p, i) => p.leaf !== challenge.leaves[i])
  ) {
    return { ok: false, reason: 'the proof answers other chunks than those challenged' };
  }
  for (const p of proof.proofs) {
    const path = { index: p.leaf, leaves: leafCount, siblings: p.path };
    if (!verifyProof(root, p.chunk, path)) {
      return { ok: false, reason: `chunk ${p.leaf} does not match the catalog's Merkle root` };
    }
  }
  return { ok: true };
}

/** Supplier: answers `cmd.audit` from `store` (the shard is hash-checked on read); removal. */
export function serveAudits(router: Router, store: Pick<SupplierStore, 'get'>): () => void {
  return router.handle('cmd.audit', async (env) => {
    const { v: _, ...challenge } = env.body;
    const { shard } = await store.get(env.from, challengedKey(challenge));
    return { type: 'cmd.proof', body: proveChallenge(shard, challenge) };
  });
}
