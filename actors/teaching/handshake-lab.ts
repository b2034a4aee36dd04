/**
 * A handshake lab for teaching: the real Noise handshake machine (machines/handshake, provided
 * with the real crypto of actors/crypto) run between two identities of the devnet, as two actors
 * invoked by a small `handshake-lab` root. Frames go through the root, which delivers them after
 * `latencyMs` on the system clock: on a paused teaching clock the handshake waits between messages,
 * and each clock step moves it one message forward, so a class can watch every state.
 *
 * The peer machine does not run handshakes yet (issue 4 wires them in); until then the lab is how
 * the demo and the inspector's tests show a real handshake progressing.
 */
import { assign, createActor, sendTo, setup, type ActorRefFrom } from 'xstate';
import type { Clock } from '../clock.js';
import {
  decodeHandshakeFrame,
  encodeHandshakeFrame,
  provideHandshake
} from '../crypto/handshake-actors.js';
import type { LocalIdentity } from '../identity/identity.js';
import type { HandshakeOutput } from '../../machines/handshake/types.js';
import type { HandshakeFrame } from '../../machines/handshake/messages.js';

type Side = 'initiator' | 'responder';

interface LabContext {
  hid: string;
  latencyMs: number;
  responderId: string;
  frames: number;
  results: Partial<Record<Side, string>>;
}

type LabEvent =
  | { type: 'lab.frame'; from: Side; frame: HandshakeFrame }
  | { type: 'xstate.done.actor.initiator'; output: HandshakeOutput }
  | { type: 'xstate.done.actor.responder'; output: HandshakeOutput };

/** Options of {@link startHandshakeLab}. */
export interface HandshakeLabOptions {
  clock: Clock;
  initiator: LocalIdentity;
  responder: LocalIdentity;
  /** Virtual ms between a frame being sent and delivered (default 300). */
  latencyMs?: number;
  /** Handshake id shared by both sides, 8–64 of [A-Za-z0-9_-] (default `teaching-lab-1`). */
  hid?: string;
  /** Called for each frame put on the wire, e.g. to narrate it. */
  onFrame?: (from: Side, frame: HandshakeFrame) => void;
}

/** Builds the lab machine around two provided handshake machines. */
function labMachine(options: HandshakeLabOptions, send: (from: Side, f: HandshakeFrame) => void) {
  const side = (who: Side, identity: LocalIdentity) =>
    provideHandshake({ identity }, (frame) => send(who, frame));
  return setup({
    types: {
      context: {} as LabContext,
      events: {} as LabEvent,
      input: {} as { hid: string; latencyMs: number; responderId: string }
    },
    actors: {
      initiator: side('initiator', options.initiator),
      responder: side('responder', options.responder)
    },
    delays: { latency: ({ context }) => context.latencyMs },
    guards: { bothDone: ({ context }) => Object.keys(context.results).length === 2 }
  }).createMachine({
    id: 'handshake-lab',
    context: ({ input }) => ({ ...input, frames: 0, results: {} }),
    initial: 'running',
    states: {
      running: {
        invoke: [
          {
            id: 'initiator',
            src: 'initiator',
            input: ({ context }) => ({
              role: 'initiator' as const,
              hid: context.hid,
              pattern: 'XX' as const,
              expectedPeerId: context.responderId
            })
          },
          {
            id: 'responder',
            src: 'responder',
            input: ({ context }) => ({
              role: 'responder' as const,
              hid: context.hid,
              pattern: 'XX' as const
            })
          }
        ],
        on: {
          'lab.frame': {
            actions: [
              assign({ frames: ({ context }) => context.frames + 1 }),
              sendTo(
                ({ event }) => (event.from === 'initiator' ? 'responder' : 'initiator'),
                ({ event }) => ({ type: 'frame.received' as const, frame: event.frame }),
                { delay: 'latency' }
              )
            ]
          },
          'xstate.done.actor.initiator': {
            actions: assign({
              results: ({ context, event }) => ({
                ...context.results,
                initiator: event.output.status
              })
            })
          },
          'xstate.done.actor.responder': {
            actions: assign({
              results: ({ context, event }) => ({
                ...context.results,
                responder: event.output.status
              })
            })
          }
        },
        always: { guard: 'bothDone', target: 'finished' }
      },
      // Not final: the lab stays in the tree (with its finished children's results) for review.
      finished: {}
    }
  });
}

/** A running lab: its root actor (attach it to the bridge) and the two results. */
export interface HandshakeLab {
  readonly root: ActorRefFrom<ReturnType<typeof labMachine>>;
  /** `established`/`failed` per side once both handshakes ended. */
  results(): Partial<Record<Side, string>>;
  stop(): void;
}

/** Starts a lab: the initiator writes its first message at once; delivery waits on the clock. */
export function startHandshakeLab(options: HandshakeLabOptions): HandshakeLab {
  // Frames are sent only after start, by which time `root` is assigned.
  const machine = labMachine(options, (from, sent) => {
    // Across the wire codec, as between two nodes: the receiver validates what it decodes.
    const frame = decodeHandshakeFrame(encodeHandshakeFrame(sent)) as HandshakeFrame;
    options.onFrame?.(from, frame);
    root.send({ type: 'lab.frame', from, frame });
  });
  const root: HandshakeLab['root'] = createActor(machine, {
    clock: options.clock,
    input: {
      hid: options.hid ?? 'teaching-lab-1',
      latencyMs: options.latencyMs ?? 300,
      responderId: options.responder.document.body.id
    }
  });
  root.start();
  return {
    root,
    results: () => root.getSnapshot().context.results,
    stop: () => root.stop()
  };
}
