import * as z from 'zod/mini';
import { IM_NUMBER_PATTERN } from '../core/conversion/addressing';
import { CONTACTS_CURSOR_PATTERN, MAX_CONTACTS_PAGE } from '../core/contacts/page-rules';
import {
  AVATAR_URL_PATTERN,
  HANGUL_FILLER,
  HANGUL_FILLER_RULE,
  MAX_AVATAR_URL_CHARS,
  MAX_CONTACT_NAME_CHARS,
  MAX_MOOD_CHARS,
  hasControlCharacter,
  hasVisibleCharacter,
  NAMED_TEXT_PATTERN,
  NO_CONTROLS_PATTERN,
  VISIBLE_CHARACTER,
} from '../core/contacts/profile-rules';
import { MAX_TEXT_CHARS } from '../core/conversion/message-text';
import { DomainError } from '../core/errors';
import { MAX_HISTORY_LIMIT } from '../core/history/history';
import { CONVERSATION_CURSOR_PATTERN } from '../core/ports/message-log';
import { issueRule, validationMessage } from './validation-message';

/** How a rule names BLANK_CHARACTERS in a message. */
const BLANK_RULE = 'spaces and characters that show as nothing';

const imNumber = z.string().check(z.regex(IM_NUMBER_PATTERN, 'must be an imNumber (digits)'));
const clientId = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[\x21-\x7e]+$/, 'must be 1-64 printable ASCII characters'),
  );

/**
 * sendMessage's clientId, with what the published schema says of it beyond its shape (the server's duplicate
 * check, shared/core/delivery/send-im.ts): the same message resent is answered with the original's receipt, a
 * different one under a used clientId is refused with client_id_reused.
 */
const sendClientId = clientId.clone().register(z.globalRegistry, {
  description:
    'The sender’s id for this message, unique per sender. A resend of the same message (same clientId, same to, same text) is not sent again: it is answered with a receipt of where the original stands. A different message (another to or text) under a clientId the sender already used is refused with the error client_id_reused and is not sent. A clientId is remembered as long as its message is stored, which has no expiry: use a fresh one (e.g. a UUID) for every new message. See docs/protocol.md.',
});

/**
 * A message text: 1 to MAX_TEXT_CHARS code points (an emoji outside the BMP is one, a lone surrogate is one), with
 * at least one character that shows: not only whitespace, format characters, default-ignorable characters
 * (variation selectors, Hangul fillers, …) and the braille blank (BLANK_CHARACTERS in
 * core/contacts/profile-rules.ts). Zod's own minLength/maxLength count UTF-16 code units, so the checks are
 * refinements on code points; they carry the JSON Schema that says the same, for the published schema:
 * `minLength`/`maxLength`, which JSON Schema counts in code points, and `pattern` VISIBLE_CHARACTER (JSON Schema
 * patterns are ECMA-262 regular expressions with Unicode property escapes, whose `\\s` is exactly trim's set).
 */
const messageText = z
  .string()
  .check(
    z.refine(hasVisibleCharacter, `must not be empty (nor only ${BLANK_RULE})`),
    z.refine((t) => [...t].length <= MAX_TEXT_CHARS, `must be at most ${MAX_TEXT_CHARS} characters`),
  )
  .register(z.globalRegistry, { minLength: 1, maxLength: MAX_TEXT_CHARS, pattern: VISIBLE_CHARACTER });

export const sendMessageFrame = z.object({
  action: z.literal('sendMessage'),
  to: imNumber,
  text: messageText,
  clientId: sendClientId,
});

const ackId = z.string().check(z.minLength(1), z.maxLength(64));
export const ackFrame = z.object({ action: z.literal('ack'), id: ackId });
export const setPresenceFrame = z.object({
  action: z.literal('setPresence'),
  status: z.enum(['online', 'offline']),
});
export const pingFrame = z.object({ action: z.literal('ping') });

/**
 * A phone as sent (addContact, removeContact, invite): 1-64 characters. Whether it is a phone number is the
 * server's judgement (libphonenumber, after dropping format characters and NFKC: `invalid_phone`), which no
 * pattern can state; the published schema's description says so.
 */
