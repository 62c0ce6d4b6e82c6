import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoStores } from '../../shared/adapters/dynamo';
import { MAX_CONTACTS } from '../../shared/core/contacts/book';
import { mapLimit } from '../../shared/core/concurrency';
import type { Stores } from '../../shared/core/ports';
import { answer, inbox, signUp, type Frame } from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * Issue 14, the contacts cap under a race: a user at MAX_CONTACTS - 2 fires many addContact and invite frames at
 * once from several real sockets. The list ends at exactly MAX_CONTACTS, and every frame past it gets the same
 * `too_many_contacts` error a sequential add to a full list gets. Before the cap was one conditional write (the
 * check read the profile's count, the put came later), simultaneous frames all passed it (3 at once made 1,001).
 */
const e2e = useLocalStack('contacts-cap', {
  // The frames come in a burst on purpose: above the default frame rate, which is not what this file tests.
  env: { WS_FRAMES_PER_CONNECTION: '1000', WS_FRAMES_PER_USER: '3000' },
});

let n = 400;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;

/** The stack's own stores, through the real SDK against its embedded DynamoDB. */
function stackStores(): { stores: Stores; close: () => void } {
  const { config } = e2e.stack;
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: config.dynamodbEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { stores: dynamoStores(client, config.tableName), close: () => client.destroy() };
}

it('simultaneous addContact and invite frames from a user at 998 contacts end at exactly 1,000', async () => {
  const owner = await signUp(e2e.base, newPhone(), 'Cap');
  const { stores, close } = stackStores();
  try {
    // 998 contacts put straight into the stack's table (the rules of each add are not what is tested here).
    const seeded = Array.from({ length: MAX_CONTACTS - 2 }, (_, i) => i);
    await mapLimit(seeded, 16, async (i) => {
      const added = await stores.contacts.addContact(owner.imNumber, {
        kind: 'phone',
        phone: `+1650${String(5_000_000 + i)}`,
        name: `seed ${i}`,
        addedAt: 1,
      });
      if (added.result !== 'added') throw new Error(`seed ${i}: ${added.result}`);
    });
    expect((await stores.users.getUser(owner.imNumber))?.contactsCount).toBe(MAX_CONTACTS - 2);

    const sockets = await Promise.all([1, 2, 3].map(() => e2e.connect(owner)));
    const invited = [0, 1, 2].map((i) => `+1628555${String(1000 + i)}`);
    const calls: Promise<Frame>[] = [];
    sockets.forEach((s, k) => {
      for (let j = 0; j < 3; j++) {
        calls.push(
          answer(s.api.addContact({ phone: `+1628555${String(2000 + k * 10 + j)}`, name: `new ${k}${j}` })),
        );
      }
      calls.push(answer(s.api.invite({ phone: invited[k]!, name: `invitee ${k}` })));
    });
    const answers = await Promise.all(calls);

    const won = answers.filter((a) => a.type !== 'error');
    const refused = answers.filter((a) => a.type === 'error');
    expect(won).toHaveLength(2);
    expect(refused).toHaveLength(answers.length - 2);

    // The list and the count end at exactly the cap.
    const list = await answer(sockets[0]!.api.getAllContacts());
    expect(list.contacts).toHaveLength(MAX_CONTACTS);
    expect((await stores.users.getUser(owner.imNumber))?.contactsCount).toBe(MAX_CONTACTS);

    // The refusal a sequential add to the full list gets, and every refused frame got the same.
    const sequential = await answer(sockets[1]!.api.addContact({ phone: '+16285553000', name: 'late' }));
    expect(sequential).toMatchObject({ type: 'error', code: 'too_many_contacts' });
    for (const r of refused) expect(r).toMatchObject({ code: sequential.code, message: sequential.message });

    // A refused invitation sent nothing: only the invitations that won a slot reached a phone.
    const wonInvites = won.filter((a) => a.type === 'invitation').map((a) => a.phone as string);
    for (const phone of invited) {
      const got = (await inbox(e2e.base, phone)).filter((s) => s.body.includes('invites you'));
      expect(got).toHaveLength(wonInvites.includes(phone) ? 1 : 0);
    }
  } finally {
    close();
  }
}, 180_000);
