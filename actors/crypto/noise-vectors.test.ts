/**
 * Replays every cacophony vector in ../shared/vectors whose pattern and primitives are implemented:
 * byte-identical handshake and transport ciphertexts, and the same handshake hash, on both sides.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HandshakeState } from './handshake-state.js';
import { parseProtocolName } from './patterns.js';
import { keyPairFromSecret } from './primitives.js';

interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_static?: string;
  init_ephemeral: string;
  init_remote_static?: string;
  init_psks?: string[];
  resp_prologue: string;
  resp_static?: string;
  resp_ephemeral?: string;
  resp_remote_static?: string;
  resp_psks?: string[];
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
}

const VECTORS_URL = new URL('../../../shared/vectors/noise-25519-chachapoly.json', import.meta.url);
const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const kp = (s?: string) => (s ? keyPairFromSecret(hex(s)) : undefined);

function supported(name: string): boolean {
  try {
    parseProtocolName(name);
    return true;
  } catch {
    return false;
  }
}

function runVector(v: Vector): void {
  const init = new HandshakeState({
    protocolName: v.protocol_name,
    initiator: true,
    prologue: hex(v.init_prologue),
    staticKeyPair: kp(v.init_static),
    ephemeralKeyPair: kp(v.init_ephemeral),
    remoteStaticKey: v.init_remote_static ? hex(v.init_remote_static) : undefined,
    psks: v.init_psks?.map(hex)
  });
  const resp = new HandshakeState({
    protocolName: v.protocol_name,
    initiator: false,
    prologue: hex(v.resp_prologue),
    staticKeyPair: kp(v.resp_static),
    ephemeralKeyPair: kp(v.resp_ephemeral),
    remoteStaticKey: v.resp_remote_static ? hex(v.resp_remote_static) : undefined,
    psks: v.resp_psks?.map(hex)
  });
  const oneWay = init.pattern.oneWay;
  v.messages.forEach((m, i) => {
    const fromInit = oneWay || i % 2 === 0;
    const [sender, receiver] = fromInit ? [init, resp] : [resp, init];
    const payload = hex(m.payload);
    let ct: Uint8Array;
    let pt: Uint8Array;
    if (!sender.complete) {
      ct = sender.writeMessage(payload);
      pt = receiver.readMessage(ct);
      if (init.complete) {
        assert.equal(hex(v.handshake_hash).compare(init.result.handshakeHash), 0, 'init hash');
        assert.equal(hex(v.handshake_hash).compare(resp.result.handshakeHash), 0, 'resp hash');
      }
    } else {
      // After Split the initiator sends with c1 and the responder with c2 (§5.2).
      const out = fromInit ? sender.result.c1 : sender.result.c2;
      const inn = fromInit ? receiver.result.c1 : receiver.result.c2;
      ct = out.encryptWithAd(new Uint8Array(0), payload);
      pt = inn.decryptWithAd(new Uint8Array(0), ct);
    }
    assert.equal(Buffer.from(ct).toString('hex'), m.ciphertext, `${v.protocol_name} message ${i}`);
    assert.equal(Buffer.from(pt).toString('hex'), m.payload, `${v.protocol_name} payload ${i}`);
  });
  assert.ok(init.complete && resp.complete, `${v.protocol_name} handshake completed`);
}

test('every implemented cacophony vector replays byte for byte', () => {
  const file = JSON.parse(readFileSync(VECTORS_URL, 'utf8')) as { vectors: Vector[] };
  const counts = new Map<string, number>();
  let skipped = 0;
  for (const v of file.vectors) {
    if (!supported(v.protocol_name)) {
      skipped += 1;
      continue;
    }
    runVector(v);
    const { pattern, hash } = parseProtocolName(v.protocol_name);
    const key = `${pattern.name}/${hash.name}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  // The patterns the handshake machine relies on must each have run, with both hashes.
  for (const p of ['NN', 'XX', 'XK', 'IK', 'NK', 'KK', 'NX', 'KX', 'IKpsk2', 'XXpsk3']) {
    for (const h of ['BLAKE2b', 'SHA256']) {
      assert.ok((counts.get(`${p}/${h}`) ?? 0) > 0, `ran no ${p}/${h} vector`);
    }
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  assert.ok(total >= 8, `ran ${total} vectors`);
  assert.equal(skipped, 0, 'every vector in the file is implemented');
  console.log(`noise vectors: ${total} passed, ${skipped} skipped, ${counts.size} pattern×hash`);
});
