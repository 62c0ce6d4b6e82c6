/**
 * How an SMS to a service number names its recipient (the design's inbound order, after keywords):
 * `@<imNumber> text`, `@<name> text`, or no prefix at all (the number's bound contact / sticky last peer).
 */
export type SmsAddress =
  | { kind: 'imNumber'; imNumber: string; text: string }
  | { kind: 'name'; name: string; text: string }
  | { kind: 'none'; text: string };

/** An imNumber: 4 to 12 digits (the service allocates 8; see ids.ts). The one spelling of that rule. */
export const IM_NUMBER_PATTERN = /^\d{4,12}$/;

/**
 * Parses the address prefix off an inbound SMS body. Never throws. Punctuation that ends the address (`.`, `-`,
 * `_`, as in `@alice. hi`) is not part of it: names end with a letter or digit (NAME_PATTERN), so
 * `@u12345678.` is the default-name user u12345678, never someone named `u12345678.`.
 */
export function parseSmsAddress(body: string): SmsAddress {
  const trimmed = body.replace(/^\s+/, '');
  const match = /^@([^\s@:,]+?)[._-]*(?:[:,]\s*|\s+|$)([\s\S]*)$/u.exec(trimmed);
  if (!match) return { kind: 'none', text: body.trim() };
  const target = match[1];
  const text = match[2].trim();
  if (IM_NUMBER_PATTERN.test(target)) return { kind: 'imNumber', imNumber: target, text };
  return { kind: 'name', name: target, text };
}
