/**
 * Encoding of IM messages that fall back to SMS.
 *
 * The carrier bills per segment and a single character outside GSM 03.38 switches the whole message to
 * UCS-2, which cuts a segment from 160 to 70 characters. Pasted text is full of typographic look-alikes
 * (smart quotes, dashes, NBSP) that would cost that for nothing, so those are replaced when, and only when,
 * that makes the whole text GSM-7. Anything else is sent as UCS-2 with the original characters: we would
 * rather pay for an extra segment than change what the sender wrote.
 *
 * Pure: no I/O, no dependencies, so the same numbers can be computed wherever a message is stored or billed.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** The result of {@link encodeSms}: the body to hand to the carrier, plus what it will be billed as. */
export interface EncodedSms {
  /** What to send: the input, unless `normalized`, `truncated` or the input had lone surrogates. */
  body: string;
  encoding: SmsEncoding;
  /** Billable segments; stored on the message because this is what the carrier charges for. */
  segments: number;
  /** Septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2) of `body`. */
  units: number;
  /** Typographic characters were replaced so that the body could go as GSM-7. */
  normalized: boolean;
  /** The body was cut to the limit and {@link TRUNCATION_MARKER} appended. */
  truncated: boolean;
}

/**
 * Longest body that we send, in UTF-16 code units (JavaScript's `string.length`): Twilio refuses a body over
 * 1,600 characters counted that way (error 21617), so an emoji, a surrogate pair, counts 2. Carriers also
 * commonly drop concatenated messages beyond about ten segments of GSM-7, and an unbounded IM message would
 * otherwise be an unbounded bill.
 */
export const MAX_SMS_CHARS = 1600;

/** A body's length as Twilio's 1,600-character limit counts it: UTF-16 code units. */
export function smsLength(body: string): number {
  return body.length;
}

/**
 * Appended to a cut body so the recipient knows there was more. Round brackets, not square: `[` and `]` are
 * GSM-7 extension characters and would cost two septets each. Only basic-table characters, so appending it
 * never changes the encoding; a leading space keeps it from fusing with the last word.
 */
export const TRUNCATION_MARKER = ' (truncated)';

/** One segment on its own: the full 140-octet payload. */
const GSM7_SINGLE = 160;
/** Each part of a concatenated message: the 6-octet UDH header leaves 134 octets = 153 septets. */
const GSM7_MULTI = 153;
const UCS2_SINGLE = 70;
/** 134 octets / 2. */
const UCS2_MULTI = 67;

/**
 * GSM 03.38 default alphabet, in table order (0x00–0x7F) without 0x1B, which is the escape to the extension
 * table and not a character. Kept literal so it can be checked against the standard line by line.
 * Note: 0x09 is capital Ç; lowercase ç is not in the table, however often phones pretend otherwise.
 */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  'Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ' + // 0x1B (escape) sits between Ξ and Æ
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** Extension table: each is sent as ESC + code, hence 2 septets. */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC_SET: ReadonlySet<string> = new Set(GSM7_BASIC);
const EXTENSION_SET: ReadonlySet<string> = new Set(GSM7_EXTENSION);

/**
 * Typographic characters and their GSM-7 stand-ins. Limited to characters whose replacement a reader
 * would not notice as a change of meaning; letters with accents are deliberately absent (é → e changes a
 * word, and lowercase ç → Ç changes case), as are tabs and other controls.
 */
