/**
 * The hops a proxy router carries, and what it does with each cell: the relaying half of
 * router-node.ts. Keys are `<neighbour address>|<circId>`; the predecessor chose the circId of the
 * upstream link, this router chooses the one towards its successor, so both are unique per link.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { HandshakeState } from '../crypto/handshake-state.js';
import { Session } from '../crypto/session.js';
import type { KeyPair } from '../crypto/primitives.js';
import type { Transport } from '../transports/types.js';
import * as wire from '../../machines/proxy/circuit/messages.js';
import { LayerPool } from './layer-pool.js';
import type { RelayCommand } from '../../machines/proxy/circuit/messages.js';

/** Noise protocol of every hop: the builder knows our static key, we do not learn theirs. */
export const HOP_PROTOCOL = 'Noise_NK_25519_ChaChaPoly_BLAKE2b';

/** One carried hop: who is before and after us, and our session with the builder. */
export interface Hop {
  prev: { addr: string; circId: number };
  next: { addr: string; circId: number } | null;
  session: Session;
  token: string | null;
  /** Padded circuit: the size of the padded commands the builder sends us, which ours mirror. */
  pad?: number;
  /**
   * Encoded heads per peer address, for an exit hop's frames: the routed-frame head towards a
   * peer (and where it goes) and the `data` head of a command coming back from one. Encoding the
   * addresses once per peer instead of once per frame; bounded (dropped past 256 peers).
   */
  heads?: Map<string, { to: string; routed: Uint8Array | null; data: Uint8Array }>;
}

type RouteEvent = { type: 'route.open'; key: string } | { type: 'route.close'; key: string };

const key = (addr: string, circId: number) => `${addr}|${circId}`;
const ignore = () => {};

/**
 * Sends the cell (or routed frame) `head ‖ parts` to `to`, lending the pieces to a transport that
 * writes them with one writev ({@link Transport.sendParts}) rather than copying them into one
 * buffer first; a transport without it gets them joined. The pieces are lent read-only: nobody
 * may write them until `released` is called (see Transport.sendParts), if ever (they may be sent
 * again, as a cached head is).
 */
export function sendCell(
  transport: Transport,
  to: string,
  head: Uint8Array,
  parts: readonly Uint8Array[],
  released?: () => void
): Promise<void> {
  if (transport.sendParts) return transport.sendParts(to, [head, ...parts], released);
  const joined = Buffer.concat([head, ...parts]);
  released?.();
  return transport.send(to, joined);
}

/** The hop table and cell handling of one router. */
export class RouterHops {
  readonly counters = { authFailures: 0, badFrames: 0, relayed: 0, exitFrames: 0 };
  readonly #up = new Map<string, Hop>();
  readonly #down = new Map<string, Hop>();
  readonly #tokens = new Map<string, Hop>();
  readonly #pending = new Map<string, Uint8Array>();
  /** Where layers are opened: recycled once the cell they are forwarded in is written. */
  readonly layers = new LayerPool();

  constructor(
    readonly transport: Transport,
    readonly keys: KeyPair,
    readonly route: (e: RouteEvent) => void
  ) {}