const phoneText = z
  .string()
  .check(z.minLength(1, 'must be a phone number in international format, like +14155550100'), z.maxLength(64))
  .register(z.globalRegistry, {
    description:
      'A phone number in international format, like +14155550100. Whether it is one is judged by the server ' +
      '(libphonenumber, after dropping format characters and NFKC): invalid_phone. See docs/protocol.md.',
  });

const codePoints = (t: string) => [...t].length;
/**
 * A free-text field of at most `max` code points (counted as sent, before the core trims it) matching `pattern`,
 * with the same rule registered as JSON Schema (`maxLength` counts code points there too) for the published
 * schema. The checks are refinements because zod's maxLength counts UTF-16 units.
 */
const boundedText = (max: number, pattern: RegExp, rule: string) =>
  z
    .string()
    .check(
      z.refine((t) => codePoints(t) <= max, `must be at most ${max} characters`),
      z.refine((t) => pattern.test(t), rule),
    )
    .register(z.globalRegistry, { maxLength: max, pattern: pattern.source });
/**
 * A contact's or invitee's name: 1-64 code points, no control characters, at least one character that shows. Each
 * rule refused says itself; the published schema holds them as one pattern (NAMED_TEXT_PATTERN).
 */
const contactName = z
  .string()
  .check(
    z.refine((t) => hasVisibleCharacter(t), `must not be empty (nor only ${BLANK_RULE})`),
    z.refine(
      (t) => codePoints(t) <= MAX_CONTACT_NAME_CHARS,
      `must be at most ${MAX_CONTACT_NAME_CHARS} characters`,
    ),
    z.refine((t) => !hasControlCharacter(t), 'must not hold control characters'),
  )
  .register(z.globalRegistry, { maxLength: MAX_CONTACT_NAME_CHARS, pattern: NAMED_TEXT_PATTERN.source });

/**
 * getContacts (added): `since` is the version of the client's copy; `cursor` the `nextCursor` of the page before
 * (none: the first page); `limit` the most contacts one page may hold (1-500).
 */
export const getContactsFrame = z.object({
  action: z.literal('getContacts'),
  since: z.optional(z.number().check(z.int(), z.gte(0))),
  cursor: z.optional(z.string().check(z.regex(CONTACTS_CURSOR_PATTERN, 'must be a nextCursor of this list'))),
  limit: z.optional(z.number().check(z.int(), z.gte(1), z.lte(MAX_CONTACTS_PAGE))),
});
/**
 * A frame refused before any core call (bad JSON, a shape its schema refuses, an unknown action): a DomainError
 * answered as any other; wsHandler logs every frame it answers with an `error` frame (this one or the core's)
 * as `ws.frame_refused` with its code and route, never its body.
 */
export class FrameRefusal extends DomainError {}

/** True when the frame holds `key` (JSON has no undefined, so a key present holds a value). */
const has = (frame: object, key: string) => (frame as Record<string, unknown>)[key] !== undefined;

/**
 * addContact (added): an IM contact by `imNumber` alone, or a non-IM contact by `phone` and `name` (no
 * `imNumber`). Anything else (neither, both, a name beside an imNumber, a phone without a name) is `bad_frame`.
 * The JSON Schema states the same one-of (its `oneOf`), so the published schema refuses what the server does.
 */
export const addContactFrame = z
  .object({
    action: z.literal('addContact'),
    imNumber: z.optional(imNumber),
    phone: z.optional(phoneText),
    name: z.optional(contactName),
  })
  .check(
    z.refine(
      (f) => (has(f, 'imNumber') ? !has(f, 'phone') && !has(f, 'name') : has(f, 'phone') && has(f, 'name')),
      'must hold either imNumber, or phone and name',
    ),
  )
  .register(z.globalRegistry, {
    oneOf: [
      { required: ['imNumber'], not: { anyOf: [{ required: ['phone'] }, { required: ['name'] }] } },
      { required: ['phone', 'name'], not: { required: ['imNumber'] } },
    ],
  });
