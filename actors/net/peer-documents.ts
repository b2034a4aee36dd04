/**
 * The identity documents this node knows about its peers, by node id. Every document, whether it
 * came inside a handshake proof, in a `cmd.identity` push or from the DHT's identities layer,
 * passes `acceptIdentityDocument`: signature, Noise key binding, id, key continuity and a
 * monotonic revision. A refused document (bad signature, lower revision, fork, other key) is
 * counted by its code and never replaces what we hold.
 */
import { BitDustError } from '../errors.js';
import { acceptIdentityDocument } from '../identity/document.js';
import type { SignedIdentityDocument } from '../identity/document.js';

/** Counters of the document store. */
export interface DocumentStats {
  known: number;
  accepted: number;
  /** Refusals by error code (ERR_IDENTITY_SIGNATURE, ERR_IDENTITY_REVISION, ...). */
  refused: Record<string, number>;
}

export class PeerDocuments {
  readonly #docs = new Map<string, SignedIdentityDocument>();
  /** When each held document was last accepted (new or the same revision again). */
  readonly #confirmed = new Map<string, number>();
  readonly #max: number;
  readonly #now: () => number;
  readonly #refused: Record<string, number> = {};
  #accepted = 0;

  /**
   * At most `max` documents are kept; the oldest learned are forgotten first. `now` dates each
   * acceptance (the injected Clock's), which is what lets a recently confirmed key be used for IK.
   */
  constructor(max = 10_000, now: () => number = () => 0) {
    this.#max = max;
    this.#now = now;
  }

  /**
   * Verifies `bytes` against what we know of the same id and keeps it when it is newer. `claimedId`,
   * when given, must be the document's id (a node may only push its own). Throws the refusal.
   */
  accept(bytes: Uint8Array, claimedId?: string): SignedIdentityDocument {
    try {
      const probe = acceptIdentityDocument(undefined, bytes);
      const id = probe.document.body.id;
      if (claimedId !== undefined && id !== claimedId) {
        throw new BitDustError('ERR_IDENTITY_ID', `${claimedId} sent the document of ${id}`);
      }
      const known = this.#docs.get(id);
      const { document, changed } = acceptIdentityDocument(known, bytes);
      if (changed || !known) {
        this.#docs.delete(id);
        this.#docs.set(id, document);
        this.#accepted++;
        if (this.#docs.size > this.#max) {
          const oldest = this.#docs.keys().next().value;
          if (oldest !== undefined) {
            this.#docs.delete(oldest);
            this.#confirmed.delete(oldest);
          }
        }
      }
      this.#confirmed.set(id, this.#now());
      return document;
    } catch (err) {
      const code = err instanceof BitDustError ? err.code : 'ERR_IDENTITY_INVALID';
      this.#refused[code] = (this.#refused[code] ?? 0) + 1;
      throw err;
    }
  }

  get(id: string): SignedIdentityDocument | undefined {
    return this.#docs.get(id);
  }

  /** The peer's Noise static key, when its document is known (XK or IK instead of XX). */
  noiseKey(id: string | null): Uint8Array | null {
    return (id && this.#docs.get(id)?.body.noiseKey) || null;
  }

  /** When the document of `id` was last accepted, on the clock given to the constructor. */
  confirmedAt(id: string | null): number | null {
    return id === null ? null : (this.#confirmed.get(id) ?? null);
  }

  /** The contact of `id` for a transport kind (`tcp`, `nats`, `memory`), from its document. */
  contact(id: string, kind: string): string | undefined {
    const contacts = this.#docs.get(id)?.body.contacts as Record<string, string[] | undefined>;
    return contacts?.[kind]?.[0];
  }

  stats(): DocumentStats {
    return { known: this.#docs.size, accepted: this.#accepted, refused: { ...this.#refused } };
  }
}
