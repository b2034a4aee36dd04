/**
 * The builder's side of one circuit: runs the circuit machine with real effects. It keeps one
 * Noise NK session per hop, wraps every command in one layer per hop (innermost for the hop that
 * must read it, `forward` around it for each hop before), and peels backward cells layer by layer
 * until a hop's own command appears. A layer that fails authentication ends the circuit.
 */
import { randomInt } from 'node:crypto';
import { createActor, type Actor, type AnyActorRef } from 'xstate';
import { adoptActor } from '../inspection/describe-actor.js';
import { realClock, type Clock } from '../clock.js';
import { HandshakeState } from '../crypto/handshake-state.js';
import { Session } from '../crypto/session.js';
import type { Transport } from '../transports/types.js';
import {
  circuitMachine,
  type CircuitInput,
  type CircuitOutput
} from '../../machines/proxy/circuit/machine.js';
import * as wire from '../../machines/proxy/circuit/messages.js';
import type { RelayCommand } from '../../machines/proxy/circuit/messages.js';
import { HOP_PROTOCOL, sendCell } from './router-hops.js';
import { ProxyError } from './errors.js';

/** A router as a builder knows it: where it listens and its Noise static key. */
export interface RouterInfo {
  address: string;
  noiseKey: Uint8Array;
}

/** What a circuit client reports. */
export interface CircuitHandlers {
  onReady(address: string | null): void;
  onEnd(output: CircuitOutput): void;
  onData(peer: string, payload: Uint8Array): void;
  /** A layer failed authentication (counted by the owner). */
  onAuthFailure?(): void;
}

/** Options besides the path: the machine's timeouts. */
export type CircuitTiming = Omit<CircuitInput, 'path'>;

/** One circuit being built or in use. */
export class CircuitClient {
  readonly circId = randomInt(1, 2 ** 32 - 1);
  readonly actor: Actor<typeof circuitMachine>;
  readonly #sessions: Session[] = [];
  readonly #heads = new Map<string, Uint8Array>();
  #hs: HandshakeState | null = null;
  #ready = false;