/** removeContact (added): by `imNumber` or by `phone`, exactly one of them (else `bad_frame`). */
export const removeContactFrame = z
  .object({
    action: z.literal('removeContact'),
    imNumber: z.optional(imNumber),
    phone: z.optional(phoneText),
  })
  .check(z.refine((f) => has(f, 'imNumber') !== has(f, 'phone'), 'must hold either imNumber or phone'))
  .register(z.globalRegistry, {
    oneOf: [
      { required: ['imNumber'], not: { required: ['phone'] } },
      { required: ['phone'], not: { required: ['imNumber'] } },
    ],
  });

/**
 * A chosen name as sent in updateProfile: the sign-in name rule (NAME_PATTERN in core/provisioning/names.ts:
 * 1-32 letters, digits, `_ . -`, a letter first, a letter or digit last) on the text as sent, with whitespace
 * around it allowed (the server trims it), a combining mark after any character (the server's NFKC composes
 * `e` + U+0301 to `é`) and the full-width `＿ ． －` (NFKC makes them `_ . -`); no Hangul filler (U+115F, U+1160,
 * U+3164, U+FFA0: letters that draw nothing, as in NAME_PATTERN). The rest of the name rule needs
 * Unicode data or the server's data, which a pattern cannot hold, and is the core's (`invalid_name`,
 * `name_taken`): NFKC first, then one script per name, no look-alike of a default name (`u12345678`), and no
 * name that looks like one someone else holds.
 */
export const NAME_INPUT_PATTERN =
  /^\s*[^\P{L}\u115f\u1160\u3164\uffa0]\p{M}*(?:(?:(?:[^\P{L}\u115f\u1160\u3164\uffa0]|[\p{N}_.\-\uff0d\uff0e\uff3f])\p{M}*){0,30}(?:[^\P{L}\u115f\u1160\u3164\uffa0]|\p{N})\p{M}*)?\s*$/u;
const NAME_RULE =
  'must be 1-32 letters, digits, "_", "." or "-", start with a letter and end with a letter or digit';
const NAME_BEYOND_SCHEMA =
  'Also refused by the server, which no JSON Schema can state (it needs Unicode data or the server’s data): ' +
  'after trimming and NFKC, a name that mixes scripts or looks like a default name (u12345678) is invalid_name, ' +
  'and one that looks like a name someone else holds is name_taken. The length and character rule is judged ' +
  'again after NFKC, which can turn one character into several or into ones the rule refuses: "a½" (½ becomes ' +
  '"1⁄2"), 32 "ﬀ" (each becomes "ff", 64 letters) and "a" + 31 "Ⅻ" (each becomes "XII") are invalid_name. ' +
  'See docs/protocol.md.';
const chosenName = z
  .string()
  .check(
    // Said first and alone: the general rule's "letters" would not tell the sender why a filler was refused.
    z.refine((t) => !HANGUL_FILLER.test(t), HANGUL_FILLER_RULE),
    z.refine((t) => NAME_INPUT_PATTERN.test(t), NAME_RULE),
  )
  .register(z.globalRegistry, { pattern: NAME_INPUT_PATTERN.source, description: NAME_BEYOND_SCHEMA });

/**
 * updateProfile (added): name, mood phrase and avatar URL, at least one of them (an empty frame is
 * `bad_frame`); an empty mood or URL removes it. A name must pass {@link NAME_INPUT_PATTERN} here and the core's
 * further name rules (the sign-in name rules: NFKC, one script, no look-alike of a taken or default name).
 */
export const updateProfileFrame = z
  .object({
    action: z.literal('updateProfile'),
    name: z.optional(chosenName),
    mood: z.optional(boundedText(MAX_MOOD_CHARS, NO_CONTROLS_PATTERN, 'must not hold control characters')),
    avatarUrl: z.optional(
      boundedText(MAX_AVATAR_URL_CHARS, AVATAR_URL_PATTERN, 'must be an https:// URL, or empty to remove it'),
    ),
  })
  .check(
    z.refine(
      (f) => has(f, 'name') || has(f, 'mood') || has(f, 'avatarUrl'),
      'must hold name, mood or avatarUrl (nothing to update)',
    ),
  )
  .register(z.globalRegistry, {
    anyOf: [{ required: ['name'] }, { required: ['mood'] }, { required: ['avatarUrl'] }],
  });
