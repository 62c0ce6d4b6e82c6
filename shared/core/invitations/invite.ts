import { MAX_CONTACTS, tooManyContacts, validateContactName } from '../contacts/book';
import { badInput, conflict, forbidden, tooMany, unavailable } from '../errors';
import { clearForSms } from '../im-sms/outbound';
import { sendSmsWithRetry, type SmsOutcome } from '../im-sms/send';
import { chooseServiceNumber } from '../im-sms/service-numbers';
import { judge, liveConnections } from '../judgement/judge';
import { LogEvent } from '../log-events';
import type { Deps, Invitation } from '../ports';
import { findOrCreateUser } from '../provisioning/accounts';
import { INVITATION_COOLDOWN_MS, INVITATION_TTL_MS } from './withdraw';
import { assertSmsAllowed, parsePhone } from '../provisioning/phone';
import type { UserProfile } from '../types';

export { INVITATION_COOLDOWN_MS, INVITATION_TTL_MS } from './withdraw';
/** At most this many invitations per inviter per day (UTC day window), against SMS pumping. */
export const INVITATIONS_PER_DAY = 5;
const DAY_MS = 24 * 3600 * 1000;

/** The texts of the invitation flow, as phones see them. */
export const INVITATION_TEXTS = {
  invite: (inviter: UserProfile) =>
    `${inviter.name} (@${inviter.imNumber}) invites you to chat with them by SMS and IM. Reply YES to accept or NO to decline. Reply CANCEL to stop all messages from this service and never be invited again.`,
  welcome: (inviterName: string, inviter: string, imNumber: string) =>
    `You and ${inviterName} (@${inviter}) are now contacts. Your IM number is @${imNumber}. Reply here to text ${inviterName}, or sign in to the app with this phone.`,
  accepted: (i: Invitation, imNumber: string) =>
    `${i.name} accepted your invitation and is now your contact, IM number @${imNumber}.`,
  declined: (i: Invitation) => `${i.name} declined your invitation.`,
  expired: (i: Invitation) => `Your invitation to ${i.name} expired without an answer.`,
  declinedReply: 'You declined the invitation. Reply HELP for help, CANCEL to stop all messages.',
  expiredReply: 'That invitation has expired. Ask your contact to invite you again.',
  withdrawnReply: 'That invitation was withdrawn. Reply HELP for help.',
  noInvitation: 'You have no pending invitation. Reply HELP for help.',
  sent: (name: string) => `Invitation sent to ${name}. It expires in 7 days.`,
  /** The SMS reply to INVITE when the provider's outcome is unknown (INVITATION_UNKNOWN): it may well have gone. */
  mayNotHaveGone: (name: string) =>
    `Your invitation to ${name} may not have gone out (the SMS service did not answer in time). It stays pending for 7 days: if ${name} got it, a YES still works. Do not invite again before then.`,
  notAUser: 'Only IM users can invite. Sign up in the app first. Reply HELP for help.',
} as const;

/**
 * The `sms_failed` message of an invitation whose SMS may or may not have gone (the provider did not answer in
 * time and could not be asked): kept pending, not dropped. By IM the inviter can withdraw it (removeContact); an
 * INVITE texted from a phone is answered {@link INVITATION_TEXTS}.mayNotHaveGone instead.
 */
export const INVITATION_UNKNOWN =
  'the invitation SMS may not have been sent (the SMS provider did not answer in time); it stays pending for 7 days, so the phone can still answer it; remove the contact to withdraw it';

/**
 * An IM user invites a non-IM contact (claims 6, 13), online (`invite` action) or by texting `INVITE <phone>
 * <name>`. The invitee gets one SMS naming the inviter and how to answer; the phone joins the inviter's
 * contacts as a non-IM contact. Refusals send nothing and change nothing: `invalid_phone` (also a service
 * number), `invalid_name`, `invalid_contact` (yourself), `country_not_allowed`, `opted_out`, `existing_user`
 * (offered as a contact instead), `invitation_pending`, `invitation_refused` (the phone said CANCEL),
 * `invitation_cooldown`, `too_many_invitations`, `too_many_contacts` (the inviter's list is full: the phone would
 * join it); `sms_failed` when the provider failed after retries. When a try failed and the provider could not be
 * asked whether it took it (`unknown`, see sendSmsWithRetry), the answer is `sms_failed` too, as sign-in's is, but
 * the invitation stays pending and the phone on the list (it may have gone, and its YES must work); otherwise a
 * failure keeps nothing. The inviter's contacts slot is taken first (ContactBook.reserveContactSlot, the one
 * conditional write that keeps MAX_CONTACTS) and given back on every refusal.
 */
