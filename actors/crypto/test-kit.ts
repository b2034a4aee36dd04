/** Test fixtures for the crypto layer: a finished Noise XX handshake between two fresh key pairs. */
import { HandshakeState, type HandshakeResult } from './handshake-state.js';
import { generateKeyPair } from './primitives.js';

/** Runs XX 25519/ChaChaPoly/BLAKE2b to completion in memory; returns both parties' results. */
export function completedXX(): { initiator: HandshakeResult; responder: HandshakeResult } {
  const protocolName = 'Noise_XX_25519_ChaChaPoly_BLAKE2b';
  const i = new HandshakeState({ protocolName, initiator: true, staticKeyPair: generateKeyPair() });
  const r = new HandshakeState({
    protocolName,
    initiator: false,
    staticKeyPair: generateKeyPair()
  });
  r.readMessage(i.writeMessage());
  i.readMessage(r.writeMessage());
  r.readMessage(i.writeMessage());
  return { initiator: i.result, responder: r.result };
}
