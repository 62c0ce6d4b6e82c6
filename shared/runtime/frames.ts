import * as z from 'zod/mini';
import { IM_NUMBER_PATTERN } from '../core/conversion/addressing';
import { CONTACTS_CURSOR_PATTERN, MAX_CONTACTS_PAGE } from '../core/contacts/page-rules';
import {
  AVATAR_URL_PATTERN,
  MAX_AVATAR_URL_CHARS,
  MAX_CONTACT_NAME_CHARS,
  MAX_MOOD_CHARS,
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

const imNumber = z.string().check(z.regex(IM_NUMBER_PATTERN, 'must be an imNumber (digits)'));
const clientId = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[\x21-\x7e]+$/, 'must be 1-64 printable ASCII characters'),
  );

/**
 * A message text: 1 to MAX_TEXT_CHARS code points (an emoji outside the BMP is one, a lone surrogate is one), not
 * only whitespace and format characters (Cf) (String.prototype.trim's set: tab, VT, FF, U+FEFF, the Zs spaces, LF, CR, U+2028/9). Zod's own
 * minLength/maxLength count UTF-16 code units, so the checks are refinements on code points; they carry the
 * JSON Schema that says the same, for the published schema: `minLength`/`maxLength`, which JSON Schema counts in
 * code points, and `pattern: "[^\\s\\p{Cf}]"` (a character that is neither whitespace nor a format character such
 * as U+200B, which shows as nothing; JSON Schema patterns are ECMA-262 regular expressions, whose `\\s` is
 * exactly trim's set).
 */
const messageText = z
  .string()
  .check(
    z.refine(hasVisibleCharacter, 'must not be empty (nor only spaces and invisible format characters)'),
    z.refine((t) => [...t].length <= MAX_TEXT_CHARS, `must be at most ${MAX_TEXT_CHARS} characters`),
  )
  .register(z.globalRegistry, { minLength: 1, maxLength: MAX_TEXT_CHARS, pattern: VISIBLE_CHARACTER });

export const sendMessageFrame = z.object({
  action: z.literal('sendMessage'),
  to: imNumber,
  text: messageText,
  clientId,
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
/** A contact's or invitee's name: 1-64 code points, no control characters, not only spaces. */
const contactName = boundedText(
  MAX_CONTACT_NAME_CHARS,
  NAMED_TEXT_PATTERN,
  'must have a character that is neither a space nor invisible, and no control characters',
);

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
 * `e` + U+0301 to `é`) and the full-width `＿ ． －` (NFKC makes them `_ . -`). The rest of the name rule needs
 * Unicode data or the server's data, which a pattern cannot hold, and is the core's (`invalid_name`,
 * `name_taken`): NFKC first, then one script per name, no look-alike of a default name (`u12345678`), and no
 * name that looks like one someone else holds.
 */
export const NAME_INPUT_PATTERN =
  /^\s*\p{L}\p{M}*(?:(?:[\p{L}\p{N}_.\-\uff0d\uff0e\uff3f]\p{M}*){0,30}[\p{L}\p{N}]\p{M}*)?\s*$/u;
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
  .check(z.refine((t) => NAME_INPUT_PATTERN.test(t), NAME_RULE))
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
