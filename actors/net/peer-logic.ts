/**
 * The peer machine of one address wired to real effects: `prepare` picks a fresh handshake id and
 * the pattern (`choosePattern`: IK for a key confirmed in the last minutes, XK for an older one, XX
 * without one or after a failed attempt); the invoked
 * `handshake` is the real Noise machine whose frames go out tagged on the raw transport;
 * `established` installs the Session and learns the peer's document; liveness pings travel on the
 * session's liveness channel. The last handshake frame sent to each address is kept, so a
 * responder that lost our final message can be answered again.
 */
import { fromPromise } from 'xstate';
import type { Clock } from '../clock.js';
import type { Random } from '../random.js';
import { BitDustError } from '../errors.js';
import {
  choosePattern,
  encodeHandshakeFrame,
  provideHandshake
} from '../crypto/handshake-actors.js';
import type { HandshakeDeps } from '../crypto/handshake-actors.js';
import { Session } from '../crypto/session.js';
import type { LocalIdentity } from '../identity/identity.js';
import type { Transport } from '../transports/types.js';
import { WIRE_VERSION } from '../wire/index.js';
import type { Codec } from '../wire/index.js';
import { peerMachine } from '../../machines/peer/machine.js';
import type { PeerEstablishedParams, PreparedHandshake } from '../../machines/peer/machine.js';
import type { peerMessages } from '../../machines/peer/messages.js';
import { CHANNEL, prefixed, TAG } from './frames.js';
import { bump } from './net-stats.js';
import type { NetCounters } from './net-stats.js';
import type { PeerDocuments } from './peer-documents.js';
import type { SecureChannel } from './secure-channel.js';

export interface PeerLogicDeps {
  identity: LocalIdentity;
  clock: Clock;
  random: Random;
  raw: Transport;
  channel: SecureChannel;
  liveness: Codec<typeof peerMessages>;
  documents: PeerDocuments;
  counters: NetCounters;
  handshake?: Omit<HandshakeDeps, 'identity'>;
  /** After the session is installed: tell the DHT, retire stale addresses, wake waiters. */
  onEstablished(address: string, nodeId: string): void;
  /** The transport could not deliver to `address` (the peer actor is told). */
  onUnreachable(address: string): void;
  log(level: 'info' | 'warn', obj: object, msg: string): void;
}

const HID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A factory of peer logic per address, sharing one map of last handshake frames. */
export function createPeerLogic(deps: PeerLogicDeps) {
  const lastFrames = new Map<string, Uint8Array>();
  /** Addresses whose last handshake failed: the next attempt is XX (see choosePattern). */
  const failedLast = new Set<string>();
  const selfId = deps.identity.document.body.id;
  let pingIds = 0;

  const hid = (): string => {
    let s = Math.floor(deps.clock.now()).toString(36) + '-';
    for (let i = 0; i < 12; i++) s += HID_CHARS[deps.random.int(HID_CHARS.length)];
    return s;
  };

  const sendRaw = (address: string, frame: Uint8Array) =>
    deps.raw.send(address, frame).catch(() => deps.onUnreachable(address));

  const established = ({ peerId: address, output }: PeerEstablishedParams) => {
    if (!(output.session instanceof Session)) throw new TypeError('handshake gave no Session');
    deps.counters.handshakes.established++;
    bump(deps.counters.handshakes.byPattern, output.pattern);
    if (output.peerDocument) {
      try {
        deps.documents.accept(output.peerDocument, output.peerId);
      } catch (err) {
        // The proof itself verified (the identity key signed this Noise key), so the session
        // stands; only the document is refused and we keep the one we had.
        const code = err instanceof BitDustError ? err.code : String(err);
        deps.log('warn', { peer: output.peerId, address, code }, 'peer document refused');
      }
    }
    deps.channel.install(address, {
      nodeId: output.peerId,
      session: output.session,
      hid: output.hid
    });
    deps.log('info', { peer: output.peerId, address, pattern: output.pattern }, 'session up');
    deps.onEstablished(address, output.peerId);
  };

  return (address: string) => {
    const handshakeLogic = provideHandshake(
      { ...deps.handshake, identity: deps.identity },
      (frame) => {
        const bytes = prefixed(TAG.handshake, encodeHandshakeFrame(frame));
        lastFrames.delete(address);
        lastFrames.set(address, bytes);
        // One frame per recent peer is all a resend needs; the oldest are forgotten past the cap.
        if (lastFrames.size > 4096) lastFrames.delete(lastFrames.keys().next().value!);
        void sendRaw(address, bytes);
      }
    );
    return peerMachine.provide({
      actors: {
        prepare: fromPromise<PreparedHandshake, { peerId: string; nodeId: string | null }>(
          async ({ input }) => {
            deps.counters.handshakes.started++;
            const remoteStatic = deps.documents.noiseKey(input.nodeId);
            const pattern = choosePattern(remoteStatic, {
              confirmedAt: deps.documents.confirmedAt(input.nodeId),
              now: deps.clock.now(),
              lastFailed: failedLast.has(address)
            });
            return { hid: hid(), pattern, remoteStatic: pattern === 'XX' ? null : remoteStatic };
          }
        ),
        handshake: handshakeLogic
      },
      actions: {
        send: (_, params) => {
          const frame = deps.liveness.encode({
            v: WIRE_VERSION,
            type: params.type,
            id: `p.${(pingIds = (pingIds + 1) % Number.MAX_SAFE_INTEGER)}`,
            from: selfId,
            to: deps.channel.get(address)?.nodeId ?? selfId,
            ts: Math.floor(deps.clock.now()),
            body: params.body
          });
          deps.channel.sendOn(address, CHANNEL.liveness, frame);
        },
        established: (_, params) => {
          failedLast.delete(address);
          established(params);
        },
        handshakeFailed: (_, params) => {
          // One entry per address, removed when it connects again; the oldest go past the cap.
          failedLast.delete(address);
          failedLast.add(address);
          if (failedLast.size > 4096) failedLast.delete(failedLast.values().next().value!);
          deps.counters.handshakes.failed++;
          bump(deps.counters.handshakes.failures, params.reason.split(':')[0] ?? 'unknown');
          deps.log('info', { address, reason: params.reason }, 'handshake failed');
        },
        dropSession: (_, params) => deps.channel.drop(params.peerId),
        resendFinal: (_, params) => {
          const last = lastFrames.get(params.peerId);
          if (!last) return;
          deps.counters.handshakes.finalResent++;
          void sendRaw(params.peerId, last);
        }
      }
    });
  };
}
