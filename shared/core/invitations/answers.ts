import { stripFormatCharacters } from '../provisioning/e164';

/**
 * The invitee's answers to an invitation (claims 6, 13), browser-safe. An answer is the whole message, matched
 * in any letter case, with surrounding spaces, punctuation and emoji ignored, and with common synonyms.
 * CANCEL is not here: it is a carrier opt-out word, handled as STOP (conversion/keywords.ts).
 */
export type InvitationAnswer = 'yes' | 'no';

const ANSWERS: Record<string, InvitationAnswer> = {
  yes: 'yes',
  y: 'yes',
  yeah: 'yes',
  yep: 'yes',
  yup: 'yes',
  ok: 'yes',
  okay: 'yes',
  sure: 'yes',
  accept: 'yes',
  agree: 'yes',
  si: 'yes',
  sí: 'yes',
  oui: 'yes',
  ja: 'yes',
  no: 'no',
  n: 'no',
  nope: 'no',
  nah: 'no',
  decline: 'no',
  reject: 'no',
  refuse: 'no',
  non: 'no',
  nein: 'no',
};

/**
 * The answer a message is, or null. "Yes!", " yes. ", "OK 👍" and "Nope" are answers; "yes please come" is not.
 * Read as every typed input is (format characters dropped, NFKC: stripFormatCharacters), so `ＹＥＳ` is yes.
 */
export function parseInvitationAnswer(body: string): InvitationAnswer | null {
  const word = stripFormatCharacters(body)
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '')
    .toLowerCase();
  return Object.prototype.hasOwnProperty.call(ANSWERS, word) ? ANSWERS[word] : null;
}

/**
 * Whether an opt-out word (conversion/keywords.ts: parseKeyword gave `stop`) is CANCEL, the one the invitation SMS
 * names for "never invite me again". Read as parseKeyword reads it (format characters dropped, NFKC, trimmed,
 * trailing `.` or `!` ignored, any case), so `Cancel.` is CANCEL and STOP, END or QUIT are not.
 */
export function isCancelWord(body: string): boolean {
  return (
    stripFormatCharacters(body)
      .trim()
      .replace(/[.!]+$/, '')
      .toUpperCase() === 'CANCEL'
  );
}

/**
 * `INVITE <phone> <name>` texted by a user from their own phone: the phone token and the name, or null. The
 * whole command is read as every typed input is (format characters dropped, NFKC: stripFormatCharacters), so
 * `ＩＮＶＩＴＥ ＋1… Dan` from a CJK input method, a number wrapped in bidi marks or a zero-width space before
 * the word is the command too; the name is returned in that read form (names are judged after NFKC anyway).
 */
export function parseInviteCommand(body: string): { phone: string; name: string } | null {
  const match = /^\s*invite\s+(\S+)\s+(\S.*?)\s*$/isu.exec(stripFormatCharacters(body));
  if (!match) return null;
  const phone = match[1];
  return phone.startsWith('+') ? { phone, name: match[2] } : null;
}
