import { badInput } from '../errors';
import type { Deps, ImEvent } from '../ports';
import { CONVERSATION_CURSOR_PATTERN, conversationCursor } from '../ports/message-log';

/** A history page holds 1..MAX_HISTORY_LIMIT messages; DEFAULT_HISTORY_LIMIT when the client names none. */
export const MAX_HISTORY_LIMIT = 100;
export const DEFAULT_HISTORY_LIMIT = 50;
/**
 * A page's messages take at most about this many bytes of JSON, so its frame stays under API Gateway's 32 KB
 * frame limit; a page cut short says so with `next`. One message always fits (its own frame does).
 */
export const HISTORY_PAGE_BYTES = 24_000;
/** The JSON a history entry adds besides its text and name (ids, dates, status, path), generously. */
const ENTRY_OVERHEAD_BYTES = 300;

const utf8 = new TextEncoder();
const jsonBytes = (text: string) => utf8.encode(JSON.stringify(text)).length;

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
  let bytes = 0;
  let kept = 0;
  for (const m of page.messages) {
    bytes += jsonBytes(m.text) + jsonBytes(m.fromName) + (m.reason?.length ?? 0) + ENTRY_OVERHEAD_BYTES;
    if (kept > 0 && bytes > HISTORY_PAGE_BYTES) break;
    kept++;
  }
  const messages = page.messages.slice(0, kept);
  const next = kept < page.messages.length ? conversationCursor(messages[kept - 1]) : page.next;
  return { kind: 'history', with: request.with, messages, ...(next ? { next } : {}) };
}
