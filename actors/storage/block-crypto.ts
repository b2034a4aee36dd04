/**
 * Block encryption. Every block of every backup gets its own key, derived from the owner's data key
 * by keyed BLAKE2b over (backup id, block index), so a leaked block key opens one block and nothing
 * else, and the data key never touches data directly. Blocks are sealed with XChaCha20-Poly1305
 * under a random 24-byte nonce (large enough that random nonces never collide), kept in the block.
 *
 * Sealed layout (format 2): `format (1 byte) ‖ codec (1) ‖ nonce (24) ‖ ciphertext ‖ tag (16)`,
 * where the codec says how the plaintext was compressed before sealing (block-codec.ts). The
 * associated data binds the format and codec bytes, the backup id and the block index, so a
 * supplier (or anyone) who swaps two blocks, moves a block between backups or rewrites a header
 * byte gets ERR_STORAGE_TAMPERED, exactly like one who flips a bit. The backup id names one
 * version of one file (catalog.ts), so binding it binds the version too. Format 1 (no codec byte,
 * never compressed) is still opened, so blocks and catalog images sealed before it restore.
 */
import { sodium } from '../crypto/sodium.js';
import { CODEC_STORED, packBlock, unpackBlock, type Compression } from './block-codec.js';
import { StorageError } from './errors.js';
import { uninitialized } from './hash.js';

/** Current sealed-block format. */
export const BLOCK_FORMAT = 2;
/** The format before the codec byte: opened, never written. */
const FORMAT_UNCOMPRESSED = 1;
/** Length of a data key and of every derived block key. */
export const DATA_KEY_BYTES = 32;
const NONCE_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
const TAG_BYTES = sodium.crypto_aead_xchacha20poly1305_ietf_ABYTES;
/** Bytes of the header before the nonce: format and codec. */
const HEADER_BYTES = 2;
/** Most bytes a sealed block adds to its plaintext: header, nonce and tag (42). */
export const SEAL_OVERHEAD = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;
/** Default cap on an opened block's plaintext when the caller knows no tighter one. */
export const MAX_PLAIN_BYTES = 64 * 1024 * 1024;

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

/** The header bytes the seal binds: the format byte, and the codec byte from format 2 on. */
const associatedData = (ref: BlockRef, header: Uint8Array): Uint8Array =>
  bind(AD_LABEL, ref, header);

/**
 * Seals `plaintext` as block `ref`, compressed first as `compression` says (default: stored as it
 * is). The result is at most `plaintext.length + SEAL_OVERHEAD` bytes.
 */
export function sealBlock(
  dataKey: Uint8Array,
  ref: BlockRef,
  plaintext: Uint8Array,
  compression: Compression = 'off'
): Uint8Array {
  const key = deriveBlockKey(dataKey, ref);
  const { codec, body } = packBlock(plaintext, compression);
  // Every byte is written below (header, nonce, ciphertext and tag): not zeroed first.
  const out = uninitialized(SEAL_OVERHEAD + body.length);
  out[0] = BLOCK_FORMAT;
  out[1] = codec;
  const nonce = out.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  sodium.randombytes_buf(nonce);
  sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    out.subarray(HEADER_BYTES + NONCE_BYTES),
    body,
    associatedData(ref, out.subarray(0, HEADER_BYTES)),
    null,
    nonce,
    key
  );
  sodium.sodium_memzero(key);
  return out;
}

/**
 * Opens a sealed block into its plaintext, at most `maxPlainBytes` long. Throws
 * ERR_STORAGE_FORMAT for a short block, an unknown format byte or a body that does not decompress
 * within the cap, and ERR_STORAGE_TAMPERED when authentication fails (wrong key, wrong ref,
 * altered bytes).
 */
export function openBlock(
  dataKey: Uint8Array,
  ref: BlockRef,
  sealed: Uint8Array,
  maxPlainBytes = MAX_PLAIN_BYTES
): Uint8Array {
  const format = sealed[0];
  const header = format === FORMAT_UNCOMPRESSED ? 1 : HEADER_BYTES;
  const formatError = (message: string, cause?: unknown) =>
    new StorageError('ERR_STORAGE_FORMAT', message, { blocks: [ref.blockIndex], cause });
  if (sealed.length < header + NONCE_BYTES + TAG_BYTES) {
    throw formatError(`sealed block of ${sealed.length} bytes`);
  }
  if (format !== BLOCK_FORMAT && format !== FORMAT_UNCOMPRESSED) {
    throw formatError(`unknown block format ${format}`);
  }
  // The cap holds before anything is decrypted: a stored body is the plaintext itself (a codec
  // byte forged to say so fails authentication below), a deflated one is capped as it inflates.
  const codec = header === 1 ? CODEC_STORED : sealed[1]!;
  const bodyBytes = sealed.length - header - NONCE_BYTES - TAG_BYTES;
  if (codec === CODEC_STORED && bodyBytes > maxPlainBytes) {
    throw formatError(`block of ${bodyBytes} bytes, more than ${maxPlainBytes}`);
  }
  const key = deriveBlockKey(dataKey, ref);
  // Written whole by a successful decryption, never returned otherwise: not zeroed first.
  const out = uninitialized(bodyBytes);
  try {
    sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
      out,
      null,
      sealed.subarray(header + NONCE_BYTES),
      associatedData(ref, sealed.subarray(0, header)),
      sealed.subarray(header, header + NONCE_BYTES),
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
  try {
    return unpackBlock(codec, out, maxPlainBytes);
  } catch (err) {
    throw err instanceof StorageError ? formatError(err.message, err) : err;
  }
}
