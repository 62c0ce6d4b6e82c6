import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { memoryStores } from '../../shared/adapters/memory';
import type { Stores } from '../../shared/core/ports';
import type { MessageRecord, UserProfile } from '../../shared/core/types';
import { startEmbeddedDynamo, type EmbeddedDynamo } from '../../infra/local/embedded-dynamo';

/**
 * The in-memory stores answer exactly as the DynamoDB ones do: one script of reads and conditional writes runs on
 * both (DynamoDB through the real SDK against dynalite), and every answer is compared. This is what lets the
 * core's unit tests on memory stand for the real thing.
 */
let embedded: EmbeddedDynamo;
let client: DynamoDBClient;
beforeAll(async () => {
  embedded = await startEmbeddedDynamo();
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: embedded.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});
afterAll(async () => {
  client.destroy();
  await embedded.close();
});

const T = 1_800_000_000_000;
const profile: UserProfile = {
  imNumber: '12345678',
  name: 'Alice',
  phone: '+14155550100',
  mode: 'online',
  optedOut: false,
  threads: {},
  createdAt: T,
};
const message: MessageRecord = {
  id: 'm-1',
  from: '12345678',
  fromName: 'Alice',
  to: '87654321',
  text: 'hi',
  via: 'im',
  path: ['im'],
  status: 'accepted',
  sentAt: T,
  updatedAt: T,
};

/** Every port method, with the edge each condition guards. Returns the answers in order. */
async function script(s: Stores): Promise<unknown[]> {
  const out: unknown[] = [];
  const note = async (p: Promise<unknown>) => out.push(await p);
  // User directory
  await note(s.users.createUser(profile));
  await note(s.users.createUser({ ...profile, name: 'other' }));
  await note(s.users.getUser(profile.imNumber));
  await note(s.users.getUser('404'));
  await note(s.users.claimName('Alice', profile.imNumber));
  await note(s.users.claimName('ALICE', '999'));
  await note(s.users.findByName('alice'));
  await s.users.releaseName('alice', '999');
  await note(s.users.findByName('Alice'));
  await s.users.releaseName('Alice', profile.imNumber);
  await note(s.users.findByName('Alice'));
  await s.users.setOptOut('+14155550199', true);
  await note(s.users.getPhone('+14155550199'));
  await note(s.users.linkPhone('+14155550199', '555', 'u555'));
  await note(s.users.linkPhone('+14155550199', '666', 'u666'));
  await note(s.users.userOfPhone('+14155550199'));
  await note(s.users.userOfPhone('+14155550000'));
  await s.users.setOptOut(profile.phone, true, profile.imNumber);
  await s.users.setThread(profile.imNumber, '+15005550100', { peer: '87654321', at: T });
  await s.users.setThread('404', '+15005550100', { peer: '87654321', at: T });
  await note(s.users.getUser(profile.imNumber));
  await note(s.users.getUser('404'));
  // Login status
  await note(s.logins.setMode(profile.imNumber, 'offline'));
  await note(s.logins.setMode('404', 'offline'));
  await s.logins.putConnection(profile.imNumber, { connectionId: 'b', connectedAt: T, expiresAt: T + 10 });
  await s.logins.putConnection(profile.imNumber, { connectionId: 'a', connectedAt: T, expiresAt: T - 10 });
  await note(s.logins.touchConnection(profile.imNumber, 'a', T + 20));
  await note(s.logins.touchConnection(profile.imNumber, 'zz', T + 20));
  await s.logins.deleteConnection(profile.imNumber, 'b');
  await note(s.logins.getRecipient(profile.imNumber));
  await note(s.logins.getRecipient('404'));
  await s.users.deleteUser(profile.imNumber);
  await note(s.logins.getRecipient(profile.imNumber));
  // Message log
  await note(s.messages.putMessage(message));
  await note(s.messages.putMessage({ ...message, text: 'again' }));
  await note(s.messages.transitionMessage('m-1', ['sending_sms'], { status: 'failed' }));
  await note(s.messages.transitionMessage('m-1', ['accepted'], { status: 'delivered' }, { to: 'someone' }));
  await note(
    s.messages.transitionMessage('m-1', ['accepted'], { status: 'sending_sms' }, { updatedAt: T + 1 }),
  );
  await note(
    s.messages.transitionMessage(
      'm-1',
      ['accepted'],
      { status: 'sending_sms', path: ['im', 'sms'], updatedAt: T + 5 },
      { to: '87654321', updatedAt: T },
    ),
  );
  await note(s.messages.transitionMessage('m-404', ['accepted'], { status: 'delivered' }));
  await note(s.messages.transitionMessage('m-1', ['sending_sms'], { reason: undefined, resends: 1 }));
  await note(s.messages.getMessage('m-1'));
  await note(s.messages.getMessage('m-404'));
  // Codes
  await s.codes.putOtp('+14155550100', { hash: 'h1', expiresAt: T + 100, tries: 0, sealed: '000123' }, 600);
  await note(s.codes.getOtp('+14155550100'));
  await note(s.codes.getOtp('+14155550404'));
  const budget = (segments: number) => [
    { name: 'segments', amount: segments, limit: 5 },
    { name: 'to:+14155550100', amount: 1, limit: 2 },
  ];
  await note(s.rates.spendBudget('sms:1', 86_400_000, budget(4), T));
  await note(s.rates.spendBudget('sms:1', 86_400_000, budget(2), T));
  await note(s.rates.spendBudget('sms:1', 86_400_000, budget(1), T));
  await note(s.rates.spendBudget('sms:1', 86_400_000, budget(1), T));
  await note(s.rates.spendBudget('sms:1', 86_400_000, budget(9), T + 86_400_000));
  await note(s.rates.spendBudget('sms:1', 86_400_000, budget(1), T + 86_400_000));
  await note(s.codes.attemptOtp('+14155550100', T, 2));
  await note(s.codes.attemptOtp('+14155550100', T, 2));
  await note(s.codes.attemptOtp('+14155550100', T, 2));
  await note(s.codes.attemptOtp('+14155550100', T + 100, 5));
  await note(s.codes.attemptOtp('+14155550404', T, 5));
  await note(s.codes.consumeOtp('+14155550100', 'wrong'));
  await note(s.codes.consumeOtp('+14155550100', 'h1'));
  await note(s.codes.consumeOtp('+14155550100', 'h1'));
  // Rate limits
  for (let i = 0; i < 3; i++) await note(s.rates.hitRateLimit('ip:x', 1000, 2, T));
  await note(s.rates.hitRateLimit('ip:x', 1000, 2, T + 1000));
  // Idempotency
  await note(s.once.claimOnce('sms:SM1', T, 60));
  await note(s.once.claimOnce('sms:SM1', T + 59_999, 60));
  await note(s.once.claimOnce('sms:SM1', T + 60_000, 60));
  return out;
}

it('answers every read and conditional write exactly as the DynamoDB stores do', async () => {
  await ensureTable(client, 'parity');
  const dynamo = await script(dynamoStores(client, 'parity'));
  const memory = await script(memoryStores());
  expect(memory).toEqual(dynamo);
  // The script reaches both sides of the conditions, so equal answers are not trivially equal.
  expect(dynamo.filter((a) => a === true).length).toBeGreaterThan(5);
  expect(dynamo.filter((a) => a === false || a === null).length).toBeGreaterThan(5);
});
