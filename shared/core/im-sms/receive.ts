import { findOrCreateUser } from '../provisioning/accounts';
import { cancelInvitation } from '../invitations/invite';
import { answerInvitationSms, inviteBySms } from '../invitations/sms';
import { parseSmsAddress, type SmsAddress } from '../conversion/addressing';
import { messageIdFor } from '../ids';
import { parseKeyword } from '../conversion/keywords';
import { imNumberFromDefaultName } from '../provisioning/names';
import { smsAllowed } from '../provisioning/phone';
import type { Deps } from '../ports';
import { routeMessage } from '../delivery/route';
import { LogEvent } from '../log-events';
import type { UserProfile } from '../types';

/** A help or error reply goes to one phone at most this often, so two auto-responders can never loop. */
export const REPLY_INTERVAL_SECONDS = 60 * 60;

export const REPLIES = {
  stop: 'You are unsubscribed and will get no more messages. Reply START to resubscribe.',
  start: 'You are subscribed again. Reply HELP for help, STOP to unsubscribe.',
  help: 'IM by SMS: text "@<IM number> message" or "@<name> message". Reply on a thread to answer that contact. STOP to unsubscribe.',
  unknownRecipient: 'No IM user has that number or name. Text "@<IM number> message". Reply HELP for help.',
  empty: 'Your message was empty. Text "@<IM number> message". Reply HELP for help.',
  noPeer: 'Who is this for? Start with "@<IM number>" or "@<name>". Reply HELP for help.',
} as const;

export interface InboundSms {
  messageSid: string;
  /** The sender's phone, E.164. */
  from: string;
  /** The service number texted. */
  to: string;
  body: string;
}

/** What to answer the phone with (as TwiML), if anything. */
export interface InboundResult {
  reply?: string;
}

/**
 * An SMS to a service number (the patent's IM-SMS): keywords first, then the address (`@imNumber`, `@name`,
 * the number's thread), then the routing judgement as for any message. Duplicates of a MessageSid are dropped:
 * keywords by a claim on the sid, messages by their sid-derived id.
 */
export async function receiveSms(deps: Deps, sms: InboundSms): Promise<InboundResult> {
  // An answer to an invitation comes before the keywords: YES is also START (docs/design.md).
  const answered = await answerInvitationSms(deps, sms);
  if (answered) return answered;
  const keyword = parseKeyword(sms.body);
  if (keyword) {
    if (!(await deps.once.claimOnce(`sms:${sms.messageSid}`, deps.clock.now(), 7 * 24 * 3600))) return {};
    // CANCEL (any opt-out word) also drops a pending invitation, and the phone is never invited again.
    if (keyword === 'stop') await cancelInvitation(deps, sms.from);
    const record = await deps.users.getPhone(sms.from);
    if (keyword !== 'help') await deps.users.setOptOut(sms.from, keyword === 'stop', record?.imNumber);
    deps.log.info(LogEvent.SmsKeyword, { sid: sms.messageSid, keyword });
    return { reply: REPLIES[keyword] };
  }

  const invited = await inviteBySms(deps, sms);
  if (invited) return invited;

  const address = parseSmsAddress(sms.body);
  const senderImNumber = await deps.users.userOfPhone(sms.from);
  let sender = senderImNumber ? await deps.users.getUser(senderImNumber) : null;
  if (!sender && address.kind === 'none') return rateLimitedReply(deps, sms, REPLIES.help, 'unregistered');

  const recipientImNumber = await resolveRecipient(deps, sender, sms.to, address);
  if (!recipientImNumber) {
    const noPeer = address.kind === 'none';
    return rateLimitedReply(deps, sms, noPeer ? REPLIES.noPeer : REPLIES.unknownRecipient, 'no_recipient');
  }
  if (!address.text) return rateLimitedReply(deps, sms, REPLIES.empty, 'empty');
  const recipient = await deps.logins.getRecipient(recipientImNumber);
  if (!recipient) return rateLimitedReply(deps, sms, REPLIES.unknownRecipient, 'unknown_recipient');
  if (!sender) {
    // A plain phone with no account gets one on its first addressed message to a real user, so it can reach
    // IM users without an app.
    if (!smsAllowed(sms.from, deps.config.smsCountries))
      return rateLimitedReply(deps, sms, REPLIES.help, 'country');
    sender = (await findOrCreateUser(deps, sms.from)).user;
  }

  const outcome = await routeMessage(
    deps,
    {
      id: messageIdFor('sms', sms.messageSid),
      from: sender.imNumber,
      fromName: sender.name,
      to: recipientImNumber,
      text: address.text,
      via: 'sms',
      inboundSid: sms.messageSid,
    },
    recipient,
  );
  if (outcome.kind === 'routed' && sender.threads?.[sms.to]?.peer !== recipientImNumber) {
    // This phone's thread on that number now belongs to the recipient: a reply without a prefix goes there.
    await deps.users.setThread(sender.imNumber, sms.to, { peer: recipientImNumber, at: deps.clock.now() });
  }
  return {};
}

async function resolveRecipient(
  deps: Deps,
  sender: UserProfile | null,
  serviceNumber: string,
  address: SmsAddress,
): Promise<string | null> {
  switch (address.kind) {
    case 'imNumber':
      return address.imNumber;
    case 'name':
      return imNumberFromDefaultName(address.name) ?? (await deps.users.findByName(address.name));
    case 'none':
      return sender?.threads?.[serviceNumber]?.peer ?? null;
  }
}

async function rateLimitedReply(
  deps: Deps,
  sms: InboundSms,
  reply: string,
  reason: string,
): Promise<InboundResult> {
  const key = `reply:${sms.from}`;
  const allowed = await deps.once.claimOnce(key, deps.clock.now(), REPLY_INTERVAL_SECONDS);
  deps.log.info(LogEvent.SmsNotRouted, { sid: sms.messageSid, reason, replied: allowed });
  return allowed ? { reply } : {};
}
