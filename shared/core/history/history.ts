import { badInput } from '../errors';
import { cutToJsonBytes, jsonBytes, pageCount } from '../frame-budget';
import type { Deps, ImEvent } from '../ports';
import type { MessageRecord } from '../types';
import { CONVERSATION_CURSOR_PATTERN, conversationCursor } from '../ports/message-log';

/** A history page holds 1..MAX_HISTORY_LIMIT messages; DEFAULT_HISTORY_LIMIT when the client names none. */
export const MAX_HISTORY_LIMIT = 100;
export const DEFAULT_HISTORY_LIMIT = 50;
/**
 * A page's messages take at most this many bytes of JSON (with the commas between them), so its frame stays
 * under API Gateway's 32 KB frame limit by construction (the rest of the frame: type, with, next, under 200
 * bytes); a page cut short says so with `next`. The longest valid message (4,000 code points JSON escapes to 6
 * bytes each) takes about 24.4 KB, so it always fits whole; a longer text from a source no rule bounds (a
 * webhook's SMS body) is cut to fit, ending with '…', as its `message` frame is.
 */
export const HISTORY_PAGE_BYTES = 30_000;
/** The JSON a history entry adds besides its strings (keys, date, via, path, status), generously. */
const ENTRY_OVERHEAD_BYTES = 300;
/** A name or a failure reason longer than this (no rule makes one) is cut before a text is. */
const SHORT_FIELD_BYTES = 256;

/** An upper bound of the JSON bytes of a message as a history entry. */
const entryBytes = (m: MessageRecord): number =>
  jsonBytes(m.text) +
  jsonBytes(m.fromName) +
  jsonBytes(m.reason ?? '') +
  jsonBytes(m.id) +
  jsonBytes(m.from) +
  jsonBytes(m.to) +
  ENTRY_OVERHEAD_BYTES;

/** The message as it is, or, when its entry would take more than a page, with its strings cut to fit. */
function fitEntry(m: MessageRecord): MessageRecord {
  if (entryBytes(m) <= HISTORY_PAGE_BYTES) return m;
  const short: MessageRecord = {
    ...m,
    fromName: cutToJsonBytes(m.fromName, SHORT_FIELD_BYTES),
    ...(m.reason ? { reason: cutToJsonBytes(m.reason, SHORT_FIELD_BYTES) } : {}),
    text: '',
  };
  return { ...short, text: cutToJsonBytes(m.text, HISTORY_PAGE_BYTES - entryBytes(short) + 2) };
}

/**
 * One page of the caller's conversation with a contact, newest first, across both channels: messages sent or
 * received by IM, by SMS while offline, and those the caller texted from their own phone. Reads: one Get of
 * the contact row (only a contact's history is served) and one Query of the conversation index.
 * Errors (nothing read): `unknown_contact` when `with` is not an IM contact of the caller, `invalid_limit`,
 * `invalid_cursor`.
 */
export async function history(
  deps: Deps,
  caller: string,
  request: { with: string; before?: string; limit?: number },
): Promise<ImEvent> {
  const limit = request.limit ?? DEFAULT_HISTORY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT) {
    throw badInput(`limit must be an integer from 1 to ${MAX_HISTORY_LIMIT}`, 'invalid_limit');
  }
  if (request.before !== undefined && !CONVERSATION_CURSOR_PATTERN.test(request.before)) {
    throw badInput('before must be the next cursor of an earlier history page', 'invalid_cursor');
  }
  if (request.with === caller || !(await deps.contacts.getContact(caller, { imNumber: request.with }))) {
    throw badInput('history is kept for your IM contacts only; add them first', 'unknown_contact');
  }
  const page = await deps.messages.conversation(caller, request.with, limit, request.before);
  const fitted = page.messages.map(fitEntry);
  const kept = pageCount(fitted.map(entryBytes), HISTORY_PAGE_BYTES);
  const messages = fitted.slice(0, kept);
  const next = kept < page.messages.length ? conversationCursor(messages[kept - 1]) : page.next;
  return { kind: 'history', with: request.with, messages, ...(next ? { next } : {}) };
}
