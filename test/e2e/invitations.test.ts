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
 * Invitations by SMS through the local stack: a real WebSocket inviter, sandbox phones answering through signed
 * webhooks, answers in mixed case. Expiry is proven on the core with a manual clock
 * (test/unit/core/invitations.test.ts): the local stack runs on the real clock.
 */
const e2e = useLocalStack('invite', { env: { ACK_TIMEOUT_MS: '1500' } });

let n = 800;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;
let m = 100;
const strangerPhone = () => `+1650555${String(++m).padStart(4, '0')}`;
const connect = (user: E2eUser) => e2e.connect(user);
/** A sandbox phone texts a service number; resolves to the bodies of the TwiML replies it got. */
const phoneTexts = async (from: string, body: string, to: string): Promise<string[]> => {
  const res = await http(e2e.base, 'POST', '/sandbox/sms', { from, to, body });
  if (res.status !== 201) throw new Error(`sandbox ${res.status}`);
  return res.json.replies.map((r: { body: string }) => r.body);
};

async function ask(client: ImClient, frame: Frame, type: string): Promise<Frame> {
  const seen = client.frames.length;
  client.send(frame);
  return eventually(() => client.frames.slice(seen).find((f) => f.type === type || f.type === 'error'));
}
/** The invitation SMS a phone got: the service number it came from, and its text. */
const invitationSms = (phone: string) =>
  eventually(async () => (await inbox(e2e.base, phone)).find((s) => s.body.includes('invites you')));

describe('an invitation, online', () => {
  it('YES (mixed case, punctuation) provisions the invitee: mutual contacts, SMS to both, a frame', async () => {
    const ivy = await signUp(e2e.base, newPhone(), 'Ivy');
    const i = await connect(ivy);
    const phone = strangerPhone();
    const sent = await answer(i.api.invite({ phone, name: 'Dan' }));
    expect(sent).toMatchObject({
      type: 'invitation',
      phone,
      name: 'Dan',
      status: 'pending',
    });
    const sms = await invitationSms(phone);
    expect(sms.body).toContain(`Ivy (@${ivy.imNumber})`);
    expect(sms.body).toMatch(/YES.*NO.*CANCEL/);

    const answered = await phoneTexts(phone, '  yEs! ', sms.from);
    expect(answered).toEqual([expect.stringContaining('Your IM number is @')]);
    const accepted = await i.waitFor((f) => f.type === 'invitation' && f.status === 'accepted');
    const invitee = accepted.imNumber as string;
    expect(invitee).toMatch(/^\d{8}$/);
    await eventually(async () =>
      (await inbox(e2e.base, ivy.phone)).find((s) => s.body.includes(`accepted your invitation`)),
    );
    const list = await answer(i.api.getContacts());
    // The name Ivy gave shows while the new user has the default name.
    expect(list.contacts).toEqual([expect.objectContaining({ imNumber: invitee, name: 'Dan' })]);

    // The invitee signs in by SMS code like anyone else, into the provisioned account, with Ivy as a contact.
    const dan = await signUp(e2e.base, phone);
    expect(dan.imNumber).toBe(invitee);
    const d = await connect(dan);
    const theirs = await answer(d.api.getContacts());
    expect(theirs.contacts).toEqual([expect.objectContaining({ imNumber: ivy.imNumber, status: 'online' })]);
  });

  it('NO tells the online inviter by frame; CANCEL opts the phone out for good', async () => {
    const ivy = await signUp(e2e.base, newPhone(), 'Iris');
    const i = await connect(ivy);
    const [no, cancel] = [strangerPhone(), strangerPhone()];
    await answer(i.api.invite({ phone: no, name: 'Ned' }));
    await answer(i.api.invite({ phone: cancel, name: 'Cat' }));
    const noSms = await invitationSms(no);
    expect(await phoneTexts(no, 'No.', noSms.from)).toEqual([expect.stringContaining('declined')]);
    await i.waitFor((f) => f.type === 'invitation' && f.status === 'declined' && f.phone === no);
    const cancelSms = await invitationSms(cancel);
    // Twilio's own opt-out takes CANCEL for that number and refuses the app's confirmation from it (21610).
    expect(await phoneTexts(cancel, 'Cancel', cancelSms.from)).toEqual([]);
    expect(await answer(i.api.invite({ phone: cancel, name: 'Cat' }))).toMatchObject({
      type: 'error',
      code: 'opted_out',
    });
    expect(await answer(i.api.invite({ phone: no, name: 'Ned' }))).toMatchObject({
      type: 'error',
      code: 'invitation_cooldown',
    });
    expect((await inbox(e2e.base, cancel)).filter((s) => s.body.includes('invites you'))).toHaveLength(1);
  });
});

