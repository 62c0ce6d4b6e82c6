import * as z from 'zod/mini';
import { IM_NUMBER_PATTERN } from '../core/conversion/addressing';
import { MAX_TEXT_CHARS } from '../core/conversion/message-text';
import { DomainError } from '../core/errors';

const imNumber = z.string().check(z.regex(IM_NUMBER_PATTERN, 'must be an imNumber (digits)'));
const clientId = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[\x21-\x7e]+$/, 'must be 1-64 printable ASCII characters'),
  );

export const sendMessageFrame = z.object({
  action: z.literal('sendMessage'),
  to: imNumber,
  text: z.string().check(
    z.refine((t) => t.trim().length > 0, 'must not be empty'),
    z.refine((t) => [...t].length <= MAX_TEXT_CHARS, `must be at most ${MAX_TEXT_CHARS} characters`),
  ),
  clientId,
});

export const ackFrame = z.object({
  action: z.literal('ack'),
  id: z.string().check(z.minLength(1), z.maxLength(64)),
});
export const setPresenceFrame = z.object({
  action: z.literal('setPresence'),
  status: z.enum(['online', 'offline']),
});
export const pingFrame = z.object({ action: z.literal('ping') });

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
    throw new DomainError('bad_json', 'frame is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DomainError('bad_frame', 'frame must be a JSON object');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0] ?? '');
    throw new DomainError(codeFor(field), field ? `${field} ${issue.message}` : issue.message);
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
