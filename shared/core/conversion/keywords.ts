/**
 * SMS keywords the app honours itself, whatever the carrier or provider also does.
 * Matching is on the whole message, trimmed and case-insensitive, as carriers and Twilio's opt-out do:
 * "stop" opts out, "stop by at 5" is an ordinary message.
 */
import { stripFormatCharacters } from '../provisioning/e164';

export type Keyword = 'stop' | 'start' | 'help';

const KEYWORDS: Record<string, Keyword> = {
  STOP: 'stop',
  STOPALL: 'stop',
  UNSUBSCRIBE: 'stop',
  CANCEL: 'stop',
  END: 'stop',
  QUIT: 'stop',
  REVOKE: 'stop',
  OPTOUT: 'stop',
  START: 'start',
  UNSTOP: 'start',
  // START only for a phone that opted out (isYesWord): from any other phone it is an ordinary message.
  YES: 'start',
  HELP: 'help',
  INFO: 'help',
};

/**
 * The keyword a message body is, or null when it is an ordinary message. The body is read as every typed input
 * is (format characters such as U+200B or bidi marks dropped, then NFKC: stripFormatCharacters), so full-width
 * `ＳＴＯＰ` from a CJK input method is STOP: an opt-out must never be missed for its encoding.
 */
export function parseKeyword(body: string): Keyword | null {
  const word = keywordWord(body);
  return Object.prototype.hasOwnProperty.call(KEYWORDS, word) ? KEYWORDS[word] : null;
}

/**
 * True when the body is the keyword YES (read as {@link parseKeyword} reads it: `Yes`, `yes!`, `ＹＥＳ`). YES is
 * START only for a phone that texted STOP; from a phone that did not (and has no pending invitation, which YES
 * accepts first) it is an ordinary message, so "Yes" on a thread reaches the contact.
 */
export function isYesWord(body: string): boolean {
  return keywordWord(body) === 'YES';
}

/** The body as a keyword is matched: format characters dropped, NFKC, trimmed, trailing `.`/`!` off, upper case. */
function keywordWord(body: string): string {
  return stripFormatCharacters(body)
    .trim()
    .replace(/[.!]+$/, '')
    .toUpperCase();
}
