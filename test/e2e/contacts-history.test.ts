import {
  answer,
  eventually,
  http,
  ImClient,
  inbox,
  signUp,
  type E2eUser,
  type Frame,
} from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * Contacts, presence to contacts and one history across both channels, through the local stack: real
 * WebSocket clients, signed webhooks through the sandbox, sandbox phones.
 */
const e2e = useLocalStack('contacts', { env: { ACK_TIMEOUT_MS: '1500' } });

let n = 700;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;
const connect = (user: E2eUser) => e2e.connect(user);
const phoneTexts = (from: string, body: string, to?: string) =>
  http(e2e.base, 'POST', '/sandbox/sms', {
    from,
    to: to ?? e2e.stack.config.serviceNumbers[0],
    body,
  });

/**
 * Sends a frame as it is, unchecked, and waits for the next frame of `type` (or an error) after it: for the bad
 * frames sent on purpose. Valid calls go through the reference client (`client.api`).
 */
async function ask(client: ImClient, frame: Frame, type: string): Promise<Frame> {
  const seen = client.frames.length;
  client.send(frame);
  return eventually(() => client.frames.slice(seen).find((f) => f.type === type || f.type === 'error'));
}

describe('contacts on the server', () => {
  it('adds, lists with presence and version, skips an unchanged list, removes', async () => {
    const [amy, ben] = [await signUp(e2e.base, newPhone(), 'Amy'), await signUp(e2e.base, newPhone(), 'Ben')];
    const a = await connect(amy);
    await connect(ben);
    const added = await answer(a.api.addContact({ imNumber: ben.imNumber }));
    expect(added).toEqual({
      type: 'contact',
      op: 'added',
      version: 1,
      contact: { imNumber: ben.imNumber, name: 'Ben', status: 'online' },
    });
    await answer(a.api.addContact({ phone: '+1 415 555 0999', name: 'Dan' }));
    const list = await answer(a.api.getContacts());
    expect(list.version).toBe(2);
    expect(list.contacts).toEqual(
      expect.arrayContaining([
        { imNumber: ben.imNumber, name: 'Ben', status: 'online' },
        { phone: '+14155550999', name: 'Dan' },
      ]),
    );
    expect(JSON.stringify(list)).not.toContain(ben.phone);
    expect(await answer(a.api.getContacts(2))).toEqual({
      type: 'contacts',
      version: 2,
      unchanged: true,
    });
    expect(await answer(a.api.removeContact({ phone: '+14155550999' }))).toMatchObject({
      op: 'removed',
      version: 3,
    });
    const profile = await answer(a.api.updateProfile({ mood: 'At lunch' }));
    expect(profile).toEqual({
      type: 'profile',
      imNumber: amy.imNumber,
      name: 'Amy',
      mood: 'At lunch',
    });
  });

  it('refuses bad input with a clear error frame and changes nothing', async () => {
    const amy = await signUp(e2e.base, newPhone());
    const a = await connect(amy);
    const bad: Array<[Frame, string]> = [
      [{ action: 'addContact', imNumber: amy.imNumber }, 'invalid_contact'],
      [{ action: 'addContact', imNumber: '99999999' }, 'unknown_recipient'],
      [{ action: 'addContact', imNumber: 'abc' }, 'invalid_recipient'],
      [{ action: 'addContact', phone: '555-0100', name: 'x' }, 'invalid_phone'],
      [{ action: 'addContact', phone: '+14155550100' }, 'bad_frame'],
      [{ action: 'removeContact', imNumber: '12345678' }, 'unknown_contact'],
      [{ action: 'updateProfile', avatarUrl: 'http://insecure.test/a.png' }, 'invalid_avatar_url'],
      [{ action: 'getContacts', since: -1 }, 'bad_frame'],
    ];
    for (const [frame, code] of bad) {
      expect(await ask(a, frame, 'never')).toMatchObject({
        type: 'error',
        code,
      });
    }
    expect(await answer(a.api.getContacts())).toEqual({
      type: 'contacts',
      version: 0,
      contacts: [],
    });
  });
});

