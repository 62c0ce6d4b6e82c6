import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Invitation, InvitationStore } from '../../core/ports';
import { userPk, type Item, type Table } from './table';

const inviteKey = (phone: string) => ({ pk: `INVITE#${phone}`, sk: 'INVITE' });
/** After PROFILE and ROSTER#, so neither the login-status nor the contacts Query reads it. */
const sentKey = (inviter: string, phone: string) => ({ pk: userPk(inviter), sk: `SENTINV#${phone}` });

const toInvitation = (item: Item): Invitation => {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item;
  return rest as Invitation;
};

/** Invitations on the shared table: INVITE#<phone> rows, and SENTINV#<phone> pointers in the inviter's partition. */
export class DynamoInvitationStore implements InvitationStore {
  constructor(private readonly table: Table) {}

  async getInvitation(phone: string): Promise<Invitation | null> {
    const { Item } = await this.table.doc.send(
      new GetCommand({ TableName: this.table.name, Key: inviteKey(phone) }),
    );
    return Item ? toInvitation(Item) : null;
  }

  async putInvitation(invitation: Invitation, now: number): Promise<'created' | 'blocked'> {
    const ok = await this.table.conditional(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...inviteKey(invitation.phone), type: 'invitation', ...invitation },
        ConditionExpression:
          'attribute_not_exists(pk) OR (#status IN (:a, :d, :e) AND (attribute_not_exists(cooldownUntil) OR cooldownUntil <= :now))',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':a': 'accepted', ':d': 'declined', ':e': 'expired', ':now': now },
      }),
    );
    if (!ok) return 'blocked';
    await this.table.doc.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...sentKey(invitation.inviter, invitation.phone),
          type: 'sent-invitation',
          phone: invitation.phone,
        },
      }),
    );
    return 'created';
  }

  async closeInvitation(
    phone: string,
    createdAt: number,
    changes: Pick<Invitation, 'status'> &
      Partial<Pick<Invitation, 'cooldownUntil' | 'invitee' | 'withdrawn'>>,
  ): Promise<Invitation | null> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':pending': 'pending', ':created': createdAt };
    const sets: string[] = [];
    Object.entries(changes).forEach(([key, value], i) => {
      if (value === undefined) return;
      names[`#c${i}`] = key;
      values[`:c${i}`] = value;
      sets.push(`#c${i} = :c${i}`);
    });
    try {
      const { Attributes } = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: inviteKey(phone),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: '#status = :pending AND createdAt = :created',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toInvitation(Attributes!);
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return null;
      throw err;
    }
  }

  async invitedBy(inviter: string, limit: number): Promise<string[]> {
    const { Items = [] } = await this.table.doc.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':pk': userPk(inviter), ':s': 'SENTINV#' },
        Limit: limit,
      }),
    );
    return Items.map((item) => item.phone as string);
  }

  async forgetInvited(inviter: string, phone: string): Promise<void> {
    await this.table.doc.send(
      new DeleteCommand({ TableName: this.table.name, Key: sentKey(inviter, phone) }),
    );
  }
}
