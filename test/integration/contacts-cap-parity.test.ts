import { dynamoStores } from '../../shared/adapters/dynamo';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { memoryStores } from '../../shared/adapters/memory';
import { MAX_CONTACTS } from '../../shared/core/contacts/book';
import type { Stores } from '../../shared/core/ports';
import type { Contact, UserProfile } from '../../shared/core/types';
import { useEmbeddedDynamo } from '../support/embedded-client';

/**
 * Issue 14, the contacts cap: the cap is kept by one conditional write on the owner's count (ContactBook
 * reserveContactSlot), and the in-memory book refuses exactly where the DynamoDB one does (through the real SDK
 * against dynalite). Both are also held to the expected answers, so equal answers are not trivially equal.
 */
const db = useEmbeddedDynamo();

const T = 1_800_000_000_000;
const OWNER = '12121212';
const owner: UserProfile = {
  imNumber: OWNER,
  name: 'Olga',
  phone: '+14155550160',
  mode: 'online',
  optedOut: false,
  threads: {},
  createdAt: T,
};
const phoneOf = (i: number) => `+1650555${String(2000 + i)}`;
const phone = (i: number): Contact => ({
  kind: 'phone',
  phone: phoneOf(i),
  name: `p${i}`,
  addedAt: T,
});
const im = (n: string): Contact => ({ kind: 'im', imNumber: n, name: n, addedAt: T });
const CAP = 3;

/** The cap's edges, in order; returns every answer and the owner's count and version after each step. */
async function script(s: Stores): Promise<unknown[]> {
  const out: unknown[] = [];
  const state = async () => {
    const p = await s.users.getUser(OWNER);
    return { count: p?.contactsCount ?? 0, version: p?.contactsVersion ?? 0 };
  };
  const note = async (p: Promise<unknown>) => out.push({ answer: await p, ...(await state()) });
  await s.users.createUser(owner);
  await note(s.contacts.addContact(OWNER, phone(0), { cap: CAP }));
  await note(s.contacts.addContact(OWNER, phone(0), { cap: CAP })); // exists: its slot is given back
  await note(s.contacts.addContact(OWNER, phone(1), { cap: CAP }));
  // Three at once for the last slot: exactly one gets it.
  const racing = await Promise.all(
    [2, 3, 4].map((i) => s.contacts.addContact(OWNER, phone(i), { cap: CAP })),
  );
  out.push(racing.map((r) => r.result).sort());
  out.push(await state());
  await note(s.contacts.addContact(OWNER, phone(9), { cap: CAP })); // full: the conditional refusal
  await note(s.contacts.reserveContactSlot(OWNER, CAP));
  // A slot taken, then filled (reserved) or given back.
  await note(s.contacts.removeContact(OWNER, { phone: phoneOf(0) }));
  await note(s.contacts.reserveContactSlot(OWNER, CAP));
  await note(s.contacts.reserveContactSlot(OWNER, CAP));
  await note(s.contacts.addContact(OWNER, phone(1), { reserved: true })); // exists: the slot is released
  await note(s.contacts.reserveContactSlot(OWNER, CAP));
  await note(s.contacts.addContact(OWNER, phone(5), { reserved: true }));
  // An invited phone replaced by its new user: in its slot, so a full list does not refuse it.
  await note(s.contacts.replaceContact(OWNER, { phone: phoneOf(5) }, im('77777777'), CAP));
  await note(s.contacts.replaceContact(OWNER, { phone: phoneOf(6) }, im('88888888'), CAP)); // no old: full
  await note(s.contacts.replaceContact(OWNER, { phone: phoneOf(1) }, im('77777777'), CAP)); // exists
  await note(s.contacts.replaceContact(OWNER, { phone: phoneOf(6) }, im('88888888'), CAP));
  await note(s.contacts.watchers('88888888', 10));
  // Releasing more than was taken never goes below 0; a missing owner gets no slot.
  for (const c of (await s.contacts.contactsPage(OWNER, 10)).contacts) {
    await s.contacts.removeContact(OWNER, c.kind === 'im' ? { imNumber: c.imNumber } : { phone: c.phone });
  }
  await note(s.contacts.releaseContactSlot(OWNER));
  await note(s.contacts.reserveContactSlot('404', CAP));
  await note(s.users.getUser('404'));
  // The default cap is MAX_CONTACTS.
  out.push(await s.contacts.reserveContactSlot(OWNER));
  return out;
}

it('memory and DynamoDB answer alike at the cap, including the conditional refusal', async () => {
  await ensureTable(db.client(), 'cap-parity');
  const dynamo = await script(dynamoStores(db.client(), 'cap-parity'));
  const memory = await script(memoryStores());
  expect(memory).toEqual(dynamo);
  const [first, again, second, racing, afterRace, full, reserveFull] = dynamo;
  expect(first).toEqual({ answer: { result: 'added', version: 1 }, count: 1, version: 1 });
  expect(again).toEqual({ answer: { result: 'exists', version: 1 }, count: 1, version: 1 });
  expect(second).toEqual({ answer: { result: 'added', version: 2 }, count: 2, version: 2 });
  expect(racing).toEqual(['added', 'full', 'full']);
  expect(afterRace).toEqual({ count: CAP, version: 3 });
  expect(full).toEqual({ answer: { result: 'full', version: 3 }, count: CAP, version: 3 });
  expect(reserveFull).toEqual({ answer: false, count: CAP, version: 3 });
  expect(dynamo.slice(7, 19)).toEqual([
    // A removal answers with the row it removed (the delete's ALL_OLD), so removeContact needs no read first.
    { answer: { result: 'removed', version: 4, contact: phone(0) }, count: 2, version: 4 },
    { answer: true, count: 3, version: 4 },
    { answer: false, count: 3, version: 4 },
    { answer: { result: 'exists', version: 4 }, count: 2, version: 4 },
    { answer: true, count: 3, version: 4 },
    { answer: { result: 'added', version: 5 }, count: 3, version: 5 },
    { answer: { result: 'added', version: 6 }, count: 3, version: 6 },
    { answer: { result: 'full', version: 6 }, count: 3, version: 6 },
    { answer: { result: 'exists', version: 7 }, count: 2, version: 7 },
    { answer: { result: 'added', version: 8 }, count: 3, version: 8 },
    { answer: { imNumbers: [OWNER] }, count: 3, version: 8 },
    { answer: undefined, count: 0, version: 11 },
  ]);
  expect(dynamo.slice(19)).toEqual([
    { answer: false, count: 0, version: 11 },
    { answer: null, count: 0, version: 11 },
    true,
  ]);
  expect(MAX_CONTACTS).toBe(1000);
});

it('many simultaneous adds through the real SDK end at exactly the cap', async () => {
  await ensureTable(db.client(), 'cap-race');
  const s = dynamoStores(db.client(), 'cap-race');
  await s.users.createUser(owner);
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, i) => s.contacts.addContact(OWNER, phone(i), { cap: 5 })),
  );
  expect(answers.filter((a) => a.result === 'added')).toHaveLength(5);
  expect(answers.filter((a) => a.result === 'full')).toHaveLength(7);
  expect((await s.contacts.contactsPage(OWNER, 50)).contacts).toHaveLength(5);
  expect((await s.users.getUser(OWNER))?.contactsCount).toBe(5);
});
