/**
 * Transport benchmark, one run, figures as ratios within it:
 * - encrypted MB/s over the tcp transport against a raw TCP socket pair moving frames of the
 *   same wire size (target ≥ 0.7×). Encrypted is a node's own path: the sender's SecureChannel
 *   seals each router payload with its Noise Session and hands it to the transport; the
 *   receiver's transport feeds the node's inbound handler, which opens it through its
 *   SecureChannel and delivers the payload;
 * - the same over the nats transport against raw nats.js publishes of the same size (≥ 0.6×);
 * - Noise XX handshakes per second, both parties in one thread.
 * The receiving node runs in a worker thread (its own event loop, like a second node on the second
 * core), for the raw and the encrypted runs alike. MB/s counts plaintext payload (10^6 B); a raw
 * frame of the same wire size counts the same payload, so each ratio is frames per second.
 * Run: node --import tsx --expose-gc bench/transport.ts
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { connect as natsConnect } from 'nats';
import { HandshakeState } from '../actors/crypto/handshake-state.js';
import { generateKeyPair, TAGLEN } from '../actors/crypto/primitives.js';
import { HEADER_BYTES, Session } from '../actors/crypto/session.js';
import { realClock } from '../actors/clock.js';
import { CHANNEL } from '../actors/net/frames.js';
import { HandshakeGuard } from '../actors/net/handshake-guard.js';
import { createInbound } from '../actors/net/inbound.js';
import { createNetCounters } from '../actors/net/net-stats.js';
import { SecureChannel } from '../actors/net/secure-channel.js';
import { createNatsTransport } from '../actors/transports/nats.js';
import { overhead } from '../actors/transports/nats-wire.js';
import { createTcpTransport } from '../actors/transports/tcp.js';
import type { Transport } from '../actors/transports/types.js';
import { createCodec } from '../actors/wire/index.js';
import { peerMessages } from '../machines/peer/messages.js';
import { natsServerMissing, startNatsServer } from '../test/support/nats-server.js';
import { table, writeSection } from './report.js';

const PAYLOAD = 64_000; // router payload per frame; one Noise message holds at most 65519 B
/** What the transport carries: tag byte ‖ number ‖ sealed(channel byte ‖ payload) ‖ AEAD tag. */
const FRAME = 1 + HEADER_BYTES + 1 + PAYLOAD + TAGLEN;
const FRAMES = 1024; // per sample: ~65 MB
const CHANNEL_BYTE = Uint8Array.of(CHANNEL.router);
const SAMPLES = 5;
const LIMIT_MS = 60_000;
const FLUSH_EVERY = 4 << 20; // raw NATS flushes as often as the transport does by default
const SERIES = ['tcp raw', 'tcp encrypted', 'nats raw', 'nats encrypted'] as const;
type SeriesName = (typeof SERIES)[number];
/** A receiving session's keys, as the worker rebuilds it. */
type Keys = { send: Uint8Array; recv: Uint8Array; hash: Uint8Array };
/** CPU ms per MB of payload spent by each thread of a series. */
type Cost = { sender: number; receiver: number };

const now = (): number => performance.now();
/** This thread's CPU time in ms (Linux schedstat; NaN elsewhere), for BENCH_ONLY runs. */
function cpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] as number;

/** One XX handshake in-process; returns the initiator's session and the responder's keys. */
function handshake(keys = { i: generateKeyPair(), r: generateKeyPair() }): [Session, Keys] {
  const protocolName = 'Noise_XX_25519_ChaChaPoly_BLAKE2b';
  const prologue = Buffer.from('bitdust bench');
  const init = new HandshakeState({
    protocolName,
    initiator: true,
    prologue,
    staticKeyPair: keys.i
  });
  const resp = new HandshakeState({
    protocolName,
    initiator: false,
    prologue,
    staticKeyPair: keys.r
  });
  for (let i = 0; !init.complete || !resp.complete; i++) {
    const [from, to] = i % 2 === 0 ? [init, resp] : [resp, init];
    to.readMessage(from.writeMessage(new Uint8Array(0)));
  }
  const r = resp.result;
  const theirs = {
    send: Buffer.from(r.c2.key),
    recv: Buffer.from(r.c1.key),
    hash: r.handshakeHash
  };
  return [Session.fromHandshake(init.result, true), theirs];
}

/** Handshakes per second (both parties' work) over about `ms`; ephemerals are fresh each time. */
function handshakesPerSecond(ms: number): number {
  const keys = { i: generateKeyPair(), r: generateKeyPair() };
  const t0 = now();
  let n = 0;
  for (; now() - t0 < ms; n++) handshake(keys)[0].destroy();
  return n / ((now() - t0) / 1000);
}

