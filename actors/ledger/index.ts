/**
 * The credit ledger: signed, hash-chained entries per node (docs/payment.md), the statements it
 * records, and the audit that re-verifies them.
 */
export { openLedger, entryKey } from './ledger.js';
export type { Ledger, LedgerOptions } from './ledger.js';
export { auditChain, ledgerSummary } from './audit.js';
export type { AuditReport, LedgerSummary } from './audit.js';
export { DEFAULT_LIMITS, GENESIS, grantAllowed } from './entry.js';
export type { DateLimits, EntryBody, GrantPolicy, LedgerEntry, LedgerState } from './entry.js';
export { canonicalBytes, hashHex, hashOf, signValue, verifyValue } from './canonical.js';
export type { SignContext } from './canonical.js';
export * from './verify.js';