  constructor(
    readonly transport: Transport,
    readonly path: RouterInfo[],
    readonly handlers: CircuitHandlers,
    timing: CircuitTiming = {},
    clock: Clock = realClock,
    /** Where the inspector shows this circuit (the receiver's invoked child), if anywhere. */
    parent?: AnyActorRef,
    /**
     * Pad every relay cell to one size (docs/proxy.md, "Padding"): the command for hop t is
     * padded to `PADDED_SIZE − 25·t` bytes, and each hop pads its answers to the size it got.
     */
    readonly pad = false
  ) {
    this.actor = createActor(
      circuitMachine.provide({
        actions: {
          sendCreate: () => this.#cell('create', this.#handshake(0)),
          sendExtend: (_, { hop }) =>
            this.#layered(hop - 1, {
              cmd: 'extend',
              address: (path[hop] as RouterInfo).address,
              handshake: this.#handshake(hop)
            }),
          sendRegister: () => this.#layered(path.length - 1, { cmd: 'register' }),
          sendPing: (_, { seq }) => this.#layered(path.length - 1, { cmd: 'ping', seq }),
          sendDestroy: () =>
            this.#cell('destroy-fwd', wire.encodeDestroy({ depth: 0, reason: 'closed' })),
          release: () => {
            for (const s of this.#sessions) s.destroy();
            this.#hs?.destroy();
          }
        }
      }),
      {
        input: { ...timing, path: path.map((r) => r.address) },
        clock,
        ...(parent ? { parent, id: 'proxy.circuit' } : {})
      }
    );
    if (parent) adoptActor(parent, this.actor);
    this.actor.subscribe((snap) => {
      if (snap.status === 'done') return handlers.onEnd(snap.output as CircuitOutput);
      if (!this.#ready && (snap.matches('ready') || snap.matches('probing'))) {
        this.#ready = true;
        handlers.onReady(snap.context.address);
      }
    });
  }

  /** Starts building. */
  start(): this {
    this.actor.start();
    return this;
  }

  /** True once built (and registered, if asked). */
  get ready(): boolean {
    return this.#ready && this.actor.getSnapshot().status === 'active';
  }

  /** Sends `payload` to `peer` out of the last hop. */
  send(peer: string, payload: Uint8Array): Promise<void> {
    return this.sendParts(peer, [payload]);
  }

  /**
   * Sends the payload that `parts` make, joined, to `peer` out of the last hop. The parts are
   * only read (sealed from), never kept: the innermost layer is sealed from them directly.
   */
  sendParts(peer: string, parts: readonly Uint8Array[]): Promise<void> {
    if (!this.ready) return Promise.reject(ProxyError.notReady());
    return this.#seal(this.path.length - 1, [this.#dataHead(peer), ...parts]);
  }

  /**
   * The `data` head for `peer`, encoded once per peer (a node talks to a few peers, each frame
   * would otherwise encode the address again). Only ever sealed from, never handed on, so one
   * buffer serves every frame. Bounded: the cache is dropped past 256 peers.
   */
  #dataHead(peer: string): Uint8Array {
    let head = this.#heads.get(peer);
    if (!head) {
      if (this.#heads.size >= 256) this.#heads.clear();
      head = wire.dataHead(peer);
      this.#heads.set(peer, head);
    }
    return head;
  }

  /** A cell from the first hop on our circId. */
  onCell(cell: wire.Cell): void {
    if (cell.type === 'created') return this.#completeHop(cell.body);
    if (cell.type === 'destroy-back') {
      const d = wire.decodeDestroy(cell.body);
      return void this.actor.send({ type: 'circuit.destroyed', ...d });
    }
    if (cell.type !== 'relay-back') return;
    let data = cell.body;
    for (let i = 0; i < this.#sessions.length; i++) {
      let cmd: RelayCommand;
      try {
        cmd = wire.decodeRelay((this.#sessions[i] as Session).receive(data));
        if (cmd.cmd === 'padded') cmd = wire.decodeRelay(cmd.inner);
      } catch {
        this.handlers.onAuthFailure?.();
        return void this.actor.send({ type: 'circuit.auth-failed' });
      }
      if (cmd.cmd === 'forward') {
        data = cmd.inner;
        continue;
      }
      return this.#command(cmd);
    }
  }

  /** The link to the first hop went down. */
  linkDown(reason: string): void {
    this.actor.send({ type: 'link.down', reason });
  }

  /** Tears the circuit down. */
  close(): void {
    if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'circuit.close' });
  }

  #command(cmd: RelayCommand): void {
    if (cmd.cmd === 'data') return this.handlers.onData(cmd.peer, cmd.payload);
    if (cmd.cmd === 'extended') return this.#completeHop(cmd.handshake);
    if (cmd.cmd === 'registered')
      this.actor.send({ type: 'circuit.registered', address: cmd.address });
    else if (cmd.cmd === 'pong') this.actor.send({ type: 'circuit.pong', seq: cmd.seq });
    else if (cmd.cmd === 'failed') this.actor.send({ type: 'hop.refused', reason: cmd.reason });
  }

  #handshake(hop: number): Uint8Array {
    this.#hs?.destroy();
    this.#hs = new HandshakeState({
      protocolName: HOP_PROTOCOL,
      initiator: true,
      remoteStaticKey: (this.path[hop] as RouterInfo).noiseKey
    });
    return this.#hs.writeMessage();
  }

  #completeHop(message: Uint8Array): void {
    const hs = this.#hs;
    if (!hs) return;
    try {
      hs.readMessage(message);
      this.#sessions.push(Session.fromHandshake(hs.result, true));
      this.#hs = null;
    } catch {
      this.handlers.onAuthFailure?.();
      return void this.actor.send({ type: 'circuit.auth-failed' });
    }
    this.actor.send({ type: 'hop.ready' });
  }

  /**
   * Wraps `cmd` for hop `target` and one `forward` layer per hop before it. Each layer is sealed
   * from the pieces of the one inside it (`forward` head ‖ inner pieces) and the cell goes out as
   * pieces, so a payload is never copied, only encrypted once per layer.
   */
  #layered(target: number, cmd: RelayCommand): Promise<void> {
    return this.#seal(target, wire.encodeRelayParts(cmd));
  }

  /** {@link #layered} for a command already in pieces. */
  #seal(target: number, command: readonly Uint8Array[]): Promise<void> {
    const plain = this.pad
      ? wire.paddedParts(command, wire.PADDED_SIZE - wire.LAYER_BYTES * target)
      : command;
    let data = (this.#sessions[target] as Session).seal(plain);
    for (let i = target - 1; i >= 0; i--) {
      data = (this.#sessions[i] as Session).seal([wire.forwardHead(), ...data]);
    }
    return this.#cell('relay-fwd', data);
  }

  #cell(type: wire.CellType, body: Uint8Array | Uint8Array[]): Promise<void> {
    const to = (this.path[0] as RouterInfo).address;
    const head = wire.cellHead(type, this.circId);
    const sent = sendCell(this.transport, to, head, Array.isArray(body) ? body : [body]);
    sent.catch((err: Error) => {
      if (type !== 'destroy-fwd') this.linkDown(err.message);
    });
    return sent;
  }
}
