/**
 * How an SMS to a service number names its recipient (the design's inbound order, after keywords):
 * `@<imNumber> text`, `@<name> text`, or no prefix at all (the number's bound contact / sticky last peer).
 */
export type SmsAddress =
  | { kind: 'imNumber'; imNumber: string; text: string }
  | { kind: 'name'; name: string; text: string }
  | { kind: 'none'; text: string };

/** An imNumber: 4 to 12 digits (issued ones have 8). The one definition; the console is served it too. */
export const IM_NUMBER_PATTERN = /^\d{4,12}$/;
const IM_NUMBER = IM_NUMBER_PATTERN;

/** Parses the address prefix off an inbound SMS body. Never throws. */
export function parseSmsAddress(body: string): SmsAddress {
  const trimmed = body.replace(/^\s+/, '');
  const match = /^@([^\s@:,]+)(?:[:,]\s*|\s+|$)([\s\S]*)$/u.exec(trimmed);
  if (!match) return { kind: 'none', text: body.trim() };
  const target = match[1];
  const text = match[2].trim();
  if (IM_NUMBER.test(target)) return { kind: 'imNumber', imNumber: target, text };
  return { kind: 'name', name: target, text };
}
