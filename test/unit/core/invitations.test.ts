import {
  addContact,
  getContacts,
  MAX_CONTACTS,
  removeContact,
  updateProfile,
} from '../../../shared/core/contacts/book';
import { receiveSms } from '../../../shared/core/im-sms/receive';
import { parseInvitationAnswer, parseInviteCommand } from '../../../shared/core/invitations/answers';
import {
  expireInvitationsOf,
  invite,
  INVITATION_COOLDOWN_MS,
  INVITATION_TTL_MS,
  INVITATIONS_PER_DAY,
} from '../../../shared/core/invitations/invite';
import { WITHDRAWAL_COOLDOWN_MS } from '../../../shared/core/invitations/withdraw';
import { SmsSendError } from '../../../shared/core/ports';
import type { UserProfile } from '../../../shared/core/types';
import { coreWorld, SERVICE_NUMBERS, type CoreWorld } from '../../support/core-deps';

/** Invitations by SMS (claims 6, 7, 10, 13) on in-memory ports, with a manual clock for expiry. */
let w: CoreWorld;
let inviter: UserProfile;
beforeEach(async () => {
  w = coreWorld();
  inviter = await w.user({ name: 'Ivy' });
});

let n = 0;
const stranger = () => `+1650555${String(++n).padStart(4, '0')}`;
let sids = 0;
/** A text as the webhook takes it, then its routing check (due at once) as the durable timer runs it. */
const answer = async (from: string, body: string) => {
  const result = await receiveSms(w.deps, { messageSid: `SM${++sids}`, from, to: SERVICE_NUMBERS[0], body });
  await w.routeQueued();
  return result;
};
const rejects = (p: Promise<unknown>, code: string) => expect(p).rejects.toMatchObject({ code });

describe('answers', () => {
  it('match in any case, with spaces, punctuation and synonyms, and only as the whole message', () => {
    for (const yes of [
      'YES',
      'yes',
      ' Yes! ',
      'yEs.',
      'ok 👍',
      'Sure',
      'y',
      'Accept',
      '\uff39\uff25\uff33',
      'yes\u200b',
    ])
      expect(parseInvitationAnswer(yes)).toBe('yes');
    for (const no of ['NO', 'no.', ' No! ', 'nope', 'Decline', 'n', '\u202dno\u202c'])
      expect(parseInvitationAnswer(no)).toBe('no');
    for (const other of ['yes please', 'no way', 'cancel', '', 'know'])
      expect(parseInvitationAnswer(other)).toBeNull();
    expect(parseInviteCommand('invite +1 650 x')).toEqual({ phone: '+1', name: '650 x' });
    expect(parseInviteCommand('INVITE +16505550100 Dan Brown ')).toEqual({
      phone: '+16505550100',
      name: 'Dan Brown',
    });
    // Every phone input is read alike (format characters dropped, NFKC), the INVITE command's too.
    expect(parseInviteCommand('INVITE \uff0b16505550100 Dan')).toEqual({
      phone: '+16505550100',
      name: 'Dan',
    });
    expect(parseInviteCommand('invite \u202d+16505550100\u202c Dan')).toEqual({
      phone: '+16505550100',
      name: 'Dan',
    });
    expect(parseInviteCommand('invite bob now')).toBeNull();
    expect(parseInviteCommand('invited you')).toBeNull();
  });
});