export async function invite(
  deps: Deps,
  inviter: UserProfile,
  input: { phone: string; name: string },
): Promise<Invitation> {
  const parsed = parsePhone(input.phone);
  const phone = parsed.e164;
  const name = validateContactName(input.name);
  if (phone === inviter.phone) throw badInput('you cannot invite yourself', 'invalid_contact');
  if (deps.config.serviceNumbers.includes(phone)) {
    throw badInput('that is a number of this service, not a person', 'invalid_phone');
  }
  assertSmsAllowed(parsed, deps.config.smsCountries);
  // The invited phone joins the inviter's list: its slot is taken first, by the one conditional write that keeps
  // the cap for addContact too, and before the daily counter (a full list does not spend an invitation).
  if (!(await deps.contacts.reserveContactSlot(inviter.imNumber, MAX_CONTACTS))) throw tooManyContacts();
  let slotHandedOver = false;
  try {
    const { invitation, unknown } = await sendInvitation(deps, inviter, phone, name);
    slotHandedOver = true; // addContact fills the slot, or gives it back (the phone was on the list already)
    await deps.contacts.addContact(
      inviter.imNumber,
      { kind: 'phone', phone, name, addedAt: invitation.createdAt },
      { reserved: true },
    );
    deps.log.info(LogEvent.InvitationSent, {
      inviter: inviter.imNumber,
      ...(unknown ? { outcome: 'unknown' } : {}),
    });
    if (unknown) {
      // As sign-in answers an unknown send: sms_failed. But this SMS may have gone and may be answered, so the
      // invitation is kept pending (a YES works, a new invite is `invitation_pending`, removing the contact
      // withdraws it) rather than dropped and sent again: a phone never gets two invitations for one.
      throw unavailable(INVITATION_UNKNOWN, 'sms_failed');
    }
    return invitation;
  } finally {
    if (!slotHandedOver) await deps.contacts.releaseContactSlot(inviter.imNumber);
  }
}

/**
 * The rules of `invite` after the inviter's slot is taken: the daily cap, the phone's state, the SMS. Returns the
 * pending invitation, and `unknown` when the SMS may or may not have gone (the provider failed and could not be
 * asked afterwards); throws `sms_failed`, dropping the invitation, when it surely did not go.
 */
async function sendInvitation(
  deps: Deps,
  inviter: UserProfile,
  phone: string,
  name: string,
): Promise<{ invitation: Invitation; unknown: boolean }> {
  // The daily counter comes before any lookup, so the answers below (which say whether a phone has an account)
  // cannot be used to enumerate phones faster than the cap.
  const now = deps.clock.now();
  if (!(await deps.rates.hitRateLimit(`invite:${inviter.imNumber}`, DAY_MS, INVITATIONS_PER_DAY, now))) {
    throw tooMany(`at most ${INVITATIONS_PER_DAY} invitations a day`, 'too_many_invitations');
  }
  const record = await deps.users.getPhone(phone);
  if (record?.imNumber) {
    throw conflict(
      `that phone already uses IM: add it as a contact with addContact, imNumber ${record.imNumber}`,
      'existing_user',
    );
  }
  if (record?.optedOut) throw forbidden('that phone has opted out of messages', 'opted_out');
  let current = await deps.invitations.getInvitation(phone);
  if (current?.status === 'pending' && current.expiresAt <= now) {
    await expireInvitation(deps, current);
    current = await deps.invitations.getInvitation(phone);
  }
  refuseUnlessOpen(current, now);
  const invitation: Invitation = {
    phone,
    inviter: inviter.imNumber,
    inviterName: inviter.name,
    name,
    status: 'pending',
    serviceNumber: chooseServiceNumber(deps.config.serviceNumbers, {}, inviter.imNumber, now).number,
    createdAt: now,
    expiresAt: now + INVITATION_TTL_MS,
  };
  if ((await deps.invitations.putInvitation(invitation, now)) === 'blocked') {
    refuseUnlessOpen(await deps.invitations.getInvitation(phone), now);
    throw conflict('that phone has a pending invitation', 'invitation_pending');
  }
  let outcome: SmsOutcome | null;
  try {
    // The opt-out gate every outbound SMS passes (checked above already; this is the one that sends).
    const cleared = await clearForSms(deps, phone, 'invitation');
    if (!cleared.ok) throw forbidden('that phone takes no SMS from this service', cleared.reason);
    outcome = await sendSmsWithRetry(
      deps,
      { from: invitation.serviceNumber, to: cleared.to, body: INVITATION_TEXTS.invite(inviter) },
      `invite:${inviter.imNumber}`,
    );
  } catch {
    outcome = null;
  }
  if (outcome === null || outcome === 'unasked') {
    // Nothing went out: the invitation is dropped so it can be tried again.
    await deps.invitations.closeInvitation(phone, now, { status: 'expired' });
    await deps.invitations.forgetInvited(inviter.imNumber, phone);
    throw unavailable('the SMS could not be sent; try again later', 'sms_failed');
  }
  return { invitation, unknown: outcome === 'unknown' };
}