/**
 * The crypto ceiling: MB/s of sealing and of opening 64,000-byte messages on one core. An
 * encrypted stream can go no faster than the slower of the two, whatever the transport.
 */
function cryptoRates(): { seal: number; open: number } {
  const [sender, keys] = handshake();
  const opener = new Session(keys.send, keys.recv, keys.hash, null);
  const plain = new Uint8Array(PAYLOAD).fill(7);
  // CPU time where the kernel offers it, so load from other processes does not lower the figure.
  const clock = Number.isNaN(cpuMs()) ? now : cpuMs;
  let [sealMs, openMs] = [0, 0];
  for (let round = 0; round < 8; round++) {
    let t0 = clock();
    // As a SecureChannel does: sealed in pieces (the channel byte, the payload) with headroom.
    const frames = Array.from({ length: 128 }, () => sender.seal([CHANNEL_BYTE, plain], 1));
    sealMs += clock() - t0;
    const joined = frames.map((parts) => Buffer.concat(parts).subarray(1));
    t0 = clock();
    for (const f of joined) opener.receive(f);
    openMs += clock() - t0;
  }
  const mb = (8 * 128 * PAYLOAD) / 1e6;
  return { seal: mb / (sealMs / 1000), open: mb / (openMs / 1000) };
}

/**
 * A receiving node's session layer on `raw`: the node's own inbound handler and SecureChannel,
 * holding one session with whichever address sends first (the bench's sender), and `count` for
 * every router payload they deliver.
 */
function node(raw: Transport, k: Keys, count: (bytes: number) => void): void {
  const channel = new SecureChannel({ raw, connect: () => undefined, clock: realClock });
  const inbound = createInbound({
    ownAddress: raw.address,
    channel,
    guard: new HandshakeGuard({ clock: realClock }),
    liveness: createCodec({ messages: peerMessages, maxFrameBytes: 4096 }),
    counters: createNetCounters(),
    peer: () => undefined,
    startResponder: () => false,
    log: (reason) => console.error(`receiver refused a frame: ${reason}`)
  });
  raw.onFrame(
    (from, frame) => {
      if (!channel.get(from)) {
        const session = new Session(k.send, k.recv, k.hash, null);
        channel.install(from, { nodeId: 'bench-sender', session, hid: 'bench' });
      }
      inbound(from, frame);
    },
    { borrow: true }
  ); // as the node's network service adds it
  channel.transport.onFrame((_from, payload) => count(payload.byteLength));
}

/** The sending node's session layer on `raw`, with one session to `to`. */
function sender(raw: Transport, to: string, session: Session): SecureChannel {
  const channel = new SecureChannel({ raw, connect: () => undefined, clock: realClock });
  channel.install(to, { nodeId: 'bench-receiver', session, hid: 'bench' });
  return channel;
}

/** The receiving node: listens on every medium, counts payload per series, reports when full. */
async function receiver(data: { natsUrl: string | null; tcp: Keys; nats: Keys }): Promise<void> {
  const port = parentPort as NonNullable<typeof parentPort>;
  const want = FRAMES * PAYLOAD;
  let armed: SeriesName | null = null;
  let cpu0 = cpuMs();
  let got = 0;
  const count = (series: SeriesName, bytes: number): void => {
    if (armed !== series) return;
    got += bytes;
    if (got < want) return;
    armed = null;
    port.postMessage({ done: series, busy: cpuMs() - cpu0 });
  };
  const tcp = await createTcpTransport({ host: '127.0.0.1' });
  node(tcp, data.tcp, (bytes) => count('tcp encrypted', bytes));
  // A raw frame (the transport's 4-byte length ‖ kind ‖ FRAME) counts PAYLOAD once it is all in.
  const raw = createServer((s) => {
    let partial = 0;
    s.on('data', (c: Buffer) => {
      partial += c.byteLength;
      const whole = Math.floor(partial / (5 + FRAME));
      partial -= whole * (5 + FRAME);
      if (whole > 0) count('tcp raw', whole * PAYLOAD);
    });
  });
  raw.listen(0, '127.0.0.1');
  await once(raw, 'listening');
  if (data.natsUrl) {
    const t = await createNatsTransport({ servers: data.natsUrl, address: 'bench-b' });
    node(t, data.nats, (bytes) => count('nats encrypted', bytes));
    const nats = await natsConnect({ servers: data.natsUrl });
    nats.subscribe('bench.raw', { callback: () => count('nats raw', PAYLOAD) });
    await nats.flush();
  }
  port.on('message', (m: { arm: SeriesName }) => {
    armed = m.arm;
    cpu0 = cpuMs();
    got = 0;
    port.postMessage({ armed: m.arm });
  });
  port.postMessage({ tcp: tcp.address, raw: (raw.address() as { port: number }).port });
}

