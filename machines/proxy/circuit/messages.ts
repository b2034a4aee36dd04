/**
 * Wire schema of the proxy protocol: link cells between neighbouring hops, the relay commands
 * carried (encrypted) inside them, and routed frames between an exit router and ordinary peers.
 *
 * cell         = 0xB0 ‖ type u8 ‖ circId u32 BE ‖ body
 * routed frame = 0xB1 ‖ token (u8 len) ‖ from (u16 len) ‖ payload
 * relay        = cmd u8 ‖ fields (strings u16 length + UTF-8, bytes to the end)
 *
 * circIds are chosen by the side that sent `create` on that link; cells from that side travel
 * `*-fwd`, cells from the other side `*-back`, so the two directions never collide. Decoding never
 * throws anything but {@link ProxyDecodeError}.
 */

/** First byte of a link cell. */
export const CELL_TAG = 0xb0;
/** First byte of a routed frame (exit router ⇄ ordinary peer). */
export const ROUTED_TAG = 0xb1;
/** Longest address or reason string on the wire, in bytes. */
export const MAX_STRING_BYTES = 1024;

const CELL_TYPES = [
  'create',
  'created',
  'relay-fwd',
  'relay-back',
  'destroy-fwd',
  'destroy-back'
] as const;
/** What a link cell does: open a hop, carry a layer, or close the circuit in one direction. */
export type CellType = (typeof CELL_TYPES)[number];

/** One cell on the link between two neighbouring hops. */
export interface Cell {
  type: CellType;
  circId: number;
  body: Uint8Array;
}

/** A relay command, read by exactly one hop after it removed its layer. */
export type RelayCommand =
  | { cmd: 'forward'; inner: Uint8Array } // not for me: pass the rest to the next hop
  | { cmd: 'extend'; address: string; handshake: Uint8Array }
  | { cmd: 'extended'; handshake: Uint8Array }
  | { cmd: 'register' } // act as my proxy router: accept frames for me under a token
  | { cmd: 'registered'; address: string }
  | { cmd: 'data'; peer: string; payload: Uint8Array } // to a peer (fwd), from a peer (back)
  | { cmd: 'ping'; seq: number }
  | { cmd: 'pong'; seq: number }
  | { cmd: 'failed'; reason: string }
  /** Another command (`inner`, encoded) followed by zeros up to a fixed size (padded circuits). */
  | { cmd: 'padded'; inner: Uint8Array };

const RELAY_CMDS = [
  'forward',
  'extend',
  'extended',
  'register',
  'registered',
  'data',
  'ping',
  'pong',
  'failed',
  'padded'
] as const;

/** A frame for (or from) a node behind a proxy router. */
export interface RoutedFrame {
  /** The registration token at the router; '' when the recipient is an ordinary peer. */
  token: string;
  /** The sender's reply address, as the exit router states it. */
  from: string;
  payload: Uint8Array;
}

/** Malformed proxy input; `code` is ERR_PROXY_DECODE_<WHAT>. */
export class ProxyDecodeError extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(`${code}: ${message}`);
    this.name = 'ProxyDecodeError';
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

class Writer {
  readonly parts: Uint8Array[] = [];
  u8(n: number): this {
    this.parts.push(Uint8Array.of(n));
    return this;
  }
  u32(n: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n);
    this.parts.push(b);
    return this;
  }
  str(s: string, lenBytes: 1 | 2 = 2): this {
    const b = enc.encode(s);
    if (b.byteLength > (lenBytes === 1 ? 255 : MAX_STRING_BYTES)) {
      throw new RangeError(`string of ${b.byteLength} B too long for the proxy wire`);
    }
    if (lenBytes === 1) this.u8(b.byteLength);
    else this.parts.push(Uint8Array.of(b.byteLength >> 8, b.byteLength & 0xff));
    this.parts.push(b);
    return this;
  }
  #tail: Uint8Array | null = null;
  /** A byte field; always the last field of a message, so it is kept apart (see `pieces`). */
  bytes(b: Uint8Array): this {
    this.#tail = b;
    return this;
  }
  /**
   * At most two pieces: every small field joined, then the byte field as the caller's view (not
   * copied). Two, not one per field: each piece costs the cipher a call when a layer is sealed.
   */
  pieces(): Uint8Array[] {
    const head = join(this.parts);
    return this.#tail ? [head, this.#tail] : [head];
  }
  done(): Uint8Array {
    return join(this.#tail ? [...this.parts, this.#tail] : this.parts);
  }
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

class Reader {
  at = 0;
  constructor(readonly b: Uint8Array) {}
  need(n: number): void {
    if (this.at + n > this.b.byteLength)
      throw new ProxyDecodeError('ERR_PROXY_DECODE_SHORT', 'truncated');
  }
  u8(): number {
    this.need(1);
    return this.b[this.at++] as number;
  }
  u32(): number {
    this.need(4);
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.at, 4).getUint32(0);
    this.at += 4;
    return v;
  }
  str(lenBytes: 1 | 2 = 2): string {
    const n = lenBytes === 1 ? this.u8() : (this.u8() << 8) | this.u8();
    if (n > MAX_STRING_BYTES) throw new ProxyDecodeError('ERR_PROXY_DECODE_STRING', `${n} B`);
    this.need(n);
    const s = this.b.subarray(this.at, this.at + n);
    this.at += n;
    try {
      return dec.decode(s);
    } catch {
      throw new ProxyDecodeError('ERR_PROXY_DECODE_STRING', 'invalid UTF-8');
    }
  }
  rest(): Uint8Array {
    const r = this.b.subarray(this.at);
    this.at = this.b.byteLength;
    return r;
  }
}