function refuseUnlessOpen(current: Invitation | null, now: number): void {
  if (!current) return;
  if (current.status === 'pending')
    throw conflict('that phone has a pending invitation', 'invitation_pending');
  if (current.status === 'cancelled') {
    throw forbidden('that phone asked never to be invited again', 'invitation_refused');
  }
  if (current.cooldownUntil !== undefined && current.cooldownUntil > now) {
    throw tooMany('that phone was invited recently; try again later', 'invitation_cooldown');
  }
}

/**
 * Tells the inviter what became of an invitation: an `invitation` frame to each live connection when they are
 * online; an SMS when they are not, or always when `alsoSms` (the success SMS of claim 7). Never throws: the
 * invitation's state is already written.
 */
async function tellInviter(deps: Deps, invitation: Invitation, text: string, alsoSms = false): Promise<void> {
  try {
    const recipient = await deps.logins.getRecipient(invitation.inviter);
    if (!recipient) return;
    const now = deps.clock.now();
    let pushed = false;
    if (judge(recipient, now) === 'im') {
      for (const c of liveConnections(recipient, now)) {
        if ((await deps.im.push(c.connectionId, { kind: 'invitation', invitation })) === 'ok') pushed = true;
      }
    }
    if (pushed && !alsoSms) return;
    const cleared = await clearForSms(deps, recipient.profile.phone, 'message', {
      optedOut: recipient.profile.optedOut ?? false,
    });
    if (!cleared.ok) return;
    const peer = invitation.invitee ?? invitation.inviter;
    const choice = chooseServiceNumber(
      deps.config.serviceNumbers,
      recipient.profile.threads,
      peer,
      now,
      recipient.profile.blockedNumbers,
    );
    await sendSmsWithRetry(
      deps,
      { from: choice.number, to: cleared.to, body: text },
      `invite:${invitation.inviter}`,
    );
    if (invitation.invitee && choice.rebind) {
      await deps.users.setThread(invitation.inviter, choice.number, choice.rebind);
    }
  } catch (err) {
    deps.log.warn(LogEvent.InvitationNotifyFailed, {
      inviter: invitation.inviter,
      err,
    });
  }
}

/** Closes a pending invitation that is past its expiry and tells the inviter; false when it was not so. */
export async function expireInvitation(deps: Deps, invitation: Invitation): Promise<boolean> {
  const now = deps.clock.now();
  if (invitation.status !== 'pending' || invitation.expiresAt > now) return false;
  const closed = await deps.invitations.closeInvitation(invitation.phone, invitation.createdAt, {
    status: 'expired',
    cooldownUntil: now + INVITATION_COOLDOWN_MS,
  });
  if (!closed) return false;
  await deps.invitations.forgetInvited(invitation.inviter, invitation.phone);
  deps.log.info(LogEvent.InvitationClosed, { inviter: invitation.inviter, status: 'expired' });
  await tellInviter(deps, closed, INVITATION_TEXTS.expired(closed));
  return true;
}

/**
 * Expires the inviter's invitations that are past due, telling the inviter of each. Runs when the inviter asks
 * for their contacts (and when anyone answers or re-invites), so nothing needs a 7-day timer. Reads: one Query
 * of the inviter's list (at most 50, bounded by the daily cap) and one Get per listed invitation.
 */
export async function expireInvitationsOf(deps: Deps, inviter: string): Promise<number> {
  let expired = 0;
  for (const phone of await deps.invitations.invitedBy(inviter, 50)) {
    const invitation = await deps.invitations.getInvitation(phone);
    if (!invitation || invitation.inviter !== inviter || invitation.status !== 'pending') {
      await deps.invitations.forgetInvited(inviter, phone);
    } else if (await expireInvitation(deps, invitation)) expired++;
  }
  return expired;
}

