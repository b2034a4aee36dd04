/**
 * The transport contract every wire implements: memory (in-process, with fault injection), tcp
 * (length-prefixed frames over connections) and nats (per-node subjects). It is deliberately a
 * datagram contract — addressed frames, no connections, no acknowledgements — because that is the
 * common ground of all three; sessions, retries and request matching live above it, in the router.
 */

/** Receives one frame. The frame belongs to the handler (a private copy); it must not throw. */
export type FrameHandler = (from: string, frame: Uint8Array) => void;

/** Told that a peer this transport exchanged frames with has gone away. */
export type PeerDownHandler = (peer: string, reason: PeerDownReason) => void;

/** Why a peer went down: it closed its transport, crashed, or the link to it broke. */
export type PeerDownReason = 'closed' | 'crashed' | 'lost';

/** One endpoint of a transport, bound to this node's address on it. */
export interface Transport {
  /** `memory`, `tcp`, `nats`, ... */
  readonly kind: string;
  /**
   * Where peers reach this endpoint, and the `from` they see on its frames: a memory name, a
   * `tcp://host:port` listening address, a NATS subject. Never an ephemeral connection detail.
   */
  readonly address: string;
  /** The largest frame `send` accepts, in bytes. */
  readonly maxFrameBytes: number;
  /**
   * Sends one frame to `to`. Resolves once the medium has accepted the frame (queued, written,
   * published) — not when it is delivered; the caller may reuse `frame` after that. Between two
   * endpoints, with no faults, frames arrive intact, once, in send order.
   *
   * Rejects with a {@link TransportError}: `ERR_TRANSPORT_FRAME_TOO_LARGE` (checked first, nothing
   * is sent), `ERR_TRANSPORT_CLOSED` (this endpoint is closed), `ERR_TRANSPORT_UNREACHABLE` (the
   * medium knows `to` cannot be reached now: unknown, refused, down). A medium that cannot tell
   * (a pub/sub bus) may resolve and drop instead; its harness says so.
   */
  send(to: string, frame: Uint8Array): Promise<void>;
  /** Adds a frame handler; returns its unsubscribe function. */
  onFrame(handler: FrameHandler): () => void;
  /** Adds a peer-down handler, for mediums that can notice; returns its unsubscribe function. */
  onPeerDown?(handler: PeerDownHandler): () => void;
  /** Stops sending and receiving and releases the address. Idempotent. */
  close(): Promise<void>;
}
