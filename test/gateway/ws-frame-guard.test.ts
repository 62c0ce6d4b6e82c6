import { FrameSizeGuard } from '../../infra/local/gateway/ws-frame-guard';

/** A client frame header (masked, as clients must send) followed by `payload` zero bytes. */
function frame(opcode: number, payload: number, fin = true): Buffer {
  const len = payload <= 125 ? [payload] : payload <= 0xffff ? [126] : [127];
  const ext =
    payload <= 125
      ? Buffer.alloc(0)
      : payload <= 0xffff
        ? Buffer.from([payload >> 8, payload & 0xff])
        : (() => {
            const b = Buffer.alloc(8);
            b.writeUInt32BE(Math.floor(payload / 2 ** 32), 0);
            b.writeUInt32BE(payload % 2 ** 32, 4);
            return b;
          })();
  return Buffer.concat([
    Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | len[0]!]),
    ext,
    Buffer.from([1, 2, 3, 4]),
    Buffer.alloc(payload),
  ]);
}

function feed(chunks: Buffer[], limit = 32 * 1024): number[] {
  const seen: number[] = [];
  const guard = new FrameSizeGuard(limit, (n) => seen.push(n));
  for (const c of chunks) guard.push(c);
  return seen;
}

/** Splits bytes into pieces of `size`, as a socket may deliver them. */
const pieces = (b: Buffer, size: number): Buffer[] =>
  Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));

describe('FrameSizeGuard', () => {
  test('frames within the limit pass, whatever the chunking', () => {
    const stream = Buffer.concat([frame(1, 100, false), frame(0, 32 * 1024, false), frame(0, 5)]);
    for (const size of [1, 7, 1000, stream.length]) expect(feed(pieces(stream, size))).toEqual([]);
  });

  test.each([
    ['a text frame (16-bit length)', frame(1, 32 * 1024 + 1)],
    ['a text frame (64-bit length)', frame(1, 70000)],
    ['a continuation frame after a small one', Buffer.concat([frame(1, 10, false), frame(0, 40000)])],
    ['a binary frame', frame(2, 40000)],
  ])('%s over the limit is reported once, with its size, even fed a byte at a time', (_what, bytes) => {
    expect(feed(pieces(bytes, 1))).toHaveLength(1);
    expect(feed([bytes, bytes])).toHaveLength(1);
  });

  test('the size reported is the payload of the offending frame', () => {
    expect(feed([Buffer.concat([frame(9, 4), frame(1, 50000)])])).toEqual([50000]);
  });

  test('control frames interleaved with fragments are skipped, not counted', () => {
    const stream = Buffer.concat([frame(1, 30000, false), frame(9, 125), frame(0, 30000)]);
    expect(feed(pieces(stream, 333))).toEqual([]);
  });
});
