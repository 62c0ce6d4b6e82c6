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
  const word = stripFormatCharacters(body)
    .trim()
    .replace(/[.!]+$/, '')
    .toUpperCase();
  return Object.prototype.hasOwnProperty.call(KEYWORDS, word) ? KEYWORDS[word] : null;
}