/** Waits for the worker message that has `key` === `value` (bounded). */
function reply(worker: Worker, key: string, value?: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${key} from the receiver`)), LIMIT_MS);
    const on = (m: Record<string, unknown>): void => {
      if (!(key in m) || (value !== undefined && m[key] !== value)) return;
      clearTimeout(timer);
      worker.off('message', on);
      resolve(m);
    };
    worker.on('message', on);
  });
}

async function main(): Promise<void> {
  // BENCH_ONLY='tcp encrypted,tcp raw' runs just those series (for profiling one path).
  const only = process.env.BENCH_ONLY?.split(',');
  const hs = only ? NaN : handshakesPerSecond(2000);
  const crypto = only ? { seal: NaN, open: NaN } : cryptoRates();
  console.log(
    `handshakes/s: ${hs.toFixed(0)}; seal ${crypto.seal.toFixed(0)} MB/s, open ${crypto.open.toFixed(0)} MB/s`
  );
  const missing = natsServerMissing();
  const server = missing ? null : await startNatsServer();
  const [tcpSession, tcpKeys] = handshake();
  const [natsSession, natsKeys] = handshake();
  // Node 20 does not apply `--import tsx` to a worker's own .ts entry, so a tiny JS entry
  // registers tsx and then loads this file.
  const entry = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(entry, {
    eval: true,
    workerData: { natsUrl: server?.url ?? null, tcp: tcpKeys, nats: natsKeys }
  });
  worker.on('error', (err) => {
    console.error('receiver failed:', err);
    process.exit(1);
  });
  const where = await reply(worker, 'tcp');
  const tcp = await createTcpTransport({ host: '127.0.0.1' });
  const rawTcp: Socket = connect({ host: '127.0.0.1', port: where.raw as number });
  await once(rawTcp, 'connect');
  rawTcp.setNoDelay(true);
  const rawFrame = Buffer.alloc(5 + FRAME, 7); // the tcp transport's length ‖ kind ‖ frame
  rawFrame.writeUInt32BE(1 + FRAME, 0);
  const plain = new Uint8Array(PAYLOAD).fill(7);
  const nats = server && (await createNatsTransport({ servers: server.url, address: 'bench-a' }));
  const natsRaw = server && (await natsConnect({ servers: server.url }));
  // The nats transport's message: its sender prefix ‖ frame.
  const natsFrame = new Uint8Array(overhead('bench-a', false) + FRAME).fill(7);
  const tcpChannel = sender(tcp, where.tcp as string, tcpSession);
  const natsChannel = nats && sender(nats, 'bench-b', natsSession);
  const ROUTER = CHANNEL.router;

  const senders: Record<SeriesName, (() => Promise<void>) | null> = {
    'tcp raw': async () => {
      for (let i = 0; i < FRAMES; i++) if (!rawTcp.write(rawFrame)) await once(rawTcp, 'drain');
    },
    'tcp encrypted': async () => {
      for (let i = 0; i < FRAMES; i++) await tcpChannel.write(where.tcp as string, ROUTER, plain);
    },
    'nats raw':
      natsRaw &&
      (async () => {
        for (let i = 0, unflushed = 0; i < FRAMES; i++) {
          natsRaw.publish('bench.raw', natsFrame);
          unflushed += FRAME; // counted as the transport counts: frame bytes
          if (unflushed < FLUSH_EVERY) continue;
          unflushed = 0;
          await natsRaw.flush();
        }
      }),
    'nats encrypted':
      natsChannel &&
      (async () => {
        for (let i = 0; i < FRAMES; i++) await natsChannel.write('bench-b', ROUTER, plain);
      })
  };
  const rates = new Map<SeriesName, number[]>(SERIES.map((s) => [s, []]));
  const costs = new Map<SeriesName, Cost[]>(SERIES.map((s) => [s, []]));
  // Round-robin samples after one warm-up round, so load from other processes hits all alike.
  for (let round = -1; round < SAMPLES; round++) {
    for (const name of SERIES) {
      const send = senders[name];
      if (!send || (only && !only.includes(name))) continue;
      (globalThis as { gc?: () => void }).gc?.();
      worker.postMessage({ arm: name });
      await reply(worker, 'armed', name);
      const done = reply(worker, 'done', name);
      const [t0, cpu0] = [now(), cpuMs()];
      await send();
      const { busy } = await done;
      const rate = (FRAMES * PAYLOAD) / ((now() - t0) / 1000) / 1e6;
      // CPU ms per MB of each thread (kernel work on its behalf included), whatever else runs.
      const mb = (FRAMES * PAYLOAD) / 1e6;
      const cost: Cost = { sender: (cpuMs() - cpu0) / mb, receiver: (busy as number) / mb };
      if (only) {
        const [s, r] = [cost.sender.toFixed(2), cost.receiver.toFixed(2)];
        console.log(`${name}: ${rate.toFixed(0)} MB/s; CPU ms/MB: sender ${s}, receiver ${r}`);
      }
      if (round < 0) continue;
      rates.get(name)?.push(rate);
      costs.get(name)?.push(cost);
    }
  }
  await worker.terminate(); // the receiver's sockets and connections go with its thread
  rawTcp.destroy();
  await Promise.all([tcp.close(), nats?.close(), natsRaw?.close()]);
  await server?.stop();

  /** Median CPU ms/MB of each thread, and of the busier one: a series' rate with idle cores. */
  const cpu = (name: SeriesName) => {
    const c = costs.get(name) ?? [];
    const [s, r] = [median(c.map((x) => x.sender)), median(c.map((x) => x.receiver))];
    return { s, r, bound: Math.max(s, r), text: `${s.toFixed(2)} / ${r.toFixed(2)}` };
  };
  const rows = (['tcp', 'nats'] as const).map((medium) => {
    const target = medium === 'tcp' ? 0.7 : 0.6;
    const [enc, raw] = [rates.get(`${medium} encrypted`), rates.get(`${medium} raw`)];
    if (!enc?.length || !raw?.length) {
      return [medium, '—', '—', '—', `≥ ${target}×`, 'not run', '—', '—', '—'];
    }
    const ratio = median(enc) / median(raw);
    const verdict = ratio >= target ? 'met' : 'missed';
    const [e, r] = [cpu(`${medium} encrypted`), cpu(`${medium} raw`)];
    return [
      medium,
      median(enc).toFixed(0),
      median(raw).toFixed(0),
      `${ratio.toFixed(2)}×`,
      `≥ ${target}×`,
      verdict,
      e.text,
      r.text,
      Number.isNaN(e.bound) ? '—' : `${(r.bound / e.bound).toFixed(2)}×`
    ];
  });
  const body = [
    '## Transport',
    '',
    '`node --import tsx --expose-gc bench/transport.ts`. Encrypted is the node path: 64,000-byte',
    "router payloads sealed by the sender's SecureChannel (Noise session, ChaChaPoly; 64,026-byte",
    "frames), sent over the transport, opened by the receiver's inbound handler and SecureChannel.",
    'Raw: frames of the same wire size over a bare TCP socket pair, or bare nats.js publishes',
    '(flushed every 4 MiB, as the transport does). The receiver is a worker thread; MB/s of payload',
    `(10^6 B), medians of ${SAMPLES} samples of ${FRAMES} frames, taken round-robin.`,
    '',
    "CPU ms/MB is each thread's own CPU time (sender / receiver, from /proc/thread-self/schedstat,",
    'kernel work on its behalf included) per MB of payload; it does not depend on what else runs.',
    'The CPU-bound ratio compares the busier thread of each series: the ratio the two would reach',
    'with each thread on an idle core of its own (for nats, the server needs a third).',
    '',
    table(
      [
        'medium',
        'encrypted MB/s',
        'raw MB/s',
        'ratio',
        'target',
        'verdict',
        'encrypted CPU ms/MB',
        'raw CPU ms/MB',
        'CPU-bound ratio'
      ],
      rows
    ),
    '',
    table(
      ['crypto on one core (the ceiling for any encrypted stream)', 'MB per CPU-second'],
      [
        [
          'Session.seal of 64,000-byte payloads (in pieces, as SecureChannel)',
          crypto.seal.toFixed(0)
        ],
        ['Session.receive (open) of the same', crypto.open.toFixed(0)]
      ]
    ),
    '',
    table(
      ['handshake', 'per second'],
      [['Noise XX 25519/ChaChaPoly/BLAKE2b, both parties in one thread', hs.toFixed(0)]]
    )
  ].join('\n');
  console.log(body);
  if (missing) console.log(`nats not run: ${missing}`);
  if (!only) writeSection('transport', body);
}

if (isMainThread) {
  await main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else await receiver(workerData as Parameters<typeof receiver>[0]);