/** Encodes a link cell. */
export function encodeCell(cell: Cell): Uint8Array {
  const w = new Writer().u8(CELL_TAG).u8(CELL_TYPES.indexOf(cell.type)).u32(cell.circId);
  return w.bytes(cell.body).done();
}

/** The 6-byte head of a link cell: followed by the body, it is {@link encodeCell}'s output. */
export function cellHead(type: CellType, circId: number): Uint8Array {
  const b = new Uint8Array(6);
  b[0] = CELL_TAG;
  b[1] = CELL_TYPES.indexOf(type);
  new DataView(b.buffer).setUint32(2, circId);
  return b;
}

/** Decodes a link cell; the body is a view into `frame`. */
export function decodeCell(frame: Uint8Array): Cell {
  const r = new Reader(frame);
  if (r.u8() !== CELL_TAG) throw new ProxyDecodeError('ERR_PROXY_DECODE_TAG', 'not a cell');
  const type = CELL_TYPES[r.u8()];
  if (!type) throw new ProxyDecodeError('ERR_PROXY_DECODE_TYPE', 'unknown cell type');
  const circId = r.u32();
  return { type, circId, body: r.rest() };
}

/** Encodes a relay command (the plaintext of one layer). */
export function encodeRelay(c: RelayCommand): Uint8Array {
  return relayWriter(c).done();
}

/**
 * A relay command as pieces that, joined, are {@link encodeRelay}'s output: the byte fields
 * (`inner`, `payload`, `handshake`) are the caller's own views, not copies, so a layer can be
 * sealed around a large payload without first copying it into one buffer.
 */
export function encodeRelayParts(c: RelayCommand): Uint8Array[] {
  return relayWriter(c).pieces();
}

/**
 * The head of a `data` command to or from `peer`: followed by the payload (in as many pieces as
 * the caller has), it is the command.
 */
export function dataHead(peer: string): Uint8Array {
  return new Writer().u8(RELAY_CMDS.indexOf('data')).str(peer).done();
}

/**
 * Size of the innermost layer's plaintext of a padded circuit, for a command to or from the first
 * hop; one hop further in, 25 B less (the size of a layer), so that every relay cell on a link has
 * the same size whichever hop it is for. Room for the largest data command (a 64,000 B frame and a
 * 1 KiB address) at 17 hops, and under one Noise message.
 */
export const PADDED_SIZE = 65_500;
/** What one layer adds: its 8-byte number, its 16-byte tag and the 1-byte `forward` head. */
export const LAYER_BYTES = 25;
const ZEROS = new Uint8Array(PADDED_SIZE);

/**
 * `command` (in pieces) wrapped in a `padded` command of exactly `size` bytes: the pieces are
 * the caller's views, the zeros a shared read-only buffer (a layer is only sealed from them).
 */
export function paddedParts(command: readonly Uint8Array[], size: number): Uint8Array[] {
  let n = 0;
  for (const p of command) n += p.byteLength;
  const zeros = size - 5 - n;
  if (zeros < 0 || size > PADDED_SIZE) {
    throw new RangeError(`a ${n} B relay command does not fit a ${size} B padded cell`);
  }
  const head = new Uint8Array(5);
  head[0] = RELAY_CMDS.indexOf('padded');
  new DataView(head.buffer).setUint32(1, n);
  return [head, ...command, ZEROS.subarray(0, zeros)];
}

