import {
  ApiGatewayManagementApiClient,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ImChannel, ImEvent, PushResult } from '../core/ports';
import { toServerFrame, type ServerFrame } from './ws-frames';

/**
 * The largest frame API Gateway carries: its WebSocket frame quota is 32 KB (a larger frame closes the socket with
 * 1009), and AWS says the quota applies to @connections commands too. Every frame the server pushes is kept
 * within it by {@link encodeFrame}.
 */
export const MAX_FRAME_BYTES = 32 * 1024;

/** What a string field cut to fit ends with. */
const CUT_MARK = '…';

/**
 * The fields a frame may be cut in: free text only. An id, a cursor (`next`, `nextCursor`), an imNumber or a
 * phone cut short would be a wrong value, not a shorter one, so a frame over the limit in nothing but those is
 * refused (an `internal` error) rather than sent with a broken cursor. Lists (`contacts`, `messages`) are never
 * cut here: the core pages them by size (shared/core/frame-budget.ts).
 */
const FREE_TEXT_FIELDS = new Set(['text', 'reason', 'message', 'fromName', 'name', 'mood', 'avatarUrl']);

/**
 * A frame as the UTF-8 JSON pushed to a client, at most {@link MAX_FRAME_BYTES} bytes. Frames built from valid
 * input are far below it (a `message` with 4,000 code points of text, each escaped to 6 bytes as control
 * characters and lone surrogates are, is about 24.3 KB), so they are sent as they are. A frame over it can only
 * carry a string from outside that no schema bounded (an inbound SMS body, a provider's error code): its
 * longest free-text fields are cut, by whole code points, ending with '…', until it fits.
 * @throws Error when the frame cannot be made to fit by cutting free text (ids, cursors and lists are not cut).
 */
export function encodeFrame(frame: ServerFrame): Uint8Array {
  const encoder = new TextEncoder();
  let bytes = encoder.encode(JSON.stringify(frame));
  const fields: Record<string, unknown> = { ...frame };
  while (bytes.length > MAX_FRAME_BYTES) {
    const longest = Object.keys(fields)
      .filter((k) => typeof fields[k] === 'string' && FREE_TEXT_FIELDS.has(k))
      .sort((a, b) => jsonBytes(fields[b] as string) - jsonBytes(fields[a] as string))[0];
    if (longest === undefined || jsonBytes(fields[longest] as string) <= jsonBytes(CUT_MARK)) {
      throw new Error('frame cannot be cut to the frame limit');
    }
    fields[longest] = cut(fields[longest] as string, bytes.length - MAX_FRAME_BYTES);
    bytes = encoder.encode(JSON.stringify(fields));
  }
  return bytes;
}

/** UTF-8 bytes of a string inside JSON, without its quotes (escapes counted as JSON.stringify writes them). */
function jsonBytes(value: string): number {
  return Buffer.byteLength(JSON.stringify(value)) - 2;
}

/** Drops whole code points from the end until `excess` bytes (plus the mark's) are gone, then adds the mark. */
function cut(value: string, excess: number): string {
  const points = [...value];
  let dropped = 0;
  const target = excess + jsonBytes(CUT_MARK);
  while (points.length > 0 && dropped < target) dropped += jsonBytes(points.pop()!);
  return points.join('') + CUT_MARK;
}

/**
 * The IM server: pushes through API Gateway's @connections API, each event rendered as its wire frame. Gone is
 * a result, not an error (SDK v3 names
 * it by `err.name`; `statusCode === 410` never matches).
 */
export class ApiGatewayImChannel implements ImChannel {
  constructor(private readonly client: ApiGatewayManagementApiClient) {}

  async push(connectionId: string, event: ImEvent): Promise<PushResult> {
    try {
      await this.client.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: encodeFrame(toServerFrame(event)) }),
      );
      return 'ok';
    } catch (err) {
      if ((err as Error).name === 'GoneException') return 'gone';
      throw err;
    }
  }
}
