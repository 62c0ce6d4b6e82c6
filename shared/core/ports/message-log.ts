import type { Channel, MessageRecord, MessageStatus } from '../types';

/** The message log: every message, its status and channel path. Transitions are conditional writes. */
export interface MessageLog {
  /** Creates the message unless its id exists (the idempotency key); 'exists' means a duplicate. */
  putMessage(message: MessageRecord): Promise<'created' | 'exists'>;
  /**
   * The message with that id, or null. Strongly consistent unless `consistent: false` (half the read units; it
   * may miss a write of the last moments, so only a caller that can tell such a miss apart asks for it: the
   * delivery check, delivery/ack-timeout.ts).
   */
  getMessage(id: string, opts?: { consistent?: boolean }): Promise<MessageRecord | null>;
  /**
   * Applies `changes` only if the message exists, its status is one of `from` and the guard holds (its
   * recipient is `guard.to`; it was last updated at `guard.updatedAt`; its webhook judged it `guard.judged`).
   * Returns the updated message (all of it, so the caller need not read it), or null
   * when the condition did not hold. This is how each transition happens exactly once without transactions.
   */
  transitionMessage(
    id: string,
    from: MessageStatus[],
    changes: Partial<MessageRecord>,
    guard?: { to?: string; updatedAt?: number; judged?: Channel },
  ): Promise<MessageRecord | null>;
  /**
   * One page of the conversation between users `a` and `b` (either direction, either channel), newest first:
   * at most `limit` messages sent before the cursor `before` (a `next` from an earlier page). `next` is set
   * when a full page came back. One Query on AWS, never a Scan.
   */
  conversation(
    a: string,
    b: string,
    limit: number,
    before?: string,
  ): Promise<{ messages: MessageRecord[]; next?: string }>;
}

/** The conversation a message belongs to: its two users, in a fixed order, so both directions share it. */
export const conversationOf = (a: string, b: string): string => (a < b ? `${a}#${b}` : `${b}#${a}`);

/** A message's place in its conversation, and the history cursor: zero-padded sentAt (ms), then its id. */
export const conversationCursor = (message: { sentAt: number; id: string }): string =>
  `${String(message.sentAt).padStart(15, '0')}#${message.id}`;

/** The shape of a history cursor, for validating one that came from outside. */
export const CONVERSATION_CURSOR_PATTERN = /^\d{15}#[A-Za-z0-9_-]{1,64}$/;