describe('an opt-out while invited', () => {
  it('STOP is not CANCEL: it closes the invitation, and after START (a YES) another user can invite the phone', async () => {
    const ivy = await signUp(e2e.base, newPhone(), 'Imke');
    const i = await connect(ivy);
    const phone = strangerPhone();
    await answer(i.api.invite({ phone, name: 'Sol' }));
    const sms = await invitationSms(phone);

    // Twilio refuses the app's confirmation from the number that got the STOP (its own opt-out, 21610).
    expect(await phoneTexts(phone, 'STOP', sms.from)).toEqual([]);
    expect(await answer(i.api.invite({ phone, name: 'Sol' }))).toMatchObject({
      type: 'error',
      code: 'opted_out',
    });
    // Opted out, the phone's YES is START (the invitation it answers was closed by the STOP).
    expect(await phoneTexts(phone, 'YES', sms.from)).toEqual([expect.stringContaining('subscribed again')]);

    const otto = await signUp(e2e.base, newPhone(), 'Otto');
    const o = await connect(otto);
    expect(await answer(o.api.invite({ phone, name: 'Sol' }))).toMatchObject({
      type: 'invitation',
      phone,
      status: 'pending',
    });
    const invites = await eventually(async () => {
      const got = (await inbox(e2e.base, phone)).filter((s) => s.body.includes('invites you'));
      return got.length === 2 ? got : undefined;
    });
    expect(invites[1].body).toContain(`Otto (@${otto.imNumber})`);
  });
});

describe('a withdrawn invitation', () => {
  it('removing the invited phone from contacts withdraws it: a later YES is told so', async () => {
    const ivy = await signUp(e2e.base, newPhone(), 'Iona');
    const i = await connect(ivy);
    const phone = strangerPhone();
    await answer(i.api.invite({ phone, name: 'Walt' }));
    const sms = await invitationSms(phone);
    expect(await answer(i.api.removeContact({ phone }))).toMatchObject({ type: 'contact', op: 'removed' });

    expect(await phoneTexts(phone, 'YES', sms.from)).toEqual([expect.stringContaining('withdrawn')]);
    // YES made no contact: the inviter's list stays empty, and the phone had one invitation text.
    expect((await answer(i.api.getContacts())).contacts).toEqual([]);
    expect(await answer(i.api.invite({ phone, name: 'Walt' }))).toMatchObject({
      type: 'error',
      code: 'invitation_cooldown',
    });
    expect((await inbox(e2e.base, phone)).filter((s) => s.body.includes('invites you'))).toHaveLength(1);
  });
});

describe('an invitation, offline', () => {
  it('INVITE <phone> <name> texted from the inviter’s own phone sends it, and the reply says so', async () => {
    const ivy = await signUp(e2e.base, newPhone(), 'Ida');
    const phone = strangerPhone();
    const res = await phoneTexts(ivy.phone, `Invite ${phone} Dora`, e2e.stack.config.serviceNumbers[0]);
    expect(res).toEqual(['Invitation sent to Dora. It expires in 7 days.']);
    const sms = await invitationSms(phone);
    expect(await phoneTexts(phone, 'OK', sms.from)).toEqual([expect.stringContaining('now contacts')]);
    // Offline inviter: the success SMS.
    await eventually(async () =>
      (await inbox(e2e.base, ivy.phone)).find((s) => s.body.startsWith('Dora accepted your invitation')),
    );
  });
});

describe('abuse rules', () => {
  it('refuses with a clear error frame and sends nothing', async () => {
    const [ivy, other] = [await signUp(e2e.base, newPhone(), 'Ina'), await signUp(e2e.base, newPhone())];
    const i = await connect(ivy);
    const refusals: Array<[Frame, string]> = [
      [{ action: 'invite', phone: '650-555-0100', name: 'x' }, 'invalid_phone'],
      [{ action: 'invite', phone: ivy.phone, name: 'me' }, 'invalid_contact'],
      [
        {
          action: 'invite',
          phone: e2e.stack.config.serviceNumbers[0],
          name: 's',
        },
        'invalid_phone',
      ],
      [{ action: 'invite', phone: '+442079460123', name: 'uk' }, 'country_not_allowed'],
      [{ action: 'invite', phone: other.phone, name: 'o' }, 'existing_user'],
      [{ action: 'invite', phone: strangerPhone(), name: '' }, 'invalid_name'],
      [{ action: 'invite', phone: strangerPhone() }, 'invalid_name'],
    ];
    for (const [frame, code] of refusals) {
      expect(await ask(i, frame, 'invitation')).toMatchObject({
        type: 'error',
        code,
      });
    }
    // The daily cap counts every invitation that got past the input checks (existing_user above is one), so
    // that "has an account?" cannot be asked faster than the cap: four more go out, the next is refused.
    const phones = Array.from({ length: 5 }, strangerPhone);
    for (const phone of phones.slice(0, 4)) {
      expect(await answer(i.api.invite({ phone, name: 'x' }))).toMatchObject({
        status: 'pending',
      });
    }
    expect(await answer(i.api.invite({ phone: phones[4], name: 'x' }))).toMatchObject({
      type: 'error',
      code: 'too_many_invitations',
    });
    expect(await inbox(e2e.base, phones[4])).toEqual([]);
    expect(await inbox(e2e.base, '+442079460123')).toEqual([]);
  });

  it('answers to no invitation get a clear reply and change nothing', async () => {
    const phone = strangerPhone();
    const res = await phoneTexts(phone, 'NO', e2e.stack.config.serviceNumbers[0]);
    expect(res).toEqual(['You have no pending invitation. Reply HELP for help.']);
  });
});