/** The 1-byte head of a `forward` command: followed by the inner layer, it is the command. */
export function forwardHead(): Uint8Array {
  return Uint8Array.of(RELAY_CMDS.indexOf('forward'));
}

function relayWriter(c: RelayCommand): Writer {
  const w = new Writer().u8(RELAY_CMDS.indexOf(c.cmd));
  switch (c.cmd) {
    case 'forward':
      return w.bytes(c.inner);
    case 'extend':
      return w.str(c.address).bytes(c.handshake);
    case 'extended':
      return w.bytes(c.handshake);
    case 'register':
      return w;
    case 'registered':
      return w.str(c.address);
    case 'data':
      return w.str(c.peer).bytes(c.payload);
    case 'ping':
    case 'pong':
      return w.u32(c.seq);
    case 'failed':
      return w.str(c.reason);
    case 'padded':
      return w.u32(c.inner.byteLength).bytes(c.inner);
  }
}

/** Decodes a relay command; byte fields are views into `b`. */
export function decodeRelay(b: Uint8Array): RelayCommand {
  const r = new Reader(b);
  const cmd = RELAY_CMDS[r.u8()];
  switch (cmd) {
    case 'forward':
      return { cmd, inner: r.rest() };
    case 'extend':
      return { cmd, address: r.str(), handshake: r.rest() };
    case 'extended':
      return { cmd, handshake: r.rest() };
    case 'register':
      return { cmd };
    case 'registered':
      return { cmd, address: r.str() };
    case 'data':
      return { cmd, peer: r.str(), payload: r.rest() };
    case 'ping':
    case 'pong':
      return { cmd, seq: r.u32() };
    case 'failed':
      return { cmd, reason: r.str() };
    case 'padded': {
      const n = r.u32();
      r.need(n);
      const inner = r.rest().subarray(0, n);
      if (inner[0] === RELAY_CMDS.indexOf('padded')) {
        throw new ProxyDecodeError('ERR_PROXY_DECODE_COMMAND', 'padding inside padding');
      }
      return { cmd, inner };
    }
    default:
      throw new ProxyDecodeError('ERR_PROXY_DECODE_COMMAND', 'unknown relay command');
  }
}

/** Encodes a routed frame. */
export function encodeRouted(f: RoutedFrame): Uint8Array {
  return new Writer().u8(ROUTED_TAG).str(f.token, 1).str(f.from).bytes(f.payload).done();
}

/** A routed frame's head (tag, token, from) in one buffer: followed by the payload, the frame. */
export function routedHead(token: string, from: string): Uint8Array {
  return new Writer().u8(ROUTED_TAG).str(token, 1).str(from).done();
}

/** Decodes a routed frame; the payload is a view into `frame`. */
export function decodeRouted(frame: Uint8Array): RoutedFrame {
  const r = new Reader(frame);
  if (r.u8() !== ROUTED_TAG) throw new ProxyDecodeError('ERR_PROXY_DECODE_TAG', 'not routed');
  const token = r.str(1);
  return { token, from: r.str(), payload: r.rest() };
}

/** True for frames the proxy layer owns (the node layer never sees them). */
export function isProxyFrame(frame: Uint8Array): boolean {
  return frame[0] === CELL_TAG || frame[0] === ROUTED_TAG;
}

/** `proxy:<router transport address>#<token>`: where peers reach a node behind that router. */
export function formatProxyAddress(router: string, token: string): string {
  return `proxy:${router}#${token}`;
}

/** The router address and token of a proxy address, or null for an ordinary address. */
export function parseProxyAddress(address: string): { router: string; token: string } | null {
  if (!address.startsWith('proxy:')) return null;
  const hash = address.lastIndexOf('#');
  if (hash < 0) return null;
  return { router: address.slice(6, hash), token: address.slice(hash + 1) };
}

/** Body of a destroy cell: how many hops it travelled back, and why. */
export interface DestroyBody {
  depth: number;
  reason: string;
}

/** Encodes a destroy body (depth is capped at 255). */
export function encodeDestroy(d: DestroyBody): Uint8Array {
  return new Writer().u8(Math.min(255, d.depth)).str(d.reason).done();
}

/** Decodes a destroy body. */
export function decodeDestroy(b: Uint8Array): DestroyBody {
  const r = new Reader(b);
  return { depth: r.u8(), reason: r.str() };
}
