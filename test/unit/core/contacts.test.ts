import {
  addContact,
  getContacts,
  MAX_CONTACTS,
  removeContact,
  updateProfile,
} from '../../../shared/core/contacts/book';
import { announcePresence, PRESENCE_FANOUT_MAX, PRESENCE_PAGE } from '../../../shared/core/contacts/presence';
import { sendInstantMessage } from '../../../shared/core/delivery/send-im';
import { history, MAX_HISTORY_LIMIT } from '../../../shared/core/history/history';
import { receiveSms } from '../../../shared/core/im-sms/receive';
import { connect, disconnect, keepAlive, setPresence } from '../../../shared/core/login-status/presence';
import { coreWorld, SERVICE_NUMBERS, type CoreWorld } from '../../support/core-deps';

/** Contacts, presence fan-out and history on in-memory ports. */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

const owner = async (imNumber: string) => (await w.stores.users.getUser(imNumber))!;
const rejects = (p: Promise<unknown>, code: string) => expect(p).rejects.toMatchObject({ code });

describe('the contact list', () => {
  it('holds IM and non-IM contacts, with presence and a version that moves on every change', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1', mood: 'busy' });
    const carol = await w.user();
    await addContact(w.deps, await owner(alice.imNumber), { imNumber: bob.imNumber });
    await addContact(w.deps, await owner(alice.imNumber), { imNumber: carol.imNumber });
    const added = await addContact(w.deps, await owner(alice.imNumber), {
      phone: '+14155550123',
      name: ' Dan ',
    });
    expect(added).toMatchObject({ kind: 'contact', op: 'added', version: 3 });

    const list = await getContacts(w.deps, alice.imNumber);
    expect(list).toMatchObject({ kind: 'contacts', version: 3 });
    const contacts = (list as { contacts: unknown[] }).contacts;
    expect(contacts).toHaveLength(3);
    expect(contacts).toEqual(
      expect.arrayContaining([
        { kind: 'im', imNumber: bob.imNumber, name: bob.name, mood: 'busy', status: 'online' },
        { kind: 'im', imNumber: carol.imNumber, name: carol.name, status: 'offline' },
        { kind: 'phone', phone: '+14155550123', name: 'Dan' },
      ]),
    );
    expect(JSON.stringify(list)).not.toContain(bob.phone);
    expect(await getContacts(w.deps, alice.imNumber, { since: 3 })).toEqual({ kind: 'contacts', version: 3 });
    expect(
      (await getContacts(w.deps, alice.imNumber, { since: 2 })) as { contacts: unknown[] },
    ).toHaveProperty('contacts');

    await removeContact(w.deps, alice.imNumber, { imNumber: carol.imNumber });
    expect(await getContacts(w.deps, alice.imNumber, { since: 3 })).toMatchObject({ version: 4 });
  });

  it('refuses bad input and changes nothing', async () => {
    const alice = await w.user();
    const bob = await w.user();
    const a = await owner(alice.imNumber);
    await rejects(addContact(w.deps, a, { imNumber: alice.imNumber }), 'invalid_contact');
    await rejects(addContact(w.deps, a, { imNumber: '99999999' }), 'unknown_recipient');
    await rejects(addContact(w.deps, a, { phone: '4155550123', name: 'x' }), 'invalid_phone');
    await rejects(addContact(w.deps, a, { phone: alice.phone, name: 'me' }), 'invalid_contact');
    const serviceNumber = w.deps.config.serviceNumbers[0];
    await rejects(addContact(w.deps, a, { phone: serviceNumber, name: 'svc' }), 'invalid_phone');
    await rejects(addContact(w.deps, a, { phone: '+14155550123', name: '  ' }), 'invalid_name');
    // A name of only format characters shows blank: as empty as spaces.
    await rejects(addContact(w.deps, a, { phone: '+14155550123', name: '\u200b' }), 'invalid_name');
    await rejects(addContact(w.deps, a, { phone: '+14155550123', name: ' \u180e\u2060 ' }), 'invalid_name');
    await rejects(removeContact(w.deps, alice.imNumber, { imNumber: bob.imNumber }), 'unknown_contact');
    expect(await getContacts(w.deps, alice.imNumber)).toEqual({ kind: 'contacts', version: 0, contacts: [] });

    await addContact(w.deps, a, { imNumber: bob.imNumber });
    await rejects(
      addContact(w.deps, await owner(alice.imNumber), { imNumber: bob.imNumber }),
      'contact_exists',
    );
    expect(await getContacts(w.deps, alice.imNumber)).toMatchObject({ version: 1 });
    // The stored count is what the cap reads (one conditional write), not the caller's copy of the profile.
    const full = await w.user({ contactsCount: MAX_CONTACTS });
    await rejects(addContact(w.deps, full, { imNumber: bob.imNumber }), 'too_many_contacts');
    await rejects(
      addContact(w.deps, { ...full, contactsCount: 0 }, { imNumber: bob.imNumber }),
      'too_many_contacts',
    );
    expect(await w.stores.contacts.getContact(full.imNumber, { imNumber: bob.imNumber })).toBeNull();
    expect((await w.stores.users.getUser(full.imNumber))?.contactsCount).toBe(MAX_CONTACTS);
  });

  it('updates the mood and avatar, refusing what is not a short phrase or an https URL', async () => {
    const alice = await w.user();
    await rejects(
      updateProfile(w.deps, alice.imNumber, { avatarUrl: 'http://x.test/a.png' }),
      'invalid_avatar_url',
    );
    await rejects(
      updateProfile(w.deps, alice.imNumber, { avatarUrl: 'javascript:alert(1)' }),
      'invalid_avatar_url',
    );
    await rejects(updateProfile(w.deps, alice.imNumber, { mood: 'x'.repeat(141) }), 'invalid_mood');
    await rejects(updateProfile(w.deps, alice.imNumber, { mood: 'a\nb' }), 'invalid_mood');
    expect((await owner(alice.imNumber)).mood).toBeUndefined();
    const done = await updateProfile(w.deps, alice.imNumber, {
      mood: 'out',
      avatarUrl: 'https://x.test/a.png',
    });
    expect(done).toMatchObject({
      kind: 'profile',
      profile: { mood: 'out', avatarUrl: 'https://x.test/a.png' },
    });
    await updateProfile(w.deps, alice.imNumber, { mood: '' });
    expect((await owner(alice.imNumber)).mood).toBeUndefined();
    // A mood of only format characters would show blank: it removes the mood, as "" does.
    await updateProfile(w.deps, alice.imNumber, { mood: 'back' });
    await updateProfile(w.deps, alice.imNumber, { mood: '\u200b' });
    expect((await owner(alice.imNumber)).mood).toBeUndefined();
  });
});

