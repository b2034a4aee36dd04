/**
 * Handshake patterns (Noise rev 34, §7 and §18) and protocol-name parsing. Patterns are data: the
 * HandshakeState interprets the token lists, so adding a pattern is one line here and the vectors
 * check it. Supported: the one-way N/K/X, all twelve fundamental interactive patterns, the 23
 * deferred patterns, and the `pskN` modifiers. Fallback is not supported.
 */
import { BitDustError } from '../errors.js';
import { BLAKE2b, SHA256, type HashFunction } from './primitives.js';

/** A message token. */
export type Token = 'e' | 's' | 'ee' | 'es' | 'se' | 'ss' | 'psk';

/** A handshake pattern: pre-message keys for each side, then the messages in order. */
export interface HandshakePattern {
  readonly name: string;
  /** Keys known to the responder before the handshake (`-> s` pre-message). */
  readonly initiatorPre: readonly ('e' | 's')[];
  /** Keys known to the initiator before the handshake (`<- s` pre-message). */
  readonly responderPre: readonly ('e' | 's')[];
  /** Messages; even indexes are sent by the initiator, odd ones by the responder. */
  readonly messages: readonly (readonly Token[])[];
  /** One-way patterns: the responder never sends, so every transport message goes one way. */
  readonly oneWay: boolean;
}

// Compact table: "pre-initiator | pre-responder | message; message; ..." as written in §7 and §18.
const TABLE: Record<string, string> = {
  N: '|s|e,es',
  K: 's|s|e,es,ss',
  X: '|s|e,es,s,ss',
  NN: '||e;e,ee',
  NK: '|s|e,es;e,ee',
  NX: '||e;e,ee,s,es',
  XN: '||e;e,ee;s,se',
  XK: '|s|e,es;e,ee;s,se',
  XX: '||e;e,ee,s,es;s,se',
  KN: 's||e;e,ee,se',
  KK: 's|s|e,es,ss;e,ee,se',
  KX: 's||e;e,ee,se,s,es',
  IN: '||e,s;e,ee,se',
  IK: '|s|e,es,s,ss;e,ee,se',
  IX: '||e,s;e,ee,se,s,es',
  NK1: '|s|e;e,ee,es',
  NX1: '||e;e,ee,s;es',
  X1N: '||e;e,ee;s;se',
  X1K: '|s|e,es;e,ee;s;se',
  XK1: '|s|e;e,ee,es;s,se',
  X1K1: '|s|e;e,ee,es;s;se',
  X1X: '||e;e,ee,s,es;s;se',
  XX1: '||e;e,ee,s;es,s,se',
  X1X1: '||e;e,ee,s;es,s;se',
  K1N: 's||e;e,ee;se',
  K1K: 's|s|e,es;e,ee;se',
  KK1: 's|s|e;e,ee,se,es',
  K1K1: 's|s|e;e,ee,es;se',
  K1X: 's||e;e,ee,s,es;se',
  KX1: 's||e;e,ee,se,s;es',
  K1X1: 's||e;e,ee,s;se,es',
  I1N: '||e,s;e,ee;se',
  I1K: '|s|e,es,s;e,ee;se',
  IK1: '|s|e,s;e,ee,se,es',
  I1K1: '|s|e,s;e,ee,es;se',
  I1X: '||e,s;e,ee,s,es;se',
  IX1: '||e,s;e,ee,se,s;es',
  I1X1: '||e,s;e,ee,s;se,es'
};

const ONE_WAY = new Set(['N', 'K', 'X']);

/** Names of every base pattern this module knows (without modifiers). */
export const PATTERN_NAMES: readonly string[] = Object.keys(TABLE);

function tokens(list: string): ('e' | 's')[] {
  return list === '' ? [] : (list.split(',') as ('e' | 's')[]);
}

/**
 * The pattern for a name such as `XX`, `IKpsk2` or `NNpsk0+psk2`. psk0 puts `psk` first in the
 * first message; pskN (N ≥ 1) appends it to the end of message N (§9.2).
 */
export function getPattern(name: string): HandshakePattern {
  const match = /^([A-Z1]+?)((?:psk\d)(?:\+psk\d)*)?$/.exec(name);
  const base = match?.[1];
  const row = base === undefined ? undefined : TABLE[base];
  if (!match || base === undefined || row === undefined) {
    throw new BitDustError('ERR_NOISE_PATTERN', `unsupported handshake pattern ${name}`);
  }
  const [pre1 = '', pre2 = '', msgs = ''] = row.split('|');
  const messages = msgs.split(';').map((m) => m.split(',') as Token[]);
  for (const mod of match[2]?.split('+') ?? []) {
    const n = Number(mod.slice(3));
    if (n === 0) messages[0]!.unshift('psk');
    else if (n <= messages.length) messages[n - 1]!.push('psk');
    else throw new BitDustError('ERR_NOISE_PATTERN', `${mod} has no message ${n} in ${base}`);
  }
  return {
    name,
    initiatorPre: tokens(pre1),
    responderPre: tokens(pre2),
    messages,
    oneWay: ONE_WAY.has(base)
  };
}

/** A parsed `Noise_<pattern>_<dh>_<cipher>_<hash>` name. */
export interface NoiseProtocol {
  readonly name: string;
  readonly pattern: HandshakePattern;
  readonly hash: HashFunction;
}

/** Parse a full protocol name; only 25519 and ChaChaPoly are implemented. */
export function parseProtocolName(name: string): NoiseProtocol {
  const parts = name.split('_');
  if (parts.length !== 5 || parts[0] !== 'Noise' || parts[2] !== '25519') {
    throw new BitDustError('ERR_NOISE_PROTOCOL', `unsupported protocol ${name}`);
  }
  if (parts[3] !== 'ChaChaPoly') {
    throw new BitDustError('ERR_NOISE_PROTOCOL', `unsupported cipher in ${name}`);
  }
  const hash = parts[4] === 'BLAKE2b' ? BLAKE2b : parts[4] === 'SHA256' ? SHA256 : null;
  if (!hash) throw new BitDustError('ERR_NOISE_PROTOCOL', `unsupported hash in ${name}`);
  return { name, pattern: getPattern(parts[1]!), hash };
}
