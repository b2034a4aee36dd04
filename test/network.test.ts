import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyActorRef } from 'xstate';
import { TestClock } from '../actors/clock.js';
import { startDevnet } from '../actors/node/devnet.js';
import type { Devnet } from '../actors/node/devnet.js';
import type { BitDustNode } from '../actors/node/create-node.js';
import { updateIdentityDocument } from '../actors/identity/document.js';
import {
  choosePattern,
  encodeHandshakeFrame,
  IK_FRESH_MS
} from '../actors/crypto/handshake-actors.js';
import type { Transport } from '../actors/transports/types.js';
import { TAG, prefixed } from '../actors/net/frames.js';
import { peerSystemId } from '../machines/peer/machine.js';
import { advanceUntil, peerState } from './support/sim.js';

/** Whether `needle` occurs anywhere in `hay`. */
const contains = (hay: Uint8Array, needle: Uint8Array) =>
  Buffer.from(hay).includes(Buffer.from(needle));

describe('network: handshakes, sessions, router and DHT on the devnet', () => {
  const clock = new TestClock();
  const frames: { from: string; to: string; frame: Uint8Array }[] = [];
  const warnings: string[] = [];
  let baseDir: string;
  let devnet: Devnet;
  let nodes: BitDustNode[];
  let mallory: Transport;

  before(async () => {
    baseDir = mkdtempSync(join(tmpdir(), 'bitdust-network-'));
    devnet = await startDevnet({
      nodes: 4,
      baseDir,
      clock,
      seed: 11,
      faults: { delay: { minMs: 1, maxMs: 20 } },
      peerTiming: { pingIntervalMs: 1_000, timeoutMs: 300, maxMissed: 2 },
      tap: (from, to, frame) => frames.push({ from, to, frame }),
      logger: { warn: (obj) => warnings.push(JSON.stringify(obj)) }
    });
    nodes = devnet.nodes;
    mallory = devnet.network.transport('mallory');
  });
  after(async () => {
    await mallory.close();
    await devnet.stop();
    rmSync(baseDir, { recursive: true, force: true });
  });

  it('establishes a session between every pair, and publishes identities in the DHT', async () => {
    await advanceUntil(clock, () =>
      nodes.every((n) => nodes.every((m) => m === n || peerState(n, m.id) === 'connected'))
    );
    for (const n of nodes) {
      const channel = n.network()!.channel;
      for (const m of nodes) if (m !== n) assert.equal(channel.get(m.id)?.nodeId, m.id);
      assert.ok(n.networkStats()!.handshakes.established >= 1);
    }
    const [a, , , d] = nodes as [BitDustNode, BitDustNode, BitDustNode, BitDustNode];
    assert.equal(
      a.identity().document.body.contacts.memory?.[0],
      `memory://${a.id}`,
      'the node names its transport in its document'
    );
    // D publishes once it has joined: ask again (a bounded number of times) until it is there.
    let found = false;
    for (let attempt = 0; attempt < 20 && !found; attempt++) {
      let done = false;
      void a
        .network()!
        .dht.get('identities', d.id)
        .then((r) => {
          found = r.records.some((rec) => rec.publisher === d.id);
          done = true;
        });
      await advanceUntil(clock, () => done);
      clock.increment(500);
    }
    assert.ok(found, "D's identity record is in the DHT");
  });

  it('never puts a static public key on the wire in clear', () => {
    const handshakes = frames.filter((f) => f.frame[0] === TAG.handshake);
    assert.ok(handshakes.length >= 3 * 6, `captured ${handshakes.length} handshake frames`);
    for (const n of nodes) {
      const keys = n.identity().keys;
      for (const { frame } of frames) {
        assert.ok(!contains(frame, keys.noise.publicKey), 'a Noise static key in clear');
        assert.ok(!contains(frame, keys.identityPublic), 'an identity key in clear');
      }
    }
  });

  it('carries router requests through the sessions, the sender bound to the handshake', async () => {
    const [a, b] = nodes as [BitDustNode, BitDustNode];
    b.network()!.router.handle('cmd.message', () => ({ type: 'cmd.ack', body: { v: 1 } }));
    let reply: string | undefined;
    void a
      .network()!
      .router.request(b.id, 'cmd.message', { v: 1, payload: Buffer.from('hi') })
      .then((r) => (reply = r.type));
    await advanceUntil(clock, () => reply !== undefined);
    assert.equal(reply, 'cmd.ack');
  });

  it('refuses a replayed first handshake message and a replayed session packet', async () => {
    const [a, b] = nodes as [BitDustNode, BitDustNode];
    const first = frames.find((f) => f.frame[0] === TAG.handshake && f.frame[1] !== undefined);
    assert.ok(first);
    const target = nodes.find((n) => n.id === first.to)!;
    const before = target.networkStats()!.refused.replay;
    await mallory.send(target.id, first.frame);
    await advanceUntil(clock, () => target.networkStats()!.refused.replay === before + 1);

    const packet = frames
      .filter((f) => f.from === a.id && f.to === b.id && f.frame[0] === 2)
      .at(-1);
    assert.ok(packet);
    const replayed = b.networkStats()!.session.replayed;
    await a.network()!.raw.send(b.id, packet.frame);
    await advanceUntil(clock, () => b.networkStats()!.session.replayed === replayed + 1);
  });

  it('refuses an identity document with a bad signature or a lower revision', async () => {
    const [a, b] = nodes as [BitDustNode, BitDustNode];
    const push = async (document: Uint8Array) => {
      let out: { type: string; body: unknown } | undefined;
      void a
        .network()!
        .router.request(b.id, 'cmd.identity', { v: 1, document })
        .then((r) => (out = r));
      await advanceUntil(clock, () => out !== undefined);
      return out!;
    };
    const me = a.identity();
    const next = updateIdentityDocument(me.keys, me.document, { name: 'renamed' }, clock.now());
    assert.equal((await push(next.bytes)).type, 'cmd.ack');
    const forged = Buffer.from(next.bytes);
    forged[forged.length - 1]! ^= 1;
    const bad = await push(forged);
    assert.equal((bad.body as { code: string }).code, 'ERR_IDENTITY_SIGNATURE');
    const older = await push(me.document.bytes);
    assert.equal((older.body as { code: string }).code, 'ERR_IDENTITY_REVISION');
    const refused = b.networkStats()!.documents.refused;
    assert.equal(refused.ERR_IDENTITY_SIGNATURE, 1);
    assert.equal(refused.ERR_IDENTITY_REVISION, 1);
  });

  it('refuses malformed and oversized frames, a wrong protocol and a flood, and stays up', async () => {
    const [a, b] = nodes as [BitDustNode, BitDustNode];
    const step0 = (pattern: string, i: number) =>
      prefixed(
        TAG.handshake,
        encodeHandshakeFrame({
          v: 1,
          type: 'handshake',
          hid: `flood-${i.toString().padStart(4, '0')}`,
          pattern: pattern as 'XX',
          step: 0,
          noise: Buffer.alloc(32, i + 1)
        })
      );
    await mallory.send(b.id, Uint8Array.of(7, 1, 2, 3));
    await mallory.send(b.id, prefixed(TAG.handshake, Buffer.alloc(70_000)));
    await mallory.send(b.id, prefixed(TAG.handshake, Buffer.from('not msgpack at all')));
    await mallory.send(b.id, step0('NN', 0));
    for (let i = 1; i <= 40; i++) await mallory.send(b.id, step0('XX', i));
    await advanceUntil(clock, () => b.networkStats()!.refused['rate-limited'] >= 30, 5, 200);
    const s = b.networkStats()!;
    assert.equal(s.refused.malformed, 2, 'unknown tag, not msgpack');
    assert.equal(s.refused.oversized, 1);
    assert.equal(s.refused.protocol, 1);
    assert.ok(s.refused['rate-limited'] >= 30, `rate-limited ${s.refused['rate-limited']}`);
    for (const reason of ['malformed', 'oversized', 'protocol', 'rate-limited']) {
      assert.ok(
        warnings.some((w) => w.includes(`"reason":"${reason}"`)),
        `logged ${reason}`
      );
    }
    assert.ok(b.services().every((x) => x.status === 'up'));
    await advanceUntil(clock, () => peerState(b, a.id) === 'connected');
  });

  it('reaches a peer whose key was confirmed minutes ago with IK', async () => {
    const [a, b] = nodes as [BitDustNode, BitDustNode];
    const ik = a.networkStats()!.handshakes.byPattern.IK ?? 0;
    const ref = a.root.system.get(peerSystemId(b.id)) as AnyActorRef;
    ref.send({ type: 'peer.unreachable' });
    await advanceUntil(clock, () => (a.networkStats()!.handshakes.byPattern.IK ?? 0) > ik);
    await advanceUntil(clock, () => peerState(a, b.id) === 'connected');
  });

  it("reconnects after a crash with the peer's key known from its document", async () => {
    const [a, , c] = nodes as [BitDustNode, BitDustNode, BitDustNode];
    const known = () =>
      nodes.reduce((sum, n) => {
        const p = n.networkStats()!.handshakes.byPattern;
        return sum + (p.XK ?? 0) + (p.IK ?? 0);
      }, 0);
    const before = known();
    devnet.network.crash(c.id);
    await advanceUntil(clock, () => peerState(a, c.id) === 'offline');
    devnet.network.restart(c.id);
    await advanceUntil(clock, () => peerState(a, c.id) === 'connected');
    assert.ok(known() > before, 'a known peer is reached with IK or XK');
  });

  it('after a handshake failed (a partition), learns the key again with XX', async () => {
    const [a, , c] = nodes as [BitDustNode, BitDustNode, BitDustNode];
    const failed = a.networkStats()!.handshakes.failed;
    const xx = a.networkStats()!.handshakes.byPattern.XX ?? 0;
    devnet.network.partition([a.id], [c.id]);
    await advanceUntil(clock, () => a.networkStats()!.handshakes.failed > failed);
    devnet.network.heal();
    await advanceUntil(clock, () => (a.networkStats()!.handshakes.byPattern.XX ?? 0) > xx);
    await advanceUntil(clock, () => peerState(a, c.id) === 'connected');
  });

  it('picks XX without a key or after a failure, IK for a fresh key, XK for an older one', () => {
    const key = new Uint8Array(32);
    assert.equal(choosePattern(null), 'XX');
    assert.equal(choosePattern(key, { confirmedAt: 0, now: IK_FRESH_MS, lastFailed: true }), 'XX');
    assert.equal(choosePattern(key, { confirmedAt: 0, now: IK_FRESH_MS }), 'IK');
    assert.equal(choosePattern(key, { confirmedAt: 0, now: IK_FRESH_MS + 1 }), 'XK');
    assert.equal(choosePattern(key), 'XK');
  });
});
