import { GRAPHEMES } from './sms-encoding';

/** The most text one message may carry, in code points (an SMS fallback is cut further, to MAX_SMS_CHARS). */
export const MAX_TEXT_CHARS = 4000;

/**
 * `text` cut to at most MAX_TEXT_CHARS code points, at a grapheme boundary (never inside 👍🏽 or e + accent),
 * unless that would leave nothing but spaces.
 * For text that arrives without the IM frame's limit: an inbound SMS body, which Twilio caps at 1,600
 * characters but a forged or misconfigured webhook need not, and which the store would otherwise keep whole (a
 * 450,000-character body failed DynamoDB's 400 KB item limit with a 500, which Twilio retries).
 */
export function cutToMaxText(text: string): string {
  if (text.length <= MAX_TEXT_CHARS) return text; // at most MAX_TEXT_CHARS units: at most that many code points
  let kept = 0;
  let end = 0;
  for (const { segment } of GRAPHEMES.segment(text)) {
    const points = [...segment].length;
    if (kept + points > MAX_TEXT_CHARS) break;
    kept += points;
    end += segment.length;
  }
  // A first grapheme longer than the limit (a letter with thousands of combining marks) would leave nothing, or
  // only spaces: then the cut goes inside it, by code points, so the text is never empty.
  const cut = text.slice(0, end);
  return cut.trim() ? cut : [...text].slice(0, MAX_TEXT_CHARS).join('');
}
