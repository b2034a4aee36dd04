import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeFrame, FrameDecoder, FrameKind, frameHeader } from './tcp-framing.js';

const CAP = 300_000;
/** Bodies around the sizes that matter: tiny, one socket read, above the shared scratch buffer. */
const body = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.integer({ min: 60_000, max: 70_000 }).map((n) => new Uint8Array(n).fill(n % 251)),
  fc.integer({ min: 130_000, max: 140_000 }).map((n) => new Uint8Array(n).fill(n % 241))
);

/** Cuts `stream` into chunks at the given points, as a socket might deliver it. */
function chunks(stream: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (stream.byteLength + 1)))].sort((a, b) => a - b);
  return [0, ...at].map((from, i) => stream.subarray(from, [...at, stream.byteLength][i]));
}

test('every frame comes out whole and exact, however the stream is cut', () => {
  fc.assert(
    fc.property(
      fc.array(body, { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (bodies, cuts) => {
        const stream = Buffer.concat(bodies.map((b) => encodeFrame(FrameKind.data, b)));
        const decoder = new FrameDecoder(CAP + 1);
        const got: Uint8Array[] = [];
        for (const c of chunks(stream, cuts)) {
          // A borrowing consumer: it copies what it keeps, as the contract asks.
          const fault = decoder.push(c, (kind, b) => {
            assert.equal(kind, FrameKind.data);
            got.push(Uint8Array.from(b));
          });
          assert.equal(fault, null);
        }
        // Exact lengths and bytes: nothing of an earlier, longer frame in the reused buffer shows.
        assert.deepEqual(
          got,
          bodies.map((b) => Uint8Array.from(b))
        );
        assert.equal(decoder.buffered, 0);
      }
    ),
    { numRuns: 60 }
  );
});

test('a borrowed view is reused by the next frame, so a keeper must copy', () => {
  const big = new Uint8Array(65_000).fill(1);
  const next = new Uint8Array(65_000).fill(2);
  const stream = Buffer.concat([
    encodeFrame(FrameKind.data, big),
    encodeFrame(FrameKind.data, next)
  ]);
  const decoder = new FrameDecoder(CAP + 1);
  const views: Uint8Array[] = [];
  const copies: Uint8Array[] = [];
  // Cut mid-frame both times, so both frames are joined in the shared scratch buffer.
  for (const c of chunks(stream, [30_000, 95_000])) {
    decoder.push(c, (_k, b) => {
      views.push(b);
      copies.push(Uint8Array.from(b));
    });
  }
  assert.deepEqual(copies, [big, next]);
  assert.equal(views[0]![0], 2, 'the first view now shows the second frame: it was borrowed');
});

test('the length is checked before anything is buffered for the frame; a bad kind ends it', () => {
  const decoder = new FrameDecoder(100);
  const huge = frameHeader(FrameKind.data, [new Uint8Array(101)]).header;
  assert.equal(
    decoder.push(huge, () => assert.fail('no frame')),
    'bad-length'
  );
  const bad = encodeFrame(FrameKind.data, Uint8Array.of(1, 2));
  bad[4] = 99;
  assert.equal(
    new FrameDecoder(100).push(bad, () => assert.fail('no frame')),
    'bad-kind'
  );
});

test('a consumer that closes the stream stops the frames after it', () => {
  const stream = Buffer.concat([1, 2, 3].map((n) => encodeFrame(FrameKind.data, Uint8Array.of(n))));
  const got: number[] = [];
  let open = true;
  new FrameDecoder(100).push(
    stream,
    (_k, b) => {
      got.push(b[0] as number);
      open = b[0] !== 2;
    },
    () => open
  );
  assert.deepEqual(got, [1, 2]);
});