describe('presence to contacts', () => {
  it('tells online watchers on first connect, last disconnect and manual offline, nobody else', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    const carol = await w.user(); // offline watcher
    const dan = await w.user({ connectionId: 'd1' }); // online, but not a watcher
    await addContact(w.deps, await owner(bob.imNumber), { imNumber: alice.imNumber });
    await addContact(w.deps, await owner(carol.imNumber), { imNumber: alice.imNumber });

    await connect(w.deps, alice.imNumber, 'a1');
    await connect(w.deps, alice.imNumber, 'a2'); // not a change
    await setPresence(w.deps, alice.imNumber, 'a1', 'offline');
    await setPresence(w.deps, alice.imNumber, 'a1', 'online');
    await disconnect(w.deps, alice.imNumber, 'a1');
    await disconnect(w.deps, alice.imNumber, 'a2');
    expect(w.im.eventsOf('b1', 'presence').map((e) => [e.imNumber, e.mode])).toEqual([
      [alice.imNumber, 'online'],
      [alice.imNumber, 'offline'],
      [alice.imNumber, 'online'],
      [alice.imNumber, 'offline'],
    ]);
    expect(w.im.eventsOf('d1', 'presence')).toEqual([]);
    void carol;
    void dan;
  });

  it('announces an expired connection when a read notices it, once, and a ping after it as a return', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    await addContact(w.deps, await owner(bob.imNumber), { imNumber: alice.imNumber });
    await connect(w.deps, alice.imNumber, 'a1');
    w.clock.advance(w.deps.config.connectionTtlSeconds * 1000 + 1); // alice's socket went silent
    await keepAlive(w.deps, bob.imNumber, 'b1'); // bob's did not
    const before = w.im.eventsOf('b1', 'presence').length;

    const list = (await getContacts(w.deps, bob.imNumber)) as { contacts: Array<{ status: string }> };
    expect(list.contacts).toEqual([expect.objectContaining({ imNumber: alice.imNumber, status: 'offline' })]);
    expect(
      w.im
        .eventsOf('b1', 'presence')
        .slice(before)
        .map((e) => [e.imNumber, e.mode]),
    ).toEqual([[alice.imNumber, 'offline']]);
    expect((await w.stores.logins.getRecipient(alice.imNumber))!.connections).toEqual([]);
    await getContacts(w.deps, bob.imNumber); // noticed already: not announced twice
    expect(w.im.eventsOf('b1', 'presence').slice(before)).toHaveLength(1);

    await keepAlive(w.deps, alice.imNumber, 'a1'); // the socket was alive after all: it comes back
    expect(
      w.im
        .eventsOf('b1', 'presence')
        .slice(before)
        .map((e) => e.mode),
    ).toEqual(['offline', 'online']);
  });

  it('does not announce an expiry while another connection lives, or in manual offline mode', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    await addContact(w.deps, await owner(bob.imNumber), { imNumber: alice.imNumber });
    await connect(w.deps, alice.imNumber, 'a1');
    w.clock.advance(w.deps.config.connectionTtlSeconds * 1000 + 1);
    await keepAlive(w.deps, bob.imNumber, 'b1');
    await connect(w.deps, alice.imNumber, 'a2'); // a second device, live
    const before = w.im.eventsOf('b1', 'presence').length;
    await getContacts(w.deps, bob.imNumber);
    expect(w.im.eventsOf('b1', 'presence').slice(before)).toEqual([]);
    expect(
      (await w.stores.logins.getRecipient(alice.imNumber))!.connections.map((c) => c.connectionId),
    ).toEqual(['a2']);
  });

  it('is paged and bounded: no writes, one page Query per 100 watchers, at most PRESENCE_FANOUT_MAX told', async () => {
    const alice = await w.user();
    const n = PRESENCE_FANOUT_MAX + 5;
    for (let i = 0; i < n; i++) {
      const u = await w.user(i % 10 === 0 ? { connectionId: `c${i}` } : {});
      await w.stores.contacts.addContact(u.imNumber, {
        kind: 'im',
        imNumber: alice.imNumber,
        name: 'a',
        addedAt: 0,
      });
    }
    const counts = await announcePresence(w.deps, alice.imNumber, 'online');
    expect(counts.watchers).toBe(PRESENCE_FANOUT_MAX);
    expect(counts.pages).toBe(PRESENCE_FANOUT_MAX / PRESENCE_PAGE);
    expect(counts.pushes).toBeLessThanOrEqual(Math.ceil(n / 10));
    expect(counts.pushes).toBeGreaterThan(90);
  });
});

