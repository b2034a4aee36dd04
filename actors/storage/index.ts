/**
 * Storage: block crypto, shard hashes and Merkle proofs, the catalog, the supplier store and its
 * router service, the pipeline, the customer client, and the backup/restore jobs. See
 * docs/storage.md.
 */
export { StorageError, type StorageErrorCode } from './errors.js';
export { blake2b256, HASH_BYTES, sha256, Sha256Stream } from './hash.js';
export {
  BLOCK_FORMAT,
  DATA_KEY_BYTES,
  SEAL_OVERHEAD,
  deriveBlockKey,
  generateDataKey,
  openBlock,
  sealBlock,
  type BlockRef
} from './block-crypto.js';
export {
  CODEC_DEFLATE,
  CODEC_STORED,
  COMPRESSION_MODES,
  packBlock,
  unpackBlock,
  type Compression
} from './block-codec.js';
export {
  DEFAULT_CHUNK_BYTES,
  chunkCount,
  chunkOf,
  decodeProof,
  encodeProof,
  merkleProof,
  merkleRoot,
  shardHash,
  verifyProof,
  type MerkleProof
} from './merkle.js';
export { Catalog, DEFAULT_RETENTION, checkBackupId } from './catalog.js';
export type * from './catalog-types.js';
export {
  CATALOG_BACKUP_ID,
  exportImage,
  importImage,
  openImage,
  sealImage
} from './catalog-image.js';
export {
  openSupplierStore,
  SupplierStore,
  type CustomerAccount,
  type SupplierPolicy,
  type SupplierStoreOptions
} from './supplier-store.js';
export { serveStorage } from './supplier-service.js';
export { rejectorChildSpec, rejectorLogic } from './rejector.js';
export {
  DEFAULT_BLOCK_SIZE,
  checkShards,
  cutBlocks,
  decodeBlock,
  effectiveBlockSize,
  encodeBlock,
  encodeStream,
  type EncodeParams,
  type EncodedBlock,
  type StreamSummary
} from './pipeline.js';
export { restoreFile, RestoreSession, type RestoreFileOptions } from './restore-file.js';
export { BlockPool, sharedBlockPool, type Decoded } from './block-pool.js';
export { BlockFetcher, type FetcherOptions } from './fetch-block.js';
export { StorageClient } from './customer-client.js';
export {
  fetchFastest,
  runBackup,
  runRestore,
  type BackupJob,
  type JobContext,
  type RestoreJob
} from './jobs.js';
export {
  checkProof,
  proveChallenge,
  serveAudits,
  type AuditChallenge,
  type AuditProof,
  type ProofCheck
} from './audit-proof.js';
export {
  decodeServiceRequest,
  encodeServiceRequest,
  packPiece,
  splitPiece,
  unpackPiece
} from './wire.js';
