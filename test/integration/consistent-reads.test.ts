import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { onAckTimeout } from '../../shared/core/delivery/ack-timeout';

/**
 * dynalite is always consistent, so a missing ConsistentRead cannot show there: these tests read the command
 * each decision read sends (issue 14, item 10), and that the reads that decide nothing stay eventual (half the
 * RCU).
 */
describe('reads on a decision path are strongly consistent', () => {
  const mock = mockClient(DynamoDBDocumentClient);
  const stores = () => dynamoStores(new DynamoDBClient({ region: 'us-east-1' }), 'imsms');
  afterEach(() => mock.reset());
  afterAll(() => mock.restore());

  it('the judgement: the recipient partition Query', async () => {
    mock.on(QueryCommand).resolves({
      Items: [
        { pk: 'USER#1000001', sk: 'CONN#c1', connectionId: 'c1', connectedAt: 1, expiresAt: 2 },
        { pk: 'USER#1000001', sk: 'PROFILE', imNumber: '1000001', name: 'a', phone: '+14155550100' },
      ],
    });
    const recipient = await stores().logins.getRecipient('1000001');
    expect(recipient?.connections).toHaveLength(1);
    const calls = mock.commandCalls(QueryCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toMatchObject({ ConsistentRead: true });
  });

  it('the message log: getMessage is strong unless asked otherwise (re-read before a retry, ack, duplicate)', async () => {
    mock.on(GetCommand).resolves({});
    await stores().messages.getMessage('m1');
    await stores().messages.getMessage('m1', { consistent: false });
    const [strong, eventual] = mock.commandCalls(GetCommand).map((c) => c.args[0].input);
    expect(strong).toMatchObject({ Key: { pk: 'MSG#m1', sk: 'MSG' }, ConsistentRead: true });
    expect(eventual).toMatchObject({ Key: { pk: 'MSG#m1', sk: 'MSG' } });
    expect(eventual.ConsistentRead).toBeUndefined();
  });

  it('the delivery check reads eventually, and again strongly only when that found no message', async () => {
    const s = stores();
    const deps = { messages: s.messages } as unknown as Parameters<typeof onAckTimeout>[0];
    // Settled: one eventual read decides (nothing to do).
    mock.on(GetCommand).resolves({ Item: { pk: 'MSG#m1', sk: 'MSG', id: 'm1', status: 'delivered' } });
    await onAckTimeout(deps, 'm1');
    expect(mock.commandCalls(GetCommand).map((c) => c.args[0].input.ConsistentRead)).toEqual([undefined]);
    // No row as the replica saw it: read again strongly (here it is really gone, and the check ends).
    mock.reset();
    mock.on(GetCommand).resolves({});
    await onAckTimeout(deps, 'm2');
    expect(mock.commandCalls(GetCommand).map((c) => c.args[0].input.ConsistentRead)).toEqual([
      undefined,
      true,
    ]);
  });

  it('a profile read is consistent only when asked; a lost phone-link race reads the winner consistently', async () => {
    mock.on(GetCommand).resolves({});
    const s = stores();
    await s.users.getUser('1000001');
    await s.users.getUser('1000001', { consistent: true });
    const [eventual, consistent] = mock.commandCalls(GetCommand).map((c) => c.args[0].input);
    expect(eventual.ConsistentRead).toBeUndefined();
    expect(consistent.ConsistentRead).toBe(true);

    mock.reset();
    mock.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'taken', $metadata: {} }));
    mock.on(GetCommand).resolves({
      Item: { pk: 'PHONE#+14155550100', sk: 'PHONE', phone: '+14155550100', imNumber: '1000002' },
    });
    const won = await s.users.linkPhone('+14155550100', '1000001');
    expect(won.imNumber).toBe('1000002');
    expect(mock.commandCalls(GetCommand)[0].args[0].input).toMatchObject({ ConsistentRead: true });
  });
});