  /**
   * Handles one frame from the transport; anything not ours is left to other handlers. The frame
   * is only borrowed (router-node.ts subscribes with `borrow`): every byte kept past this call is
   * copied (a pending `create`) or decrypted into a pooled buffer (a layer, given back once
   * the cell it is forwarded in is written), and every byte sent on is sealed or framed before
   * this returns.
   */
  onFrame(from: string, frame: Uint8Array): void {
    try {
      if (frame[0] === wire.ROUTED_TAG) return this.#routedIn(from, wire.decodeRouted(frame));
      if (frame[0] !== wire.CELL_TAG) return;
      const cell = wire.decodeCell(frame);
      const k = key(from, cell.circId);
      if (cell.type === 'create') {
        if (this.#up.has(k) || this.#pending.has(k)) return;
        this.#pending.set(k, new Uint8Array(cell.body)); // kept past this call: our own copy
        return this.route({ type: 'route.open', key: k });
      }
      const up = this.#up.get(k);
      const down = this.#down.get(k);
      if (cell.type === 'relay-fwd' && up) return this.#relayFwd(up, cell.body);
      if (cell.type === 'destroy-fwd' && up) {
        this.#send(up.prev.addr, 'destroy-back', up.prev.circId, { depth: 0, reason: 'closed' });
        return this.#drop(up, 'forward');
      }
      if (!down) return; // a cell for a circuit we do not carry (any more): ignore it
      if (cell.type === 'created')
        return this.#back(down, { cmd: 'extended', handshake: cell.body });
      if (cell.type === 'relay-back') {
        this.counters.relayed++;
        return this.#back(down, { cmd: 'forward', inner: cell.body });
      }
      if (cell.type === 'destroy-back') {
        const d = wire.decodeDestroy(cell.body);
        this.#send(down.prev.addr, 'destroy-back', down.prev.circId, { ...d, depth: d.depth + 1 });
        return this.#drop(down, 'none');
      }
    } catch (err) {
      if (!(err instanceof wire.ProxyDecodeError)) throw err;
      this.counters.badFrames++;
    }
  }

  /** The router machine accepted `k`: answer the builder's handshake. */
  accept(k: string): void {
    const body = this.#pending.get(k);
    this.#pending.delete(k);
    if (!body) return;
    const [addr, id] = [k.slice(0, k.lastIndexOf('|')), Number(k.slice(k.lastIndexOf('|') + 1))];
    try {
      const hs = new HandshakeState({
        protocolName: HOP_PROTOCOL,
        initiator: false,
        staticKeyPair: this.keys
      });
      hs.readMessage(body);
      const reply = hs.writeMessage();
      const session = Session.fromHandshake(hs.result, false);
      this.#up.set(k, { prev: { addr, circId: id }, next: null, session, token: null });
      this.transport
        .send(addr, wire.encodeCell({ type: 'created', circId: id, body: reply }))
        .catch(ignore);
    } catch {
      this.counters.authFailures++;
      this.route({ type: 'route.close', key: k });
      this.#send(addr, 'destroy-back', id, {
        depth: 0,
        reason: 'authentication failed: bad handshake'
      });
    }
  }

  /** The router machine refused `k`: say why. */
  refuse(k: string, reason: string): void {
    this.#pending.delete(k);
    const at = k.lastIndexOf('|');
    this.#send(k.slice(0, at), 'destroy-back', Number(k.slice(at + 1)), { depth: 0, reason });
  }

  /** A neighbour went away: close every hop through it, towards the other side. */
  onPeerDown(peer: string): void {
    for (const hop of [...this.#up.values()]) {
      if (hop.prev.addr === peer) this.#drop(hop, 'forward');
      else if (hop.next?.addr === peer) {
        this.#send(hop.prev.addr, 'destroy-back', hop.prev.circId, {
          depth: 0,
          reason: 'next hop lost'
        });
        this.#drop(hop, 'none');
      }
    }
  }

  /** Drops every hop, telling both neighbours. */
  dropAll(reason: string): void {
    for (const hop of [...this.#up.values()]) {
      this.#send(hop.prev.addr, 'destroy-back', hop.prev.circId, { depth: 0, reason });
      this.#drop(hop, 'forward');
    }
  }

  /**
   * Opens our layer into a pooled buffer and acts on the command inside. The buffer goes back to
   * the pool when the cell or frame that carries a view of it has been written (`release` passed
   * as the transport's `released`), or at once when nothing sent references it.
   */
  #relayFwd(hop: Hop, body: Uint8Array): void {
    const buf = this.layers.take();
    const release = this.layers.giver(buf);
    let handed = false;
    try {
      handed = this.#openLayer(hop, body, buf, release);
    } finally {
      if (!handed) release();
    }
  }

  /** True when `release` was handed to a send, which calls it once the send is done with `buf`. */
  #openLayer(hop: Hop, body: Uint8Array, buf: Buffer, release: () => void): boolean {
    let cmd: RelayCommand;
    try {
      const plain = hop.session.receive(body, buf);
      cmd = wire.decodeRelay(plain);
      if (cmd.cmd === 'padded') {
        hop.pad = plain.byteLength;
        cmd = wire.decodeRelay(cmd.inner);
      }
    } catch {
      // A forged, replayed or corrupted layer: someone on the path tampers. Close the circuit.
      this.counters.authFailures++;
      this.#send(hop.prev.addr, 'destroy-back', hop.prev.circId, {
        depth: 0,
        reason: 'authentication failed'
      });
      this.#drop(hop, 'forward');
      return false;
    }
    if (cmd.cmd === 'forward' && hop.next) {
      this.counters.relayed++;
      // `inner` is a view into our pooled buffer: lent to the transport until it is written.
      const head = wire.cellHead('relay-fwd', hop.next.circId);
      sendCell(this.transport, hop.next.addr, head, [cmd.inner], release).catch(ignore);
      return true;
    } else if (cmd.cmd === 'extend' && !hop.next) {
      const circId = randomInt(1, 2 ** 32 - 1);
      hop.next = { addr: cmd.address, circId };
      this.#down.set(key(cmd.address, circId), hop);
      const cell = wire.encodeCell({ type: 'create', circId, body: cmd.handshake });
      this.transport.send(cmd.address, cell).catch((err: Error) => {
        this.#back(hop, { cmd: 'failed', reason: `next hop unreachable (${err.message})` });
      });
    } else if (cmd.cmd === 'register' && hop.token === null) {
      hop.token = randomBytes(12).toString('base64url');
      this.#tokens.set(hop.token, hop);
      this.#back(hop, { cmd: 'registered', address: this.#publicAddress(hop) });
    } else if (cmd.cmd === 'data' && hop.token !== null) {
      return this.#exit(hop, cmd.peer, cmd.payload, release);
    } else if (cmd.cmd === 'ping') this.#back(hop, { cmd: 'pong', seq: cmd.seq });
    else this.#back(hop, { cmd: 'failed', reason: `unexpected ${cmd.cmd}` });
    return false; // whatever was sent was sealed or copied from the layer already
  }

  /**
   * A frame the builder sends to `peer`: it leaves from this router's address. `payload` is a
   * view of a pooled layer; true when `release` went with the send that now holds it.
   */
  #exit(hop: Hop, peer: string, payload: Uint8Array, release: () => void): boolean {
    this.counters.exitFrames++;
    const p = wire.parseProxyAddress(peer);
    if (p && p.router === this.transport.address) {
      const from = this.#publicAddress(hop);
      this.#routedIn(this.transport.address, { token: p.token, from, payload });
      return false; // sealed before #routedIn returned: nothing holds the layer
    }
    const h = this.#heads(hop, peer);
    // The cached head is lent read-only, as every frame to this peer lends it; `payload` until
    // the transport has written it.
    const routed = h.routed ?? wire.routedHead(p?.token ?? '', this.#publicAddress(hop));
    sendCell(this.transport, h.to, routed, [payload], release).catch(ignore);
    return true;
  }

  /** The cached heads of `hop` for `peer` (see {@link Hop.heads}). */
  #heads(hop: Hop, peer: string) {
    hop.heads ??= new Map();
    let h = hop.heads.get(peer);
    if (!h) {
      if (hop.heads.size >= 256) hop.heads.clear();
      const p = wire.parseProxyAddress(peer);
      const routed = hop.token ? wire.routedHead(p?.token ?? '', this.#publicAddress(hop)) : null;
      h = { to: p?.router ?? peer, routed, data: wire.dataHead(peer) };
      hop.heads.set(peer, h);
    }
    return h;
  }

  /** A frame for a registered builder: down the circuit, with the sender's reply address. */
  #routedIn(from: string, f: wire.RoutedFrame): void {
    const hop = f.token ? this.#tokens.get(f.token) : undefined;
    if (!hop) return; // token '' is for the node layer on this transport; unknown tokens: gone
    this.counters.exitFrames++;
    if (!this.#up.has(key(hop.prev.addr, hop.prev.circId))) return;
    // The `data` command for the builder, sealed from the cached head and the borrowed payload.
    const body = this.#sealBack(hop, [this.#heads(hop, f.from || from).data, f.payload]);
    const head = wire.cellHead('relay-back', hop.prev.circId);
    sendCell(this.transport, hop.prev.addr, head, body).catch(ignore);
  }

  #publicAddress(hop: Hop): string {
    return wire.formatProxyAddress(this.transport.address, hop.token as string);
  }

  /** Adds our layer to a command for the builder and sends it to our predecessor. */
  #back(hop: Hop, cmd: RelayCommand): void {
    if (!this.#up.has(key(hop.prev.addr, hop.prev.circId))) return;
    const body = this.#sealBack(hop, wire.encodeRelayParts(cmd), cmd.cmd === 'forward');
    const head = wire.cellHead('relay-back', hop.prev.circId);
    sendCell(this.transport, hop.prev.addr, head, body).catch(ignore);
  }

  /**
   * Our layer around a command for the builder, padded to the size the builder pads its commands
   * to us (if it does). A `forward` is not padded: its inner layer already has the size the
   * padding aims at, plus the layer we add.
   */
  #sealBack(hop: Hop, command: Uint8Array[], forward = false): Uint8Array[] {
    if (hop.pad === undefined || forward) return hop.session.seal(command);
    return hop.session.seal(wire.paddedParts(command, hop.pad));
  }

  #send(addr: string, type: wire.CellType, circId: number, d: wire.DestroyBody): void {
    const cell = wire.encodeCell({ type, circId, body: wire.encodeDestroy(d) });
    this.transport.send(addr, cell).catch(ignore);
  }

  /** Forgets a hop; `forward` also tells the successor. */
  #drop(hop: Hop, tell: 'forward' | 'none'): void {
    const k = key(hop.prev.addr, hop.prev.circId);
    if (!this.#up.delete(k)) return;
    if (hop.next) {
      this.#down.delete(key(hop.next.addr, hop.next.circId));
      if (tell === 'forward')
        this.#send(hop.next.addr, 'destroy-fwd', hop.next.circId, { depth: 0, reason: 'closed' });
    }
    if (hop.token) this.#tokens.delete(hop.token);
    hop.session.destroy();
    this.route({ type: 'route.close', key: k });
  }
}