const GSM7_REPLACEMENTS: ReadonlyMap<string, string> = new Map<string, string>([
  // Single quotes, apostrophes and primes.
  ['\u2018', "'"], // ‘ left single quotation mark
  ['\u2019', "'"], // ’ right single quotation mark (also the typographic apostrophe)
  ['\u201a', "'"], // ‚ single low-9 quotation mark
  ['\u201b', "'"], // ‛ single high-reversed-9 quotation mark
  ['\u2032', "'"], // ′ prime
  ['\u2035', "'"], // ‵ reversed prime
  ['\u2039', "'"], // ‹ single left-pointing angle quotation mark
  ['\u203a', "'"], // › single right-pointing angle quotation mark
  // Double quotes and double primes.
  ['\u201c', '"'], // “
  ['\u201d', '"'], // ”
  ['\u201e', '"'], // „
  ['\u201f', '"'], // ‟
  ['\u2033', '"'], // ″ double prime
  ['\u2036', '"'], // ‶ reversed double prime
  ['\u00ab', '"'], // «
  ['\u00bb', '"'], // »
  // Hyphens, dashes and minus.
  ['\u2010', '-'], // ‐ hyphen
  ['\u2011', '-'], // ‑ non-breaking hyphen
  ['\u2012', '-'], // ‒ figure dash
  ['\u2013', '-'], // – en dash
  ['\u2014', '-'], // — em dash
  ['\u2015', '-'], // ― horizontal bar
  ['\u2212', '-'], // − minus sign
  // Ellipsis and bullet.
  ['\u2026', '...'], // …
  ['\u2022', '*'], // • bullet
  // Unicode spaces (Zs other than U+0020).
  ['\u00a0', ' '], // no-break space
  ['\u1680', ' '], // ogham space mark
  ['\u2000', ' '],
  ['\u2001', ' '],
  ['\u2002', ' '],
  ['\u2003', ' '],
  ['\u2004', ' '],
  ['\u2005', ' '],
  ['\u2006', ' '],
  ['\u2007', ' '], // figure space
  ['\u2008', ' '],
  ['\u2009', ' '], // thin space
  ['\u200a', ' '], // hair space
  ['\u202f', ' '], // narrow no-break space (French punctuation)
  ['\u205f', ' '], // medium mathematical space
  ['\u3000', ' '], // ideographic space
  // Invisible characters: removed, since they carry no visible content but force UCS-2.
  ['\u00ad', ''], // soft hyphen
  ['\u200b', ''], // zero-width space
  ['\u200c', ''], // zero-width non-joiner
  ['\u200d', ''], // zero-width joiner
  ['\u2060', ''], // word joiner
  ['\ufeff', ''], // zero-width no-break space / BOM
]);

/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * True when every character is in the GSM 03.38 basic or extension table, i.e. the text can be sent as GSM-7
 * without loss. National language shift tables are not considered: US carriers do not support them.
 * The empty string is GSM-7.
 */
export function isGsm7(text: string): boolean {
  for (const ch of text) {
    if (!BASIC_SET.has(ch) && !EXTENSION_SET.has(ch)) return false;
  }
  return true;
}

/**
 * Septets the text occupies in GSM-7, which is what segment capacity is measured in: extension characters
 * (^ { } \ [ ~ ] | € and form feed) are sent as ESC + code and so count 2.
 * @throws RangeError if the text is not GSM-7, since a septet count for it would be meaningless.
 */
export function gsm7Septets(text: string): number {
  let septets = 0;
  for (const ch of text) septets += gsm7CharSeptets(ch);
  return septets;
}

function gsm7CharSeptets(ch: string): number {
  if (BASIC_SET.has(ch)) return 1;
  if (EXTENSION_SET.has(ch)) return 2;
  throw new RangeError(`not a GSM-7 character: U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`);
}

/**
 * Replaces typographic look-alikes with their GSM-7 equivalents: ‘ ’ ‚ ‛ ′ ‵ ‹ › → ', “ ” „ ‟ ″ ‶ « » → ",
 * ‐ ‑ ‒ – — ― − → -, … → ..., • → *, Unicode spaces (NBSP, thin, narrow, ideographic …) → space, and removes
 * zero-width characters and the soft hyphen. Everything else is left alone, so the result may still not be
 * GSM-7; {@link encodeSms} uses it only if it is. Idempotent, and the identity on GSM-7 text.
 */
export function normalizeForGsm7(text: string): string {
  let out = '';
  for (const ch of text) out += GSM7_REPLACEMENTS.get(ch) ?? ch;
  return out;
}

/**
 * Encoding, billable segments and units for a text as it is (no normalization): GSM-7 if the text is GSM-7,
 * else UCS-2. A single segment holds 160 septets / 70 code units; a concatenated message 153 / 67 per part,
 * and a part never ends in the middle of an extension character (ESC + code) or of a grapheme cluster (a
 * surrogate pair, an emoji with its modifier, a flag), since handsets would show garbage. The empty text is 0 segments: nothing is billed for nothing, and callers
 * reject empty messages before this point anyway.
 */
export function countSegments(text: string): { encoding: SmsEncoding; segments: number; units: number } {
  if (isGsm7(text)) {
    const sizes = Array.from(text, gsm7CharSeptets);
    const units = sum(sizes);
    return { encoding: 'GSM-7', units, segments: packSegments(sizes, units, GSM7_SINGLE, GSM7_MULTI) };
  }
  const sizes = graphemeSizes(text);
  const units = text.length;
  return { encoding: 'UCS-2', units, segments: packSegments(sizes, units, UCS2_SINGLE, UCS2_MULTI) };
}

