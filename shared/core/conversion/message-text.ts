import { GRAPHEMES } from './sms-encoding';

/** The most text one message may carry, in code points (an SMS fallback is cut further, to MAX_SMS_CHARS). */
export const MAX_TEXT_CHARS = 4000;

/**
 * `text` cut to at most `max` code points (default MAX_TEXT_CHARS), at a grapheme boundary (never inside 👍🏽 or e + accent),
 * unless that would leave nothing but spaces.
 * For text that arrives without the IM frame's limit: an inbound SMS body, which Twilio caps at 1,600
 * characters but a forged or misconfigured webhook need not, and which the store would otherwise keep whole (a
 * 450,000-character body failed DynamoDB's 400 KB item limit with a 500, which Twilio retries).
 */
export function cutToMaxText(text: string, max: number = MAX_TEXT_CHARS): string {
  if (text.length <= max) return text; // at most max units: at most that many code points
  let kept = 0;
  let end = 0;
  for (const { segment } of GRAPHEMES.segment(text)) {
    const points = [...segment].length;
    if (kept + points > max) break;
    kept += points;
    end += segment.length;
  }
  // A first grapheme longer than the limit (a letter with thousands of combining marks) would leave nothing, or
  // only spaces: then the cut goes inside it, by code points, so the text is never empty.
  const cut = text.slice(0, end);
  return cut.trim() ? cut : [...text].slice(0, max).join('');
}

/**
 * The note a text that came with media (an MMS) carries to its recipient, on a line of its own after the text:
 * `[1 attachment not delivered]`, `[3 attachments not delivered]`. Media is never carried, only text.
 */
export function mediaNote(count: number): string {
  return `[${count} ${count === 1 ? 'attachment' : 'attachments'} not delivered]`;
}

/**
 * An inbound text as stored for its recipient: cut to MAX_TEXT_CHARS ({@link cutToMaxText}), and when `media`
 * (a count, Twilio's NumMedia) is above 0, followed by a new line and {@link mediaNote}, the text cut shorter so
 * that the note always fits.
 */
export function withMediaNote(text: string, media: number): string {
  if (media <= 0) return cutToMaxText(text);
  const note = `\n${mediaNote(media)}`;
  return cutToMaxText(text, MAX_TEXT_CHARS - note.length) + note;
}
