/** A phone number in E.164 as the contract states it: `+`, a country code not starting with 0, 7-15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

/**
 * Unicode format characters (general category Cf): bidi marks and embeddings (U+200E/F, U+202A-202E,
 * U+2066-2069), zero-width space, joiners and non-joiner (U+200B-200D), the word joiner (U+2060), the BOM
 * (U+FEFF), the soft hyphen (U+00AD), … They are invisible, carry no digits, and come along when a number is
 * copied from a contact card, a web page or a right-to-left text.
 */
const FORMAT_CHARACTERS = /\p{Cf}/gu;

/**
 * Removes every Unicode format character (Cf) from a phone input, then puts it in NFKC (and U+0085 as a line
 * break: {@link NEXT_LINE}), before any other check:
 * the cleaning every phone input gets (the server's `parsePhone`, and the console's sign-in form through
 * shared/core/rules.ts). NFKC turns the full-width `＋` and digits `０`-`９`, the ideographic space and other
 * compatibility forms (a number typed with a CJK input method) into their ASCII forms, so `＋1 415 555 0123` is
 * read as `+1 415 555 0123`. Digits of other scripts (Arabic-Indic, …) are left as they are.
 */
export function stripFormatCharacters(input: string): string {
  return input.replace(FORMAT_CHARACTERS, '').normalize('NFKC').replace(NEXT_LINE, '\n');
}

/**
 * U+0085 NEXT LINE: white space to Unicode (White_Space), but not to JavaScript's `\s` or `trim`, and NFKC keeps
 * it. Read as the line break it is, so that every reader built on `\s` (the SMS address, keywords, INVITE, YES
 * and NO) takes it as the space between words.
 */
const NEXT_LINE = /\u0085/g;

/**
 * A phone as typed or pasted into a form, reduced to what E.164 can be checked on: format characters (see
 * {@link stripFormatCharacters}), whitespace and the punctuation of written numbers (`( ) . -`) removed. The
 * console's sign-in form checks the result against {@link E164_PATTERN} before sending it.
 */
export function compactPhoneInput(input: string): string {
  return stripFormatCharacters(input).replace(/[\s().-]/g, '');
}
