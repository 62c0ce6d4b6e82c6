/**
 * The byte budget of a server frame, for the answers whose size grows with what users stored (a contact list, a
 * history page). API Gateway closes a WebSocket on any single frame over 32 KB (docs/protocol.md, "Size
 * limits"), so such an answer is cut into pages by its encoded size, not only by a count. Browser-safe: no Node
 * module (TextEncoder is global in browsers and Node).
 */

/** API Gateway's WebSocket frame quota in bytes; the IM adapter's MAX_FRAME_BYTES is the same (a test says so). */
export const FRAME_LIMIT_BYTES = 32 * 1024;

/** What a string field cut to fit ends with (as the IM adapter's last-resort cut does). */
export const CUT_MARK = '…';

const utf8 = new TextEncoder();

/** The UTF-8 bytes of `value` written as JSON (JSON.stringify's escapes counted: a control character is 6). */
export const jsonBytes = (value: unknown): number => utf8.encode(JSON.stringify(value) ?? '').length;

/**
 * `text`, cut by whole code points from its end and ending with {@link CUT_MARK}, so that it takes at most
 * `maxBytes` bytes as a JSON string (quotes included); `text` itself when it already does. Never splits a
 * surrogate pair. `maxBytes` must leave room for the quotes and the mark (at least 5).
 */
export function cutToJsonBytes(text: string, maxBytes: number): string {
  if (jsonBytes(text) <= maxBytes) return text;
  const room = maxBytes - jsonBytes(CUT_MARK); // the mark's JSON bytes include the two quotes
  const kept: string[] = [];
  let used = 0;
  for (const point of text) {
    const cost = jsonBytes(point) - 2;
    if (used + cost > room) break;
    kept.push(point);
    used += cost;
  }
  return kept.join('') + CUT_MARK;
}

/**
 * How many of `sizes` (each item's JSON bytes, in order) one page keeps: the longest prefix whose items, with
 * the commas between them, take at most `budget` bytes, and always at least one (a single item is made to fit
 * by its producer). Items in a JSON array take their bytes plus one comma each but the first.
 */
export function pageCount(sizes: readonly number[], budget: number): number {
  let used = 0;
  for (let i = 0; i < sizes.length; i++) {
    used += sizes[i] + (i > 0 ? 1 : 0);
    if (i > 0 && used > budget) return i;
  }
  return sizes.length;
}