describe('an invitation', () => {
  it('sends one SMS naming the inviter and the answers, and lists the phone as a contact', async () => {
    const phone = stranger();
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    const [sms] = w.sms.inbox(phone);
    expect(sms.body).toContain(`Ivy (@${inviter.imNumber})`);
    expect(sms.body).toMatch(/YES.*NO.*CANCEL/);
    expect(w.sms.inbox(phone)).toHaveLength(1);
    expect(await getContacts(w.deps, inviter.imNumber)).toMatchObject({
      contacts: [{ kind: 'phone', phone, name: 'Dan' }],
    });
  });

  it('YES provisions the invitee, makes mutual contacts, SMS to both and a frame to the online inviter', async () => {
    await w.stores.logins.putConnection(inviter.imNumber, {
      connectionId: 'i1',
      connectedAt: 0,
      expiresAt: 9e15,
    });
    const phone = stranger();
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    const { reply } = await answer(phone, ' Yes! ');
    const invitee = (await w.stores.users.getPhone(phone))!.imNumber!;
    expect(reply).toContain(`Your IM number is @${invitee}`);
    expect(w.sms.inbox(inviter.phone).map((m) => m.body)).toEqual([expect.stringContaining(`@${invitee}`)]);
    expect(w.im.eventsOf('i1', 'invitation')).toEqual([
      { kind: 'invitation', invitation: expect.objectContaining({ status: 'accepted', invitee }) },
    ]);
    // The name Ivy gave stays on her list while the new user has the default name.
    expect(await getContacts(w.deps, inviter.imNumber)).toMatchObject({
      contacts: [{ kind: 'im', imNumber: invitee, name: 'Dan' }],
    });
    // Once the new user picks a name, it is the one shown.
    await updateProfile(w.deps, invitee, { name: 'Daniel' });
    expect(await getContacts(w.deps, inviter.imNumber)).toMatchObject({
      contacts: [{ kind: 'im', imNumber: invitee, name: 'Daniel' }],
    });
    expect(await getContacts(w.deps, invitee)).toMatchObject({
      contacts: [{ kind: 'im', imNumber: inviter.imNumber }],
    });
    // Their thread on the invitation's number belongs to the inviter: a plain reply reaches them.
    expect((await w.stores.users.getUser(invitee))!.threads[SERVICE_NUMBERS[0]].peer).toBe(inviter.imNumber);
    // A second YES is START again, not a second account.
    await answer(phone, 'YES');
    expect((await w.stores.users.getPhone(phone))!.imNumber).toBe(invitee);
  });

  it('NO tells the inviter (by SMS when offline) and starts a cooldown', async () => {
    const phone = stranger();
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    expect((await answer(phone, 'nO.')).reply).toContain('declined');
    expect(w.sms.inbox(inviter.phone).map((m) => m.body)).toEqual(['Dan declined your invitation.']);
    expect(await w.stores.users.getPhone(phone)).toBeNull();
    await rejects(invite(w.deps, inviter, { phone, name: 'Dan' }), 'invitation_cooldown');
    w.clock.advance(INVITATION_COOLDOWN_MS);
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    expect(w.sms.inbox(phone)).toHaveLength(2);
  });

  it('CANCEL drops it, opts the phone out, and the phone is never invited again', async () => {
    const phone = stranger();
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    expect((await answer(phone, 'cancel')).reply).toContain('unsubscribed');
    await rejects(invite(w.deps, inviter, { phone, name: 'Dan' }), 'opted_out');
    await answer(phone, 'START');
    await rejects(invite(w.deps, inviter, { phone, name: 'Dan' }), 'invitation_refused');
    expect(w.sms.inbox(phone)).toHaveLength(1);
  });

  it('STOP (not CANCEL) closes it without the never-again mark: after START the phone can be invited again', async () => {
    const phone = stranger();
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    expect((await answer(phone, 'stop')).reply).toContain('unsubscribed');
    expect(await w.stores.invitations.getInvitation(phone)).toMatchObject({ status: 'expired' });
    await rejects(invite(w.deps, inviter, { phone, name: 'Dan' }), 'opted_out');
    // The YES of the old invitation is START now: the invitation is closed.
    expect(JSON.stringify(await answer(phone, 'YES'))).not.toContain('are now contacts');
    expect(await w.stores.users.getPhone(phone)).toMatchObject({ optedOut: false });
    await invite(w.deps, await w.user(), { phone, name: 'D' });
    expect(w.sms.inbox(phone).filter((m) => m.body.includes('invites you'))).toHaveLength(2);
  });

  it('expires after 7 days: the inviter is told, and a late YES changes nothing', async () => {
    const phone = stranger();
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    w.clock.advance(INVITATION_TTL_MS - 1);
    expect(await expireInvitationsOf(w.deps, inviter.imNumber)).toBe(0);
    w.clock.advance(1);
    expect(await expireInvitationsOf(w.deps, inviter.imNumber)).toBe(1);
    expect(w.sms.inbox(inviter.phone).map((m) => m.body)).toEqual([
      'Your invitation to Dan expired without an answer.',
    ]);
    expect((await answer(phone, 'YES')).reply).toContain('expired');
    expect(await w.stores.users.getPhone(phone)).toBeNull();
    expect(w.sms.inbox(inviter.phone)).toHaveLength(1);
  });

  it('a YES after expiry that nobody swept yet expires it then, and changes nothing else', async () => {
    const phone = stranger();
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    w.clock.advance(INVITATION_TTL_MS);
    expect((await answer(phone, 'Yes')).reply).toContain('expired');
    expect(await w.stores.users.getPhone(phone)).toBeNull();
    expect(w.sms.inbox(inviter.phone).map((m) => m.body)).toEqual([
      'Your invitation to Dan expired without an answer.',
    ]);
  });

  it('removing the invited phone from contacts withdraws it: a later YES makes no account and no contact', async () => {
    const phone = stranger();
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    await removeContact(w.deps, inviter.imNumber, { phone });

    expect((await answer(phone, 'YES')).reply).toContain('withdrawn');
    expect(await w.stores.users.getPhone(phone)).toBeNull();
    expect(await getContacts(w.deps, inviter.imNumber)).toMatchObject({ contacts: [] });
    // The inviter did it, so nobody is told; the phone got only the invitation and the reply.
    expect(w.sms.inbox(inviter.phone)).toEqual([]);
    // Remove-and-invite again cannot text the phone more than once a day, but blocks no one for a month.
    await rejects(invite(w.deps, inviter, { phone, name: 'Dan' }), 'invitation_cooldown');
    await rejects(invite(w.deps, await w.user(), { phone, name: 'D' }), 'invitation_cooldown');
    w.clock.advance(WITHDRAWAL_COOLDOWN_MS);
    await invite(w.deps, await w.user(), { phone, name: 'D' });
    expect(w.sms.inbox(phone).filter((m) => m.body.includes('invites you'))).toHaveLength(2);
  });

  it("removing a phone contact leaves another user's pending invitation to it alone", async () => {
    const phone = stranger();
    const other = await w.user();
    await addContact(w.deps, other, { phone, name: 'Dan' });
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    await removeContact(w.deps, other.imNumber, { phone });

    await answer(phone, 'YES');
    expect((await w.stores.users.getPhone(phone))?.imNumber).toBeDefined();
    expect(await getContacts(w.deps, inviter.imNumber)).toMatchObject({ contacts: [{ kind: 'im' }] });
  });

  it('NO with no invitation is told so; YES with none is START only for an opted-out phone', async () => {
    const phone = stranger();
    expect((await answer(phone, 'no')).reply).toContain('no pending invitation');
    // Never opted out: YES re-subscribes nothing (an ordinary text, from a phone with no thread to answer).
    expect((await answer(phone, 'yes')).reply ?? '').not.toContain('subscribed again');
    expect((await w.stores.users.getPhone(phone))?.optedOut ?? false).toBe(false);
    const optedOut = stranger();
    await w.stores.users.setOptOut(optedOut, true);
    expect((await answer(optedOut, 'yes')).reply).toContain('subscribed again');
    expect((await w.stores.users.getPhone(optedOut))?.optedOut).toBe(false);
  });
});

