/**
 * Watches the frames a client sends (RFC 6455 §5.2 headers, read from the raw socket beside `ws`) and reports
 * the first data frame whose payload is over `maxFrameBytes`. API Gateway closes the socket with 1009 on such a
 * frame even when the message it belongs to is within the 128 KB message quota; `ws` itself only sees whole
 * messages (its `maxPayload` counts all fragments together), so the frame limit is checked here.
 *
 * It only reads headers and skips payloads, so it costs a few bytes of state per connection. Malformed input is
 * left to `ws`, which closes the socket on it; the guard only ever reports an oversized frame, once.
 */
export class FrameSizeGuard {
  /** Header bytes of the frame being read (2 to 14). */
  private header = Buffer.alloc(14);
  private headerLength = 0;
  /** Payload bytes of the current frame still to skip. */
  private skip = 0;
  private tripped = false;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onOversized: (payloadBytes: number) => void,
  ) {}

  /** Feeds bytes read from the client, in order. */
  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !this.tripped) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      this.header[this.headerLength++] = chunk[at++]!;
      const needed = this.headerBytesNeeded();
      if (needed === undefined || this.headerLength < needed) continue;
      this.frameHeaderRead();
    }
  }

  /** The full header length once the first two bytes are in, else undefined. */
  private headerBytesNeeded(): number | undefined {
    if (this.headerLength < 2) return undefined;
    const len7 = this.header[1]! & 0x7f;
    const masked = (this.header[1]! & 0x80) !== 0;
    return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
  }

  private frameHeaderRead(): void {
    const opcode = this.header[0]! & 0x0f;
    const len7 = this.header[1]! & 0x7f;
    const payload =
      len7 === 126
        ? this.header.readUInt16BE(2)
        : len7 === 127
          ? this.header.readUInt32BE(2) * 2 ** 32 + this.header.readUInt32BE(6)
          : len7;
    this.headerLength = 0;
    this.skip = payload;
    // Control frames (opcode 8 and up) are at most 125 bytes by the RFC; ws refuses larger ones itself.
    if (opcode < 0x08 && payload > this.maxFrameBytes) {
      this.tripped = true;
      this.onOversized(payload);
    }
  }
}