describe('history', () => {
  it('is one conversation across both channels, newest first, paged, including SMS sent while offline', async () => {
    const alice = await w.user({ connectionId: 'a1' });
    const bob = await w.user(); // offline: messages to bob go by SMS, and bob texts back from his phone
    await addContact(w.deps, await owner(alice.imNumber), { imNumber: bob.imNumber });
    await addContact(w.deps, await owner(bob.imNumber), { imNumber: alice.imNumber });
    for (let i = 1; i <= 3; i++) {
      w.clock.advance(1000);
      await sendInstantMessage(
        w.deps,
        { ...alice, connectionId: 'a1' },
        { to: bob.imNumber, text: `hi ${i}`, clientId: `c${i}` },
      );
    }
    w.clock.advance(1000);
    await receiveSms(w.deps, {
      messageSid: 'SM1',
      from: bob.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${alice.imNumber} back`,
    });
    await w.routeQueued();
    const stranger = await w.user();
    await sendInstantMessage(
      w.deps,
      { ...stranger, connectionId: 's1' },
      { to: bob.imNumber, text: 'other', clientId: 'x' },
    );

    const first = await history(w.deps, bob.imNumber, { with: alice.imNumber, limit: 3 });
    expect(first).toMatchObject({ kind: 'history', with: alice.imNumber });
    const page1 = first as { messages: Array<{ text: string; via: string; path: string[] }>; next?: string };
    expect(page1.messages.map((m) => [m.text, m.via])).toEqual([
      ['back', 'sms'],
      ['hi 3', 'im'],
      ['hi 2', 'im'],
    ]);
    expect(page1.messages[1].path).toEqual(['sms']);
    const page2 = (await history(w.deps, bob.imNumber, {
      with: alice.imNumber,
      limit: 3,
      before: page1.next,
    })) as typeof page1;
    expect(page2.messages.map((m) => m.text)).toEqual(['hi 1']);
    expect(page2.next).toBeUndefined();
    // Alice sees the same conversation.
    const mine = (await history(w.deps, alice.imNumber, { with: bob.imNumber })) as typeof page1;
    expect(mine.messages).toHaveLength(4);
  });

  it('refuses strangers, a bad limit and a bad cursor', async () => {
    expect.assertions(7);
    const alice = await w.user();
    const bob = await w.user();
    await rejects(history(w.deps, alice.imNumber, { with: bob.imNumber }), 'unknown_contact');
    await rejects(history(w.deps, alice.imNumber, { with: alice.imNumber }), 'unknown_contact');
    await addContact(w.deps, await owner(alice.imNumber), { imNumber: bob.imNumber });
    for (const limit of [0, MAX_HISTORY_LIMIT + 1, 1.5, -1]) {
      await rejects(history(w.deps, alice.imNumber, { with: bob.imNumber, limit }), 'invalid_limit');
    }
    await rejects(history(w.deps, alice.imNumber, { with: bob.imNumber, before: 'x' }), 'invalid_cursor');
  });

  it('cuts a page of long messages so its frame stays under 32 KB, and says where to go on', async () => {
    const alice = await w.user({ connectionId: 'a1' });
    const bob = await w.user({ connectionId: 'b1' });
    await addContact(w.deps, await owner(alice.imNumber), { imNumber: bob.imNumber });
    for (let i = 0; i < 5; i++) {
      w.clock.advance(1000);
      await sendInstantMessage(
        w.deps,
        { ...alice, connectionId: 'a1' },
        { to: bob.imNumber, text: 'é'.repeat(4000), clientId: `l${i}` },
      );
    }
    const page = (await history(w.deps, alice.imNumber, { with: bob.imNumber })) as {
      messages: unknown[];
      next?: string;
    };
    expect(page.messages.length).toBeLessThan(5);
    expect(page.next).toBeDefined();
    const { toServerFrame } = await import('../../../shared/adapters/ws-frames');
    expect(Buffer.byteLength(JSON.stringify(toServerFrame(page as never)))).toBeLessThan(32_768);
  });
});
