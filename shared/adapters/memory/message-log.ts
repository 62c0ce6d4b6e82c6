import type { MessageLog } from '../../core/ports';
import { conversationCursor, conversationOf } from '../../core/ports/message-log';
import type { Channel, MessageRecord, MessageStatus } from '../../core/types';
import { copy, type MemoryTable } from './table';

/** The message log in memory, with the DynamoDB adapter's conditions (../dynamo/message-log.ts). */
export class MemoryMessageLog implements MessageLog {
  constructor(private readonly t: MemoryTable) {}

  async putMessage(message: MessageRecord): Promise<'created' | 'exists'> {
    if (this.t.messages.has(message.id)) return 'exists';
    this.t.messages.set(message.id, copy(message));
    return 'created';
  }

  /** Always current: memory has no replicas, so `consistent: false` reads the same. */
  async getMessage(id: string, _opts?: { consistent?: boolean }): Promise<MessageRecord | null> {
    const m = this.t.messages.get(id);
    return m ? copy(m) : null;
  }

  async transitionMessage(
    id: string,
    from: MessageStatus[],
    changes: Partial<MessageRecord>,
    guard: { to?: string; updatedAt?: number; judged?: Channel } = {},
  ): Promise<MessageRecord | null> {
    const m = this.t.messages.get(id);
    if (!m || !from.includes(m.status)) return null;
    if (guard.to !== undefined && m.to !== guard.to) return null;
    if (guard.updatedAt !== undefined && m.updatedAt !== guard.updatedAt) return null;
    if (guard.judged !== undefined && m.judged !== guard.judged) return null;
    // SET of the defined changes only, as the UpdateExpression does.
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    const next = { ...m, ...copy(defined) } as MessageRecord;
    this.t.messages.set(id, next);
    return copy(next);
  }

  async conversation(
    a: string,
    b: string,
    limit: number,
    before?: string,
  ): Promise<{ messages: MessageRecord[]; next?: string }> {
    const conv = conversationOf(a, b);
    const messages = [...this.t.messages.values()]
      .filter((m) => conversationOf(m.from, m.to) === conv)
      .filter((m) => before === undefined || conversationCursor(m) < before)
      .sort((x, y) => (conversationCursor(x) < conversationCursor(y) ? 1 : -1))
      .slice(0, limit)
      .map(copy);
    const last = messages[messages.length - 1];
    return messages.length === limit && last ? { messages, next: conversationCursor(last) } : { messages };
  }
}
