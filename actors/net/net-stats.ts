/**
 * The network layer's counters, in one mutable object the inbound path, the peer actors' effects
 * and the service share; `snapshot` copies it for the API (`node.networkStats()`).
 */

/** Why an inbound frame was refused before any session or peer actor saw it. */
export type Refusal =
  | 'malformed' // not our framing, not msgpack, or not a handshake frame's shape
  | 'oversized' // above the handshake frame cap
  | 'version' // a handshake frame of another version
  | 'protocol' // a pattern (Noise protocol name) we do not speak
  | 'rate-limited' // too many first messages from one address
  | 'replay' // a first message seen before
  | 'too-many-peers' // the peers cap is reached
  | 'stray'; // a later handshake message for no running handshake

export const REFUSALS: readonly Refusal[] = [
  'malformed',
  'oversized',
  'version',
  'protocol',
  'rate-limited',
  'replay',
  'too-many-peers',
  'stray'
];

export interface NetCounters {
  refused: Record<Refusal, number>;
  handshakes: {
    started: number;
    established: number;
    failed: number;
    /** Established handshakes by pattern (XX, XK, IK). */
    byPattern: Record<string, number>;
    /** Failures by the handshake's failure code (timeout, decrypt, identity, ...). */
    failures: Record<string, number>;
    /** Our final message sent again because the responder repeated its last one. */
    finalResent: number;
  };
  session: {
    /** A session frame from an address we have no session with. */
    noSession: number;
    /** Refused by the replay window (ERR_NOISE_REPLAY). */
    replayed: number;
    /** Failed authentication (ERR_NOISE_DECRYPT) or framing (ERR_NOISE_FRAME). */
    forged: number;
    /** An unknown channel, or a liveness message that did not decode. */
    badChannel: number;
  };
  /** Handshake-level refusals of peers' identity documents are in `documents.refused`. */
  stalePeersRemoved: number;
}

export function createNetCounters(): NetCounters {
  return {
    refused: Object.fromEntries(REFUSALS.map((r) => [r, 0])) as Record<Refusal, number>,
    handshakes: {
      started: 0,
      established: 0,
      failed: 0,
      byPattern: {},
      failures: {},
      finalResent: 0
    },
    session: { noSession: 0, replayed: 0, forged: 0, badChannel: 0 },
    stalePeersRemoved: 0
  };
}

/** A deep copy, safe to hand out. */
export function copyCounters(c: NetCounters): NetCounters {
  return structuredClone(c);
}

/** Adds one to `record[key]`. */
export function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}
