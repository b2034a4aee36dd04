/**
 * Block encryption. Every block of every backup gets its own key, derived from the owner's data key
 * by keyed BLAKE2b over (backup id, block index), so a leaked block key opens one block and nothing
 * else, and the data key never touches data directly. Blocks are sealed with XChaCha20-Poly1305
 * under a random 24-byte nonce (large enough that random nonces never collide), kept in the block.
 *
 * Sealed layout: `format (1 byte) ‖ nonce (24) ‖ ciphertext ‖ tag (16)`. The associated data binds
 * the format byte, the backup id and the block index, so a supplier (or anyone) who swaps two
 * blocks, moves a block between backups or rewrites the format byte gets ERR_STORAGE_TAMPERED,
 * exactly like one who flips a bit. The backup id names one version of one file (catalog.ts), so
 * binding it binds the version too.
 */
import { sodium } from '../crypto/sodium.js';
import { StorageError } from './errors.js';

/** Current sealed-block format. */
export const BLOCK_FORMAT = 1;
/** Length of a data key and of every derived block key. */
export const DATA_KEY_BYTES = 32;
const NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
const TAG_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES;
/** Bytes a sealed block adds to its plaintext: format byte, nonce and tag (41). */
export const SEAL_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

const KDF_LABEL = new TextEncoder().encode('bitdust/block-key/v1');
const AD_LABEL = new TextEncoder().encode('bitdust/block/v1');

/** Which block a sealed block is: its backup (one file version) and its index in it. */
export interface BlockRef {
  readonly backupId: string;
  readonly blockIndex: number;
}

/** A fresh random data key (32 bytes). */
export function generateDataKey(): Uint8Array {
  const key = new Uint8Array(DATA_KEY_BYTES);
  sodium.randombytes_buf(key);
  return key;
}

/** `label ‖ u32 len(backupId) ‖ backupId ‖ u64 blockIndex ‖ extra`: unambiguous by construction. */
function bind(label: Uint8Array, ref: BlockRef, extra: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(ref.blockIndex) || ref.blockIndex < 0) {
    throw new StorageError('ERR_STORAGE_ARGUMENT', `bad block index ${ref.blockIndex}`);
  }
  const id = new TextEncoder().encode(ref.backupId);
  const out = new Uint8Array(label.length + 4 + id.length + 8 + extra.length);
  const view = new DataView(out.buffer);
  out.set(label, 0);
  let at = label.length;
  view.setUint32(at, id.length);
  out.set(id, (at += 4));
  at += id.length;
  view.setBigUint64(at, BigInt(ref.blockIndex));
  out.set(extra, at + 8);
  return out;
}

function checkKey(dataKey: Uint8Array): void {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_BYTES) {
    throw new StorageError('ERR_STORAGE_ARGUMENT', `a data key has ${DATA_KEY_BYTES} bytes`);
  }
}

/** The key of one block: BLAKE2b-256 keyed with the data key over (backup id, block index). */
export function deriveBlockKey(dataKey: Uint8Array, ref: BlockRef): Uint8Array {
  checkKey(dataKey);
  const out = new Uint8Array(DATA_KEY_BYTES);
  sodium.crypto_generichash(out, bind(KDF_LABEL, ref, new Uint8Array(0)), dataKey);
  return out;
}

const associatedData = (ref: BlockRef): Uint8Array =>
  bind(AD_LABEL, ref, Uint8Array.of(BLOCK_FORMAT));

/** Seals `plaintext` as block `ref`; the result is `plaintext.length + SEAL_OVERHEAD` bytes. */
export function sealBlock(dataKey: Uint8Array, ref: BlockRef, plaintext: Uint8Array): Uint8Array {
  const key = deriveBlockKey(dataKey, ref);
  const out = new Uint8Array(SEAL_OVERHEAD + plaintext.length);
  out[0] = BLOCK_FORMAT;
  const nonce = out.subarray(1, 1 + NONCE_BYTES);
  sodium.randombytes_buf(nonce);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    out.subarray(1 + NONCE_BYTES),
    plaintext,
    associatedData(ref),
    null,
    nonce,
    key
  );
  sodium.sodium_memzero(key);
  return out;
}

/**
 * Opens a sealed block. Throws ERR_STORAGE_FORMAT for a short block or an unknown format byte and
 * ERR_STORAGE_TAMPERED when authentication fails (wrong key, wrong ref, altered bytes).
 */
export function openBlock(dataKey: Uint8Array, ref: BlockRef, sealed: Uint8Array): Uint8Array {
  if (sealed.length < SEAL_OVERHEAD) {
    throw new StorageError('ERR_STORAGE_FORMAT', `sealed block of ${sealed.length} bytes`, {
      blocks: [ref.blockIndex]
    });
  }
  if (sealed[0] !== BLOCK_FORMAT) {
    throw new StorageError('ERR_STORAGE_FORMAT', `unknown block format ${sealed[0]}`, {
      blocks: [ref.blockIndex]
    });
  }
  const key = deriveBlockKey(dataKey, ref);
  const out = new Uint8Array(sealed.length - SEAL_OVERHEAD);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      out,
      null,
      sealed.subarray(1 + NONCE_BYTES),
      associatedData(ref),
      sealed.subarray(1, 1 + NONCE_BYTES),
      key
    );
  } catch (cause) {
    throw new StorageError(
      'ERR_STORAGE_TAMPERED',
      `block ${ref.blockIndex} of ${ref.backupId} failed authentication`,
      { cause, blocks: [ref.blockIndex] }
    );
  } finally {
    sodium.sodium_memzero(key);
  }
  return out;
}