describe('a new name by updateProfile (issue 12: the same name rules as at sign-in)', () => {
  it('renames the caller; contacts see the new name; the old name is free again', async () => {
    const [cleo, dan] = [
      await signUp(e2e.base, newPhone(), 'Cleo'),
      await signUp(e2e.base, newPhone(), 'Dan'),
    ];
    const [c, d] = [await connect(cleo), await connect(dan)];
    await ask(d, { action: 'addContact', imNumber: cleo.imNumber }, 'contact');
    const renamed = await ask(c, { action: 'updateProfile', name: 'Cleopatra' }, 'profile');
    expect(renamed).toMatchObject({ type: 'profile', imNumber: cleo.imNumber, name: 'Cleopatra' });
    const list = await ask(d, { action: 'getContacts' }, 'contacts');
    expect(list.contacts).toEqual([expect.objectContaining({ imNumber: cleo.imNumber, name: 'Cleopatra' })]);
    // The old name is free again.
    expect((await signUp(e2e.base, newPhone(), 'cleo')).name).toBe('cleo');
  });

  it('messages from a connection opened after the rename carry the new name, with the old token', async () => {
    const [gus, hal] = [await signUp(e2e.base, newPhone(), 'Gus'), await signUp(e2e.base, newPhone(), 'Hal')];
    const before = await connect(gus);
    await answer(before.api.updateProfile({ name: 'Augustus' }));
    await before.close();
    // Hal is offline, so the message goes by SMS, whose header names the sender.
    const after = await connect(gus);
    await answer(after.api.sendMessage({ to: hal.imNumber, text: 'renamed' }));
    const sms = await eventually(async () =>
      (await inbox(e2e.base, hal.phone)).find((m) => m.body.endsWith('renamed')),
    );
    expect(sms.body).toBe(`Augustus @${gus.imNumber}: renamed`);
  });

  it('refuses a taken name, a look-alike of one, a mixed-script or default-looking name, changing nothing', async () => {
    const [eve] = [await signUp(e2e.base, newPhone(), 'Eve'), await signUp(e2e.base, newPhone(), 'clivia')];
    const e = await connect(eve);
    const bad: Array<[string, string]> = [
      ['CLIVIA', 'name_taken'],
      ['cIivia', 'name_taken'], // a capital I for the l
      ['\u0441livia', 'invalid_name'], // a Cyrillic с among Latin letters
      [`\u057d${eve.imNumber}`, 'invalid_name'], // an Armenian look-alike of a default name
      [`u${eve.imNumber}.`, 'invalid_name'], // would take texts addressed `@u<imNumber>. hi`
      ['1eve', 'invalid_name'],
    ];
    for (const [name, code] of bad)
      expect(await ask(e, { action: 'updateProfile', name }, 'never')).toMatchObject({ type: 'error', code });
    const profile = await ask(e, { action: 'updateProfile', mood: 'still me' }, 'profile');
    expect(profile).toMatchObject({ name: 'Eve', mood: 'still me' });
  });
});

describe('presence to contacts', () => {
  it('tells an online contact when a user connects, goes offline by hand, and leaves', async () => {
    const [amy, ben] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const b = await connect(ben);
    await answer(b.api.addContact({ imNumber: amy.imNumber }));
    const a = await connect(amy);
    await b.waitFor((f) => f.type === 'presence' && f.imNumber === amy.imNumber && f.status === 'online');
    await answer(a.api.setPresence('offline'));
    await b.waitFor((f) => f.type === 'presence' && f.imNumber === amy.imNumber && f.status === 'offline');
    await answer(a.api.setPresence('online'));
    await a.close();
    await eventually(() => {
      const mine = b.of('presence').filter((f) => f.imNumber === amy.imNumber);
      return mine.length === 4 ? mine : undefined;
    });
    expect(b.of('presence').map((f) => f.status)).toEqual(['online', 'offline', 'online', 'offline']);
    // Amy never gets Ben's presence: she does not have him as a contact.
    expect(a.of('presence').filter((f) => f.imNumber)).toEqual([]);
  });
});

describe('history across both channels', () => {
  it('shows what came by SMS while away and what the user texted from the phone, newest first, paged', async () => {
    const [amy, ben] = [
      await signUp(e2e.base, newPhone(), 'Ann'),
      await signUp(e2e.base, newPhone(), 'Bill'),
    ];
    const a = await connect(amy);
    await answer(a.api.addContact({ imNumber: ben.imNumber }));
    // Ben is offline: Amy's message reaches his phone by SMS, and he answers from it.
    a.send({
      action: 'sendMessage',
      to: ben.imNumber,
      text: 'Are you there?',
      clientId: 'h1',
    });
    await a.waitFor((f) => f.type === 'receipt' && f.status === 'delivered_sms');
    const sms = await eventually(async () =>
      (await inbox(e2e.base, ben.phone)).find((m) => m.body.includes('Are you there?')),
    );
    await phoneTexts(ben.phone, 'On my phone, yes', sms.from);
    await a.waitFor((f) => f.type === 'message' && f.text === 'On my phone, yes');

    // Ben comes online and reads the conversation.
    const b = await connect(ben);
    await answer(b.api.addContact({ imNumber: amy.imNumber }));
    const page1 = await answer(b.api.history({ with: amy.imNumber, limit: 1 }));
    expect(page1).toMatchObject({
      type: 'history',
      with: amy.imNumber,
      messages: [
        {
          from: ben.imNumber,
          text: 'On my phone, yes',
          via: 'sms',
          path: ['im'],
          status: 'delivered',
        },
      ],
      next: expect.any(String),
    });
    const page2 = await answer(b.api.history({ with: amy.imNumber, before: page1.next }));
    expect(page2.messages).toEqual([
      expect.objectContaining({
        from: amy.imNumber,
        fromName: 'Ann',
        text: 'Are you there?',
        via: 'im',
        path: ['sms'],
        status: 'delivered_sms',
      }),
    ]);
    expect(page2.next).toBeUndefined();

    for (const [frame, code] of [
      [{ action: 'history', with: '12345678' }, 'unknown_contact'],
      [{ action: 'history', with: amy.imNumber, limit: 0 }, 'invalid_limit'],
      [{ action: 'history', with: amy.imNumber, limit: 101 }, 'invalid_limit'],
      [{ action: 'history', with: amy.imNumber, before: 'nope' }, 'invalid_cursor'],
    ] as Array<[Frame, string]>) {
      expect(await ask(b, frame, 'history')).toMatchObject({
        type: 'error',
        code,
      });
    }
  });
});
