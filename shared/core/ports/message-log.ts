import type { MessageRecord, MessageStatus } from '../types';

/** The message log: every message, its status and channel path. Transitions are conditional writes. */
export interface MessageLog {
  /** Creates the message unless its id exists (the idempotency key); 'exists' means a duplicate. */
  putMessage(message: MessageRecord): Promise<'created' | 'exists'>;
  getMessage(id: string): Promise<MessageRecord | null>;
  /**
   * Applies `changes` only if the message exists, its status is one of `from` and the guard holds (its
   * recipient is `guard.to`; it was last updated at `guard.updatedAt`). Returns the updated message, or null
   * when the condition did not hold. This is how each transition happens exactly once without transactions.
   */
  transitionMessage(
    id: string,
    from: MessageStatus[],
    changes: Partial<MessageRecord>,
    guard?: { to?: string; updatedAt?: number },
  ): Promise<MessageRecord | null>;
}