let segmenter: Intl.Segmenter | undefined;

/**
 * Splits text into grapheme clusters (user-perceived characters); shared by every cut that must not split one.
 * The Intl.Segmenter behind it is made on first use, not at module load: making one loads ICU's break rules,
 * tens of milliseconds of every function's cold start, and most invocations never segment anything.
 */
export const GRAPHEMES: Pick<Intl.Segmenter, 'segment'> = {
  segment: (text) => (segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })).segment(text),
};

/**
 * UTF-16 lengths of the text's grapheme clusters: a part never splits one (👍🏽, 🇺🇸, e + combining accent), as
 * Twilio's published segment calculator (npm sms-segments-calculator) counts. A surrogate pair is the smallest
 * such cluster; a lone surrogate is a cluster of 1.
 */
function graphemeSizes(text: string): number[] {
  return Array.from(GRAPHEMES.segment(text), (g) => g.segment.length);
}

/**
 * Greedy packing of indivisible characters into parts, which is minimal because parts are contiguous: no
 * split into n parts gets further through the text than greedy does. Unlike ceil(units / capacity) it
 * accounts for the septet or code unit left empty when a 2-unit character would straddle a boundary.
 */
function packSegments(sizes: readonly number[], units: number, single: number, multi: number): number {
  if (units === 0) return 0;
  if (units <= single) return 1;
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > multi) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return segments;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/**
 * Chooses the body and encoding for an SMS and counts its billable segments.
 *
 * - GSM-7 text goes as it is.
 * - Else, if {@link normalizeForGsm7} makes it GSM-7, the normalized text goes as GSM-7 (`normalized`).
 * - Else the original text goes as UCS-2; nothing is replaced, because changing the sender's words is worse
 *   than the extra segments.
 *
 * A body over `maxChars` UTF-16 code units ({@link smsLength}, the provider's count) is cut so that it plus
 * {@link TRUNCATION_MARKER} is at most `maxChars` units. The cut falls between grapheme clusters, so it never
 * splits a surrogate pair, an emoji with its modifier or a flag; trailing whitespace before the marker is
 * dropped. The encoding is then chosen again for what is left, so a message whose only non-GSM characters were
 * cut off is billed as GSM-7.
 *
 * Lone surrogates (malformed UTF-16 from a buggy client) cannot be encoded by any carrier and are replaced
 * with U+FFFD so the failure stays visible rather than corrupting the message.
 *
 * Empty text gives 0 segments; see {@link countSegments}.
 * @throws RangeError if `maxChars` is not an integer longer than the marker.
 */
export function encodeSms(text: string, maxChars: number = MAX_SMS_CHARS): EncodedSms {
  const markerChars = smsLength(TRUNCATION_MARKER);
  if (!Number.isInteger(maxChars) || maxChars <= markerChars) {
    throw new RangeError(`maxChars must be an integer greater than ${markerChars}, got ${maxChars}`);
  }
  const wellFormed = text.replace(LONE_SURROGATE, '\ufffd');
  const chosen = chooseBody(wellFormed);
  if (smsLength(chosen.body) <= maxChars) return finish(chosen.body, chosen.normalized, false);

  const room = maxChars - markerChars;
  // Re-choose on the kept part: the characters that forced UCS-2, or that needed normalizing, may be gone.
  const kept = chooseBody(cutUnits(chosen.body, room).trimEnd());
  // Normalizing can lengthen the text (… → ...); cutting GSM-7 again keeps it GSM-7.
  const body = cutUnits(kept.body, room).trimEnd() + TRUNCATION_MARKER;
  return finish(body, chosen.normalized || kept.normalized, true);
}

function chooseBody(text: string): { body: string; normalized: boolean } {
  if (isGsm7(text)) return { body: text, normalized: false };
  const normalized = normalizeForGsm7(text);
  if (isGsm7(normalized)) return { body: normalized, normalized: true };
  return { body: text, normalized: false };
}

function finish(body: string, normalized: boolean, truncated: boolean): EncodedSms {
  return { body, ...countSegments(body), normalized, truncated };
}

/**
 * The longest prefix of `text` of at most `units` UTF-16 code units that ends on a grapheme cluster boundary
 * (so no surrogate pair, emoji sequence or flag is split).
 */
function cutUnits(text: string, units: number): string {
  let end = 0;
  for (const { segment } of GRAPHEMES.segment(text)) {
    if (end + segment.length > units) break;
    end += segment.length;
  }
  return text.slice(0, end);
}
