import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BitDustError } from '../errors.js';
import { HandshakeState } from './handshake-state.js';
import { generateKeyPair, type KeyPair } from './primitives.js';
import { Session } from './session.js';

const PROLOGUE = Buffer.from('test prologue');
const PATTERNS = ['NN', 'XX', 'XK', 'IK', 'NK', 'KK', 'IX', 'XXpsk3'];
const HASHES = ['BLAKE2b', 'SHA256'];

interface Pair {
  init: HandshakeState;
  resp: HandshakeState;
}

function makePair(pattern: string, hash: string, keys: { i: KeyPair; r: KeyPair }): Pair {
  const protocolName = `Noise_${pattern}_25519_ChaChaPoly_${hash}`;
  const psks = pattern.includes('psk') ? [Buffer.alloc(32, 7)] : undefined;
  const knowsResp = /^(XK|IK|NK|KK)/.test(pattern);
  const knowsInit = /^K/.test(pattern);
  return {
    init: new HandshakeState({
      protocolName,
      initiator: true,
      prologue: PROLOGUE,
      staticKeyPair: keys.i,
      remoteStaticKey: knowsResp ? keys.r.publicKey : undefined,
      psks
    }),
    resp: new HandshakeState({
      protocolName,
      initiator: false,
      prologue: PROLOGUE,
      staticKeyPair: keys.r,
      remoteStaticKey: knowsInit ? keys.i.publicKey : undefined,
      psks
    })
  };
}

/** Runs the handshake; `tamper` may alter message i in flight. Returns the error, if any. */
function run(pair: Pair, tamper?: (i: number, m: Uint8Array) => Uint8Array): unknown {
  try {
    for (let i = 0; !pair.init.complete || !pair.resp.complete; i++) {
      const [from, to] = i % 2 === 0 ? [pair.init, pair.resp] : [pair.resp, pair.init];
      const m = from.writeMessage(Buffer.from(`payload ${i}`));
      to.readMessage(tamper ? tamper(i, m) : m);
    }
    return null;
  } catch (err) {
    return err;
  }
}

const keys = { i: generateKeyPair(), r: generateKeyPair() };

test('handshakes complete and yield crossing sessions for every tested pattern and hash', () => {
  for (const p of PATTERNS) {
    for (const h of HASHES) {
      const pair = makePair(p, h, keys);
      assert.equal(run(pair), null, `${p}/${h}`);
      const a = Session.fromHandshake(pair.init.result, true);
      const b = Session.fromHandshake(pair.resp.result, false);
      assert.deepEqual(a.handshakeHash, b.handshakeHash);
      assert.equal(Buffer.from(b.receive(a.send(Buffer.from('hi')))).toString(), 'hi');
      assert.equal(Buffer.from(a.receive(b.send(Buffer.from('yo')))).toString(), 'yo');
    }
  }
});

test('flipping any bit of any handshake message makes the handshake fail', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...PATTERNS),
      fc.constantFrom(...HASHES),
      fc.nat(),
      fc.nat(),
      (pattern, hash, msgSeed, bitSeed) => {
        const pair = makePair(pattern, hash, keys);
        const target = msgSeed % pair.init.pattern.messages.length;
        const err = run(pair, (i, m) => {
          if (i !== target) return m;
          const copy = Buffer.from(m);
          const bit = bitSeed % (copy.byteLength * 8);
          copy[bit >> 3]! ^= 1 << (bit & 7);
          return copy;
        });
        assert.ok(err instanceof BitDustError, `${pattern} msg ${target}: ${String(err)}`);
        assert.match(err.code, /^ERR_NOISE_(DECRYPT|DH)$/);
      }
    ),
    { numRuns: 300 }
  );
});

test('a wrong prologue, a truncated message and out-of-turn calls are refused', () => {
  const a = makePair('XX', 'BLAKE2b', keys);
  const other = new HandshakeState({
    protocolName: 'Noise_XX_25519_ChaChaPoly_BLAKE2b',
    initiator: false,
    prologue: Buffer.from('bitdust v2'),
    staticKeyPair: keys.r
  });
  const m0 = a.init.writeMessage();
  other.readMessage(m0);
  assert.throws(() => a.init.readMessage(other.writeMessage()), { code: 'ERR_NOISE_DECRYPT' });
  const b = makePair('XX', 'SHA256', keys);
  assert.throws(() => b.resp.writeMessage(), { code: 'ERR_NOISE_STATE' });
  assert.throws(() => b.resp.readMessage(new Uint8Array(5)), { code: 'ERR_NOISE_SHORT' });
  assert.throws(() => b.resp.readMessage(b.init.writeMessage()), { code: 'ERR_NOISE_STATE' });
});

test('unknown protocol names and a low-order peer key are typed errors', () => {
  const base = { initiator: true, staticKeyPair: keys.i };
  assert.throws(
    () => new HandshakeState({ ...base, protocolName: 'Noise_ZZ_25519_ChaChaPoly_SHA256' }),
    {
      code: 'ERR_NOISE_PATTERN'
    }
  );
  assert.throws(() => new HandshakeState({ ...base, protocolName: 'Noise_XX_448_AESGCM_SHA512' }), {
    code: 'ERR_NOISE_PROTOCOL'
  });
  const ik = new HandshakeState({
    ...base,
    protocolName: 'Noise_IK_25519_ChaChaPoly_SHA256',
    remoteStaticKey: new Uint8Array(32)
  });
  assert.throws(() => ik.writeMessage(), { code: 'ERR_NOISE_DH' });
});
