import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { MessageLog } from '../../core/ports';
import { conversationCursor, conversationOf } from '../../core/ports/message-log';
import { CONVERSATION_INDEX } from '../dynamo-table';
import type { Channel, MessageRecord, MessageStatus } from '../../core/types';
import { msgKey, toMessage, type Table } from './table';

/**
 * The message log on the shared table: MSG#… rows; transitions are conditional updates. Each row also carries
 * its conversation keys, which the byConversation index serves history from.
 */
export class DynamoMessageLog implements MessageLog {
  constructor(private readonly table: Table) {}

  async putMessage(message: MessageRecord): Promise<'created' | 'exists'> {
    const ok = await this.table.conditional(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...msgKey(message.id),
          type: 'message',
          ...message,
          conv: conversationOf(message.from, message.to),
          convAt: conversationCursor(message),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return ok ? 'created' : 'exists';
  }

  /**
   * Strongly consistent by default: these callers decide on it right after another process's confirmed write
   * (the re-read before an SMS retry after a status callback, an ack's unknown-or-late answer, a duplicate's
   * answer). The delivery check reads eventually consistent (`consistent: false`, 0.5 RCU) and re-reads strongly
   * only when that found nothing (delivery/ack-timeout.ts says why that is safe).
   */
  async getMessage(id: string, opts: { consistent?: boolean } = {}): Promise<MessageRecord | null> {
    const { Item } = await this.table.doc.send(
      new GetCommand({
        TableName: this.table.name,
        Key: msgKey(id),
        ...(opts.consistent === false ? {} : { ConsistentRead: true }),
      }),
    );
    return Item ? toMessage(Item) : null;
  }

  async transitionMessage(
    id: string,
    from: MessageStatus[],
    changes: Partial<MessageRecord>,
    guard: { to?: string; updatedAt?: number; judged?: Channel } = {},
  ): Promise<MessageRecord | null> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    Object.entries(changes).forEach(([key, value], i) => {
      if (value === undefined) return;
      names[`#c${i}`] = key;
      values[`:c${i}`] = value;
      sets.push(`#c${i} = :c${i}`);
    });
    const allowed = from.map((s, i) => {
      values[`:s${i}`] = s;
      return `:s${i}`;
    });
    let condition = `attribute_exists(pk) AND #status IN (${allowed.join(', ')})`;
    if (guard.to !== undefined) {
      names['#to'] = 'to';
      values[':to'] = guard.to;
      condition += ' AND #to = :to';
    }
    if (guard.updatedAt !== undefined) {
      names['#upd'] = 'updatedAt';
      values[':upd'] = guard.updatedAt;
      condition += ' AND #upd = :upd';
    }
    if (guard.judged !== undefined) {
      names['#judged'] = 'judged';
      values[':judged'] = guard.judged;
      condition += ' AND #judged = :judged';
    }
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: msgKey(id),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toMessage(Attributes!);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return null;
      throw err;
    }
  }

  async conversation(
    a: string,
    b: string,
    limit: number,
    before?: string,
  ): Promise<{ messages: MessageRecord[]; next?: string }> {
    const values: Record<string, unknown> = { ':conv': conversationOf(a, b) };
    let condition = 'conv = :conv';
    if (before !== undefined) {
      values[':before'] = before;
      condition += ' AND convAt < :before';
    }
    const { Items = [] } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        IndexName: CONVERSATION_INDEX.name,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const messages = Items.map(toMessage);
    const last = messages[messages.length - 1];
    return messages.length === limit && last ? { messages, next: conversationCursor(last) } : { messages };
  }
}
