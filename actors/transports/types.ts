/**
 * The transport contract every wire implements: memory (in-process, with fault injection), tcp
 * (length-prefixed frames over connections) and nats (per-node subjects). It is deliberately a
 * datagram contract — addressed frames, no connections, no acknowledgements — because that is the
 * common ground of all three; sessions, retries and request matching live above it, in the router.
 */

/**
 * Receives one frame; it must not throw. The frame belongs to the handler (a private copy),
 * unless the handler was added with `borrow` (see {@link FrameHandlerOptions}).
 */
export type FrameHandler = (from: string, frame: Uint8Array) => void;

/** How a handler holds the frames it is given. */
export interface FrameHandlerOptions {
  /**
   * The handler only borrows each frame: it reads it during the call and copies whatever it keeps
   * (and never writes to it). A medium may then hand it a view of a buffer that the next frame
   * overwrites, instead of a private copy (tcp does). Default false: the handler owns its frame.
   */
  borrow?: boolean;
}

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
  /**
   * Optional: `send` of the frame that `parts` make when joined, without joining them first. The
   * parts are lent read-only: the medium may keep them until they are written (tcp writes them
   * with one writev instead of copying) but never writes them, and never hands one to a receiver
   * as its own frame (memory joins them into the one copy it delivers). The caller must not
   * write them after the call; it may send them again. Same limits, errors and ordering as
   * `send`, with which it may be interleaved.
   *
   * `released`, if given, is called once the medium holds no reference to any part any more
   * (written to the kernel, copied, or dropped by an error), so the caller may write them again:
   * how a caller recycles its buffers. It is called at most once, possibly before this returns,
   * and possibly after the promise settles (the promise resolves once the frame is queued). A
   * medium that does not support it never calls it; the caller must then never reuse the parts.
   */
  sendParts?(to: string, parts: readonly Uint8Array[], released?: () => void): Promise<void>;
  /**
   * Optional: `send` of a frame the caller gives up: it never reads or writes `frame` again, so
   * the medium may deliver this very buffer as a receiver's own frame (memory does: the frame
   * crosses without a copy). Same limits, errors and ordering as `send`.
   */
  sendOwned?(to: string, frame: Uint8Array): Promise<void>;
  /** Adds a frame handler; returns its unsubscribe function. */
  onFrame(handler: FrameHandler, options?: FrameHandlerOptions): () => void;
  /** Adds a peer-down handler, for mediums that can notice; returns its unsubscribe function. */
  onPeerDown?(handler: PeerDownHandler): () => void;
  /** Stops sending and receiving and releases the address. Idempotent. */
  close(): Promise<void>;
}