describe('abuse rules: every refusal sends nothing and changes nothing', () => {
  it('refuses bad phones and names, yourself, service numbers, other countries, users, opted-out phones', async () => {
    const user = await w.user();
    const optedOut = stranger();
    await w.stores.users.setOptOut(optedOut, true);
    await rejects(invite(w.deps, inviter, { phone: '6505550100', name: 'x' }), 'invalid_phone');
    await rejects(invite(w.deps, inviter, { phone: stranger(), name: ' ' }), 'invalid_name');
    await rejects(invite(w.deps, inviter, { phone: inviter.phone, name: 'me' }), 'invalid_contact');
    await rejects(invite(w.deps, inviter, { phone: SERVICE_NUMBERS[1], name: 'svc' }), 'invalid_phone');
    await rejects(invite(w.deps, inviter, { phone: '+442079460000', name: 'uk' }), 'country_not_allowed');
    await rejects(invite(w.deps, inviter, { phone: user.phone, name: 'u' }), 'existing_user');
    await rejects(invite(w.deps, inviter, { phone: optedOut, name: 'o' }), 'opted_out');
    expect(w.sms.sent).toEqual([]);
    expect(await getContacts(w.deps, inviter.imNumber)).toMatchObject({ version: 0, contacts: [] });
  });

  it('keeps the contacts cap: a full list invites no one (the phone would join it)', async () => {
    const full = await w.user({ contactsCount: MAX_CONTACTS });
    const phone = stranger();
    await rejects(invite(w.deps, full, { phone, name: 'Y' }), 'too_many_contacts');
    expect(w.sms.inbox(phone)).toEqual([]);
    expect(await w.stores.invitations.getInvitation(phone)).toBeNull();
    expect((await w.stores.users.getUser(full.imNumber))?.contactsCount).toBe(MAX_CONTACTS);
    // Refused before the daily counter: a full list does not spend today's invitations.
    w.stores.table.profiles.get(full.imNumber)!.contactsCount = MAX_CONTACTS - INVITATIONS_PER_DAY;
    for (let i = 0; i < INVITATIONS_PER_DAY; i++)
      await invite(w.deps, full, { phone: stranger(), name: 'x' });
    expect((await w.stores.users.getUser(full.imNumber))?.contactsCount).toBe(MAX_CONTACTS);
    await rejects(invite(w.deps, full, { phone: stranger(), name: 'x' }), 'too_many_contacts');
  });

  it('keeps the count right: a refusal after the slot is taken gives it back; YES moves the slot to the new user', async () => {
    const count = async (imNumber = inviter.imNumber) =>
      (await w.stores.users.getUser(imNumber))?.contactsCount ?? 0;
    const user = await w.user();
    await rejects(invite(w.deps, inviter, { phone: user.phone, name: 'u' }), 'existing_user');
    const phone = stranger();
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    expect(await count()).toBe(1);
    await rejects(invite(w.deps, inviter, { phone, name: 'Dan' }), 'invitation_pending');
    expect(await count()).toBe(1);
    // A phone already on the list (added, then invited) keeps its one slot.
    const added = stranger();
    await addContact(w.deps, inviter, { phone: added, name: 'Eve' });
    await invite(w.deps, inviter, { phone: added, name: 'Eve' });
    expect(await count()).toBe(2);
    w.sms.failNext = [new SmsSendError('not a mobile number', false)]; // surely not sent: nothing kept
    await rejects(invite(w.deps, inviter, { phone: stranger(), name: 'F' }), 'sms_failed');
    expect(await count()).toBe(2);

    // A full list still takes YES: the new user takes the invited phone's slot.
    w.stores.table.profiles.get(inviter.imNumber)!.contactsCount = MAX_CONTACTS;
    await answer(phone, 'YES');
    const invitee = (await w.stores.users.getPhone(phone))!.imNumber!;
    expect(await count()).toBe(MAX_CONTACTS);
    expect(await w.stores.contacts.getContact(inviter.imNumber, { imNumber: invitee })).toMatchObject({
      name: 'Dan',
    });
    expect(await w.stores.contacts.getContact(inviter.imNumber, { phone })).toBeNull();
    expect(await count(invitee)).toBe(1);
  });

  it('an SMS that may have gone (the provider failed and could not be asked) answers sms_failed, as sign-in does, but stays pending', async () => {
    const down = () => new SmsSendError('twilio request failed: TypeError', true);
    const phone = stranger();
    w.sms.failNext = [down()];
    w.sms.failNextFind = [down()];
    await rejects(invite(w.deps, inviter, { phone, name: 'Dan' }), 'sms_failed');
    // It may have gone: the invitation is pending and the phone on the list, and nothing is sent again.
    expect(await w.stores.invitations.getInvitation(phone)).toMatchObject({
      status: 'pending',
      inviter: inviter.imNumber,
    });
    expect(await w.stores.contacts.getContact(inviter.imNumber, { phone })).toMatchObject({ name: 'Dan' });
    await rejects(invite(w.deps, inviter, { phone, name: 'Dan' }), 'invitation_pending');
    expect(w.sms.inbox(phone)).toEqual([]);
    // The invitee got it after all and answers YES: it works as for any invitation.
    const reply = await answer(phone, 'YES');
    expect(JSON.stringify(reply)).toContain('are now contacts');
    const invitee = (await w.stores.users.getPhone(phone))!.imNumber!;
    expect(await w.stores.contacts.getContact(inviter.imNumber, { imNumber: invitee })).toMatchObject({
      name: 'Dan',
    });
  });

  it('a try that got no answer (a timeout) is sent once, not retried on an empty lookup: sms_failed, kept pending', async () => {
    const timedOut = () => new SmsSendError('twilio request failed: TimeoutError', true, undefined, true);
    const phone = stranger();
    w.sms.failNext = [timedOut(), timedOut(), timedOut()];
    await expect(invite(w.deps, inviter, { phone, name: 'Dan' })).rejects.toMatchObject({
      code: 'sms_failed',
      message: expect.stringContaining('stays pending'),
    });
    expect(w.sms.failNext).toHaveLength(2); // one try, not three
    expect(await w.stores.invitations.getInvitation(phone)).toMatchObject({ status: 'pending' });
    await rejects(invite(w.deps, inviter, { phone, name: 'Dan' }), 'invitation_pending');
    expect(JSON.stringify(await answer(phone, 'YES'))).toContain('are now contacts');
  });

  it('an SMS that surely did not go answers sms_failed and keeps nothing: the phone can be invited again', async () => {
    const phone = stranger();
    w.sms.failNext = [new SmsSendError('not a mobile number', false)];
    await rejects(invite(w.deps, inviter, { phone, name: 'Dan' }), 'sms_failed');
    expect(await w.stores.contacts.getContact(inviter.imNumber, { phone })).toBeNull();
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    expect(w.sms.inbox(phone)).toHaveLength(1);
  });

  it('one pending invitation per phone, whoever invites', async () => {
    const phone = stranger();
    await invite(w.deps, inviter, { phone, name: 'Dan' });
    await rejects(invite(w.deps, inviter, { phone, name: 'Dan' }), 'invitation_pending');
    await rejects(invite(w.deps, await w.user(), { phone, name: 'D' }), 'invitation_pending');
    expect(w.sms.inbox(phone)).toHaveLength(1);
  });

  it(`caps an inviter at ${INVITATIONS_PER_DAY} a day`, async () => {
    for (let i = 0; i < INVITATIONS_PER_DAY; i++)
      await invite(w.deps, inviter, { phone: stranger(), name: 'x' });
    const phone = stranger();
    await rejects(invite(w.deps, inviter, { phone, name: 'x' }), 'too_many_invitations');
    expect(w.sms.inbox(phone)).toEqual([]);
    w.clock.advance(24 * 3600 * 1000);
    await invite(w.deps, inviter, { phone, name: 'x' });
    expect(w.sms.inbox(phone)).toHaveLength(1);
  });

  it('INVITE by SMS from a user sends it; from a stranger it is refused with a reply', async () => {
    const phone = stranger();
    expect((await answer(inviter.phone, `invite ${phone} Dan`)).reply).toBe(
      'Invitation sent to Dan. It expires in 7 days.',
    );
    expect(w.sms.inbox(phone)).toHaveLength(1);
    expect((await answer(inviter.phone, `INVITE ${phone} Dan`)).reply).toMatch(/^Not sent: .*pending/);
    expect((await answer(stranger(), `INVITE ${stranger()} Dan`)).reply).toContain('Only IM users');
    expect(w.sms.inbox(phone)).toHaveLength(1);
  });
});