/**
 * YES to a pending invitation (claims 7, 10): the phone becomes a user with an imNumber, inviter and invitee
 * become mutual contacts, the invitee's thread on the invitation's number is bound to the inviter, and both get
 * a success SMS (the invitee's is the returned reply); the inviter also gets an `invitation` frame if online.
 * The invited phone's contact on the inviter's list becomes the IM contact in its slot (ContactBook
 * replaceContact: the count does not move). A full list on either side (the invitee signed up since and filled
 * theirs, or the inviter removed the phone and filled the slot) leaves that side without the contact.
 */
export async function acceptInvitation(deps: Deps, invitation: Invitation): Promise<string | null> {
  const closed = await deps.invitations.closeInvitation(invitation.phone, invitation.createdAt, {
    status: 'accepted',
  });
  if (!closed) return null;
  const { user } = await findOrCreateUser(deps, invitation.phone);
  const now = deps.clock.now();
  // Both sides keep the contacts cap. The invitee is new (or signed up since and may be full: then the inviter
  // is not added to their list). The inviter's new IM contact takes the invited phone's slot, so the swap never
  // needs a free one; only when the phone was removed meanwhile does it take a slot, and a full list keeps it out.
  const invitee = await deps.contacts.addContact(
    user.imNumber,
    { kind: 'im', imNumber: invitation.inviter, name: invitation.inviterName, addedAt: now },
    { cap: MAX_CONTACTS },
  );
  // The name the inviter gave is kept on their list: it shows while the new user has the default name.
  const inviter = await deps.contacts.replaceContact(
    invitation.inviter,
    { phone: invitation.phone },
    { kind: 'im', imNumber: user.imNumber, name: invitation.name, addedAt: now },
    MAX_CONTACTS,
  );

  await deps.users.setThread(user.imNumber, invitation.serviceNumber, { peer: invitation.inviter, at: now });
  await deps.invitations.forgetInvited(invitation.inviter, invitation.phone);
  const full = [
    ...(invitee.result === 'full' ? ['invitee'] : []),
    ...(inviter.result === 'full' ? ['inviter'] : []),
  ];
  deps.log.info(LogEvent.InvitationClosed, {
    inviter: invitation.inviter,
    status: 'accepted',
    ...(full.length ? { contactsFull: full.join(',') } : {}),
  });
  const told = { ...closed, invitee: user.imNumber };
  await tellInviter(deps, told, INVITATION_TEXTS.accepted(told, user.imNumber), true);
  return INVITATION_TEXTS.welcome(invitation.inviterName, invitation.inviter, user.imNumber);
}

/** NO to a pending invitation: closed with a cooldown; the inviter is told by frame if online, else by SMS. */
export async function declineInvitation(deps: Deps, invitation: Invitation): Promise<string | null> {
  const closed = await deps.invitations.closeInvitation(invitation.phone, invitation.createdAt, {
    status: 'declined',
    cooldownUntil: deps.clock.now() + INVITATION_COOLDOWN_MS,
  });
  if (!closed) return null;
  await deps.invitations.forgetInvited(invitation.inviter, invitation.phone);
  deps.log.info(LogEvent.InvitationClosed, { inviter: invitation.inviter, status: 'declined' });
  await tellInviter(deps, closed, INVITATION_TEXTS.declined(closed));
  return INVITATION_TEXTS.declinedReply;
}

/**
 * An opt-out word from a phone with a pending invitation closes it (the inviter is not told; the phone's opt-out
 * refuses new invitations, `opted_out`, until it texts START). `forGood` (the word was CANCEL, which the
 * invitation SMS names for it): closed as `cancelled`, and the phone is never invited again
 * (`invitation_refused`). Any other opt-out word (STOP, END, ...): closed as `expired` with no cooldown, so once
 * the phone has texted START it can be invited again.
 */
export async function cancelInvitation(deps: Deps, phone: string, forGood: boolean): Promise<void> {
  const invitation = await deps.invitations.getInvitation(phone);
  if (invitation?.status !== 'pending') return;
  const status = forGood ? 'cancelled' : 'expired';
  if (await deps.invitations.closeInvitation(phone, invitation.createdAt, { status })) {
    await deps.invitations.forgetInvited(invitation.inviter, phone);
    deps.log.info(LogEvent.InvitationClosed, { inviter: invitation.inviter, status });
  }
}
