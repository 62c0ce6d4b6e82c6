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
 * The characters free text must hold at least one of to count as not empty: neither whitespace (String.prototype
 * trim's set, JSON Schema's `\\s`) nor a format character (Cf: U+200B, U+180E, bidi marks, …, which show as
 * nothing). As a pattern source, for the frame schemas and the core alike.
 */
export const VISIBLE_CHARACTER = '[^\\s\\p{Cf}]';
/** True when the text holds a character that is neither whitespace nor a format character (Cf). */
export const hasVisibleCharacter = (text: string): boolean => new RegExp(VISIBLE_CHARACTER, 'u').test(text);
/**
 * Free text with no control character and at least one character that is neither whitespace nor a format
 * character (a contact's or invitee's name: `\u200b` alone is refused, it would show blank).
 */
export const NAMED_TEXT_PATTERN = new RegExp(`^[^${CONTROLS}]*[^${CONTROLS}\\s\\p{Cf}][^${CONTROLS}]*$`, 'u');
/**
 * An avatar URL as sent: empty or only whitespace (removes it), or `https://` (any letter case) and no
 * whitespace or control character, with whitespace around allowed. The server also requires it to parse as a URL with a host and no
 * user or password (WHATWG URL), which a pattern cannot say.
 */
export const AVATAR_URL_PATTERN = new RegExp(`^\\s*(?:[Hh][Tt][Tt][Pp][Ss]://[^\\s${CONTROLS}]+\\s*)?$`, 'u');
