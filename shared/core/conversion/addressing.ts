import { stripFormatCharacters } from '../provisioning/e164';

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

/** One code point as every typed input is read (format characters dropped, NFKC): `＠` is `@`, U+200B is ''. */
const readAs = (codePoint: string): string => stripFormatCharacters(codePoint);
const isSpace = (read: string): boolean => /^\s+$/u.test(read);
/** A code point that cannot be part of an address: it ends one (a space, `@`, `:` or `,`, once read). */
const endsAddress = (read: string): boolean => /[\s@:,]/u.test(read);

/**
 * Parses the address prefix off an inbound SMS body. Never throws. The prefix is read as keywords are (format
 * characters such as U+200B or bidi marks dropped, then NFKC: stripFormatCharacters), so the full-width `＠bob`
 * or `＠１２３４５６７８` of a CJK input method and a `@` after a zero-width space address bob or 12345678 like
 * `@bob`; the name or imNumber returned is in that read form. The text returned is what the person wrote after
 * the address and its separator (`:`, `,` or spaces), unchanged but for surrounding spaces. Punctuation that
 * ends the address (`.`, `-`, `_`, as in `@alice. hi`) is not part of it: names end with a letter or digit
 * (NAME_PATTERN), so `@u12345678.` is the default-name user u12345678, never someone named `u12345678.`.
 * Only the prefix is read code point by code point, so a long body costs no more than its first words.
 */
export function parseSmsAddress(body: string): SmsAddress {
  const none: SmsAddress = { kind: 'none', text: body.trim() };
  let i = 0;
  const next = (): { cp: string; read: string } | null => {
    if (i >= body.length) return null;
    const cp = String.fromCodePoint(body.codePointAt(i)!);
    return { cp, read: readAs(cp) };
  };
  // Leading spaces and invisible format characters.
  let c = next();
  while (c && (c.read === '' || isSpace(c.read))) {
    i += c.cp.length;
    c = next();
  }
  if (!c || c.read !== '@') return none;
  i += c.cp.length;
  // The address: up to a space, `@`, `:` or `,` (format characters inside it are dropped).
  let raw = '';
  for (c = next(); c && !endsAddress(c.read); c = next()) {
    raw += c.read;
    i += c.cp.length;
  }
  const target = /^(.+?)[._-]*$/su.exec(raw.normalize('NFKC'))?.[1];
  if (!target) return none;
  // The separator: `:` or `,` and any spaces after it, or spaces, or the end of the body.
  if (c) {
    if (c.read === ':' || c.read === ',') {
      i += c.cp.length;
      c = next();
    } else if (!isSpace(c.read)) return none;
    while (c && (isSpace(c.read) || c.read === '')) {
      i += c.cp.length;
      c = next();
    }
  }
  const text = body.slice(i).trim();
  if (IM_NUMBER_PATTERN.test(target)) return { kind: 'imNumber', imNumber: target, text };
  return { kind: 'name', name: target, text };
}
