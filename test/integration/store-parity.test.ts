import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { memoryStores } from '../../shared/adapters/memory';
import type { Stores } from '../../shared/core/ports';
import type { MessageRecord, UserProfile } from '../../shared/core/types';
import { useEmbeddedDynamo } from '../support/embedded-client';

/**
 * The in-memory stores answer exactly as the DynamoDB ones do: one script of reads and conditional writes runs on
 * both (DynamoDB through the real SDK against dynalite), and every answer is compared. This is what lets the
 * core's unit tests on memory stand for the real thing.
 */
const db = useEmbeddedDynamo();

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
  await note(s.users.linkPhone('+14155550199', '555'));
  await note(s.users.linkPhone('+14155550199', '666'));
  await note(s.users.userOfPhone('+14155550199'));
  await note(s.users.userOfPhone('+14155550000'));
  await s.users.setOptOut(profile.phone, true, profile.imNumber);
  await s.users.setThread(profile.imNumber, '+15005550100', { peer: '87654321', at: T });
  await s.users.setThread('404', '+15005550100', { peer: '87654321', at: T });
  await note(s.users.getUser(profile.imNumber));
  await note(s.users.getUser('404'));
  // Login status
  // The mode each write replaced: online (none set yet), offline, then none for a user that is not there.
  await note(s.logins.setMode(profile.imNumber, 'offline'));
  await note(s.logins.setMode(profile.imNumber, 'offline'));
  await note(s.logins.setMode('404', 'offline'));
  await s.logins.putConnection(profile.imNumber, { connectionId: 'b', connectedAt: T, expiresAt: T + 10 });
  await s.logins.putConnection(profile.imNumber, { connectionId: 'a', connectedAt: T, expiresAt: T - 10 });
  await note(s.logins.touchConnection(profile.imNumber, 'a', T + 20));
  await note(s.logins.touchConnection(profile.imNumber, 'zz', T + 20));
  await note(s.logins.touchConnection(profile.imNumber, 'a', T + 30, T + 5));
  await note(
    s.logins.recordLink(profile.imNumber, 'a', { srtt: 310, rttvar: 120, samples: 4, seenAt: T + 6 }),
  );
  await note(s.logins.recordLink(profile.imNumber, 'zz', { srtt: 1, rttvar: 1, samples: 1, seenAt: T }));
  // With ifSamples, only over the stats the writer saw (none yet counts as 0).
  await note(
    s.logins.recordLink(profile.imNumber, 'a', { srtt: 1, rttvar: 1, samples: 1, seenAt: T + 7 }, 0),
  );
  await note(
    s.logins.recordLink(profile.imNumber, 'a', { srtt: 320, rttvar: 110, samples: 5, seenAt: T + 8 }, 4),
  );
  await note(
    s.logins.recordLink(profile.imNumber, 'b', { srtt: 300, rttvar: 100, samples: 1, seenAt: T + 8 }, 0),
  );
  await note(s.logins.getRecipient(profile.imNumber));
  // Whether the delete took a row: the first did, the second found it gone.
  await note(s.logins.deleteConnection(profile.imNumber, 'b'));
  await note(s.logins.deleteConnection(profile.imNumber, 'b'));
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
  // A text's route check claims only the channel its webhook judged (guard.judged).
  await note(
    s.messages.putMessage({ ...message, id: 'm-r', via: 'sms', path: [], status: 'routing', judged: 'sms' }),
  );
  await note(
    s.messages.transitionMessage('m-r', ['routing'], { status: 'accepted', path: ['im'] }, { judged: 'im' }),
  );
  await note(
    s.messages.transitionMessage(
      'm-r',
      ['routing'],
      { status: 'sending_sms', path: ['sms'] },
      { judged: 'sms' },
    ),
  );
  // Conversation history (the byConversation index on DynamoDB): both directions, paged, newest first.
  for (let i = 2; i <= 5; i++) {
    const back = i % 2 === 0;
    await s.messages.putMessage({
      ...message,
      id: `m-${i}`,
      from: back ? message.to : message.from,
      to: back ? message.from : message.to,
      sentAt: T + i,
    });
  }
  await s.messages.putMessage({ ...message, id: 'm-other', to: '11111111', sentAt: T + 9 });
  const page = await s.messages.conversation('87654321', '12345678', 3);
  out.push(page);
  await note(s.messages.conversation('12345678', '87654321', 3, page.next));
  await note(s.messages.conversation('12345678', '404', 3));
  // Contacts and profile fields
  await s.users.createUser({ ...profile, imNumber: '22222222' });
  await note(s.users.updateProfile('22222222', { mood: 'hi', avatarUrl: 'https://a.test/x.png' }));
  await note(s.users.updateProfile('22222222', { mood: '' }));
  await note(s.users.updateProfile('404', { mood: 'x' }));
  await note(s.contacts.contactsPage('22222222', 10));
  const im = { kind: 'im', imNumber: '33333333', name: 'Bob', addedAt: T } as const;
  await note(s.contacts.addContact('22222222', im));
  await note(s.contacts.addContact('22222222', { ...im, name: 'again' }));
  await note(
    s.contacts.addContact('22222222', { kind: 'phone', phone: '+14155550111', name: 'Dan', addedAt: T }),
  );
  await note(s.contacts.contactsPage('22222222', 10));
  await note(s.contacts.contactsPage('22222222', 1));
  await note(s.contacts.contactsPage('22222222', 1, { imNumber: '33333333' }));
  await note(s.contacts.contactsPage('22222222', 2, { imNumber: '30000000' })); // a key no longer (or never) there
  await note(s.contacts.contactsPage('22222222', 5, { phone: '+14155550111' }));
  await note(s.contacts.getContact('22222222', { phone: '+14155550111' }));
  await note(s.contacts.getContact('22222222', { imNumber: '404' }));
  for (const w of ['44444444', '55555555', '66666666']) {
    await s.users.createUser({ ...profile, imNumber: w }); // a list belongs to a user: no profile, no slot
    await s.contacts.addContact(w, { ...im });
  }
  await note(s.contacts.addContact('404', { ...im })); // no profile: 'full', and no stray profile row
  await note(s.users.getUser('404'));
  const watchers = await s.contacts.watchers('33333333', 2);
  out.push(watchers);
  await note(s.contacts.watchers('33333333', 2, watchers.next));
  await note(s.contacts.removeContact('22222222', { imNumber: '33333333' }));
  await note(s.contacts.removeContact('22222222', { imNumber: '33333333' }));
  await note(s.contacts.watchers('33333333', 10));
  await note(s.users.getUser('22222222'));
  // Invitations: one per phone; conditional close; cooldown
  const inv = {
    phone: '+16505550100',
    inviter: '22222222',
    inviterName: 'Alice',
    name: 'Dan',
    status: 'pending',
    serviceNumber: '+15005550100',
    createdAt: T,
    expiresAt: T + 100,
  } as const;
  await note(s.invitations.putInvitation(inv, T));
  await note(s.invitations.putInvitation({ ...inv, inviter: '33333333' }, T));
  await note(s.invitations.closeInvitation(inv.phone, T + 1, { status: 'declined' }));
  await note(s.invitations.closeInvitation(inv.phone, T, { status: 'declined', cooldownUntil: T + 50 }));
  await note(s.invitations.closeInvitation(inv.phone, T, { status: 'accepted' }));
  await note(s.invitations.putInvitation({ ...inv, createdAt: T + 10 }, T + 49));
  await note(s.invitations.putInvitation({ ...inv, createdAt: T + 50 }, T + 50));
  await note(s.invitations.getInvitation(inv.phone));
  await note(s.invitations.getInvitation('+16505550404'));
  await note(s.invitations.closeInvitation(inv.phone, T + 50, { status: 'cancelled' }));
  await note(s.invitations.putInvitation({ ...inv, createdAt: T + 999 }, T + 999));
  await note(s.invitations.invitedBy('22222222', 10));
  await s.invitations.forgetInvited('22222222', inv.phone);
  await note(s.invitations.invitedBy('22222222', 10));
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
  // A rate-limit token held by a provider id: the same holder gets it again, another does not.
  await note(s.once.claimOnce('reply:+14155550100', T, 60, 'SM-a'));
  await note(s.once.claimOnce('reply:+14155550100', T + 1, 60, 'SM-a'));
  await note(s.once.claimOnce('reply:+14155550100', T + 2, 60, 'SM-b'));
  await note(s.once.claimOnce('reply:+14155550100', T + 3, 60));
  // Once-only work: claimed, busy while leased, free again when released or its lease runs out, done when
  // completed (and a completed key is not released).
  await note(s.once.begin('sms:SM2', T, 30));
  await note(s.once.begin('sms:SM2', T + 1, 30));
  await s.once.release('sms:SM2');
  await note(s.once.begin('sms:SM2', T + 2, 30));
  await note(s.once.begin('sms:SM2', T + 30_002, 30));
  await s.once.complete('sms:SM2', T + 30_003, 600);
  await s.once.release('sms:SM2');
  await note(s.once.begin('sms:SM2', T + 30_004, 30));
  await note(s.once.begin('sms:SM2', T + 630_003, 30));
  await s.once.release('sms:SM404');
  return out;
}

it('answers every read and conditional write exactly as the DynamoDB stores do', async () => {
  await ensureTable(db.client(), 'parity');
  const dynamo = await script(dynamoStores(db.client(), 'parity'));
  const memory = await script(memoryStores());
  expect(memory).toEqual(dynamo);
  // The script reaches both sides of the conditions, so equal answers are not trivially equal.
  expect(dynamo.filter((a) => a === true).length).toBeGreaterThan(5);
  expect(dynamo.filter((a) => a === false || a === null).length).toBeGreaterThan(5);
});

it('a phone row holds the link and the opt-out, no copy of the name (it went stale on every rename)', async () => {
  await ensureTable(db.client(), 'phone-row');
  const s = dynamoStores(db.client(), 'phone-row');
  await s.users.linkPhone('+14155550177', '77777777');
  const { Item } = await db.client().send(
    new GetItemCommand({
      TableName: 'phone-row',
      Key: { pk: { S: 'PHONE#+14155550177' }, sk: { S: 'PHONE' } },
    }),
  );
  expect(Item && Object.keys(Item).sort()).toEqual(['imNumber', 'optedOut', 'phone', 'pk', 'sk']);
});