const limitRule = `must be an integer from 1 to ${MAX_HISTORY_LIMIT}`;
/** history (added): one page of the conversation with an IM contact, newest first. */
export const historyFrame = z.object({
  action: z.literal('history'),
  with: imNumber,
  before: z.optional(
    z
      .string()
      .check(z.regex(CONVERSATION_CURSOR_PATTERN, 'must be the next cursor of an earlier history page')),
  ),
  limit: z.optional(
    z.number().check(z.int(limitRule), z.gte(1, limitRule), z.lte(MAX_HISTORY_LIMIT, limitRule)),
  ),
});

/** invite (added): an SMS invitation to a non-IM contact. */
export const inviteFrame = z.object({
  action: z.literal('invite'),
  phone: phoneText,
  name: contactName,
});

/** Exactly one way to name a contact: `imNumber`, or `phone` (with `name` when adding). Throws bad_frame. */
export function contactRefOf(
  frame: { imNumber?: string; phone?: string; name?: string },
  needsName: boolean,
): { imNumber: string } | { phone: string; name: string } {
  if (frame.imNumber !== undefined && frame.phone === undefined && frame.name === undefined) {
    return { imNumber: frame.imNumber };
  }
  if (frame.imNumber === undefined && frame.phone !== undefined && (!needsName || frame.name !== undefined)) {
    return { phone: frame.phone, name: frame.name ?? '' };
  }
  // The frame schemas refuse these shapes already (their one-of checks); kept so the type narrows.
  throw new FrameRefusal(
    'bad_frame',
    needsName
      ? 'frame must hold either imNumber, or phone and name'
      : 'frame must hold either imNumber or phone',
  );
}

export type SendMessageFrame = z.infer<typeof sendMessageFrame>;

/** The error codes a bad frame maps to, so clients can tell them apart. */
const codeFor = (field: string): string => {
  switch (field) {
    case 'text':
      return 'invalid_text';
    case 'to':
      return 'invalid_recipient';
    case 'clientId':
      return 'invalid_client_id';
    case 'imNumber':
    case 'with':
      return 'invalid_recipient';
    case 'phone':
      return 'invalid_phone';
    case 'name':
      return 'invalid_name';
    case 'mood':
      return 'invalid_mood';
    case 'avatarUrl':
      return 'invalid_avatar_url';
    case 'limit':
      return 'invalid_limit';
    case 'before':
    case 'cursor':
      return 'invalid_cursor';
    default:
      return 'bad_frame';
  }
};

/** Parses a raw frame body. Throws a DomainError naming the bad field; never a crash on any input. */
export function parseFrame<T>(schema: z.ZodMiniType<T>, raw: string | undefined | null): T {
  let json: unknown;
  try {
    json = JSON.parse(raw ?? '');
  } catch {
    throw new FrameRefusal('bad_json', 'frame is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FrameRefusal('bad_frame', 'frame must be a JSON object');
  }
  // Every message in the project's words (validation-message.ts), whatever check failed.
  const parsed = schema.safeParse(json, { error: issueRule });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FrameRefusal(codeFor(String(issue.path[0] ?? '')), validationMessage(issue, 'frame'));
  }
  return parsed.data;
}

/** The clientId of a frame, if it has a usable one, so an error can be matched to the message that caused it. */
export function clientIdOf(raw: string | undefined | null): string | undefined {
  try {
    const json = JSON.parse(raw ?? '');
    const id = json?.clientId;
    return typeof id === 'string' && clientId.safeParse(id).success ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The `id` of an ack frame, if it has a usable one (a string of 1-64 characters, as the ack schema takes), so the
 * error answering that ack can name it: acks run in a lane of their own, so their answers come out of order with
 * the answers to other frames (docs/protocol.md, "Order"). Never throws; undefined for anything else.
 */
export function ackIdOf(raw: string | undefined | null): string | undefined {
  try {
    const json = JSON.parse(raw ?? '');
    const id = json?.id;
    return typeof id === 'string' && ackId.safeParse(id).success ? id : undefined;
  } catch {
    return undefined;
  }
}
