/**
 * The limits of the free-text fields a client sends in addContact, invite and updateProfile, which a client can
 * check before it sends (shared/runtime/frames.ts uses them, and so the reference client and the published JSON
 * Schema; the core's checks in book.ts use the same constants). Browser-safe: no imports. Lengths are in code
 * points (an emoji is one), as JSON Schema's `maxLength` counts.
 */

/**
 * At most this many contacts per user: bounds getContacts and the presence fan-out. Kept by the contact book's
 * one conditional write (ContactBook.reserveContactSlot), so simultaneous adds cannot pass it together.
 */
export const MAX_CONTACTS = 1000;
/** A mood phrase is at most this many code points. */
export const MAX_MOOD_CHARS = 140;
/** An avatar URL is at most this many code points. */
export const MAX_AVATAR_URL_CHARS = 512;
/** A non-IM contact's name (and an invitee's): 1-64 code points, no control characters, not only spaces. */
export const MAX_CONTACT_NAME_CHARS = 64;

/** The C0 and C1 control characters (Unicode's Cc category, exactly U+0000-U+001F and U+007F-U+009F). */
const CONTROLS = '\\u0000-\\u001f\\u007f-\\u009f';
/** Free text with no control character (a mood; an empty one removes it). */
export const NO_CONTROLS_PATTERN = new RegExp(`^[^${CONTROLS}]*$`, 'u');
/**
 * The characters that show as nothing, as a regular-expression class body (for the `u` flag, and JSON Schema's
 * ECMA-262 patterns): whitespace (`\\s`: String.prototype.trim's set, the Zs spaces and line breaks), the C0 and
 * C1 control characters (Cc: U+0001, U+0085 NEL, which `\\s` leaves out although Unicode counts it as white
 * space, …), format
 * characters (Cf: U+200B, U+180E, bidi marks, …), Unicode's Default_Ignorable_Code_Point (variation selectors
 * U+FE00-FE0F and U+E0100-E01EF, the combining grapheme joiner U+034F, Mongolian free variation selectors, tag
 * characters, and the Hangul fillers U+115F, U+1160, U+3164, U+FFA0, which are letters that draw nothing), and
 * U+2800, the braille blank, a symbol that is not default-ignorable but prints as a space. Text made only of these
 * shows blank.
 * Source: Unicode DerivedCoreProperties.txt (Default_Ignorable_Code_Point), UAX #44.
 */
export const BLANK_CHARACTERS = '\\s\\p{Cc}\\p{Cf}\\p{Default_Ignorable_Code_Point}\\u2800';
/**
 * The characters free text must hold at least one of to count as not empty: any character not in
 * {@link BLANK_CHARACTERS}. As a pattern source, for the frame schemas and the core alike.
 */
export const VISIBLE_CHARACTER = `[^${BLANK_CHARACTERS}]`;
const VISIBLE = new RegExp(VISIBLE_CHARACTER, 'u');
/** True when the text holds a character that shows (one not in {@link BLANK_CHARACTERS}). */
export const hasVisibleCharacter = (text: string): boolean => VISIBLE.test(text);
/**
 * The four Hangul fillers: letters by category that draw nothing (Default_Ignorable_Code_Point). A chosen name
 * may hold none (core/provisioning/names.ts), since a name holds no spaces.
 */
export const HANGUL_FILLER = /[\u115f\u1160\u3164\uffa0]/u;
/** The rule a name with a Hangul filler breaks, as its message says it (after the field's name). */
export const HANGUL_FILLER_RULE =
  'must not hold a Hangul filler (U+115F, U+1160, U+3164, U+FFA0): a letter that shows as nothing';
/** True when the text holds a C0 or C1 control character (Cc). */
export const hasControlCharacter = (text: string): boolean => /\p{Cc}/u.test(text);
/**
 * Free text with no control character and at least one character that shows (a contact's or invitee's name:
 * `\u200b`, `\u3164` or `\u2800` alone is refused, it would show blank).
 */
export const NAMED_TEXT_PATTERN = new RegExp(
  `^[^${CONTROLS}]*[^${CONTROLS}${BLANK_CHARACTERS}][^${CONTROLS}]*$`,
  'u',
);
/**
 * An avatar URL as sent: empty or only whitespace (removes it), or `https://` (any letter case) and no
 * whitespace or control character, with whitespace around allowed. The server also requires it to parse as a URL with a host and no
 * user or password (WHATWG URL), which a pattern cannot say.
 */
export const AVATAR_URL_PATTERN = new RegExp(`^\\s*(?:[Hh][Tt][Tt][Pp][Ss]://[^\\s${CONTROLS}]+\\s*)?$`, 'u');
