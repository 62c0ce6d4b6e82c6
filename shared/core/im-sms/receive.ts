import { withMediaNote } from '../conversion/message-text';
import { findOrCreateUser } from '../provisioning/accounts';
import { cancelInvitation } from '../invitations/invite';
import { answerInvitationSms, inviteBySms } from '../invitations/sms';
import { isCancelWord } from '../invitations/answers';
import { parseSmsAddress, type SmsAddress } from '../conversion/addressing';
import { messageIdFor } from '../ids';
import { isYesWord, parseKeyword, type Keyword } from '../conversion/keywords';
import { imNumberFromDefaultName } from '../provisioning/names';
import { countryCodeOf, smsAllowed } from '../provisioning/phone';
import { hasVisibleCharacter } from '../contacts/profile-rules';
import type { Deps } from '../ports';
import { storeForRouting } from './inbound-route';
import { LogEvent } from '../log-events';
import type { UserProfile } from '../types';
import { isServiceNumber, replyTo, type GatedReply } from './outbound';
import { oncePerSid } from './once-per-sid';
import { trackProviderOptOut } from './provider-opt-out';

/** A help or error reply goes to one phone at most this often, so two auto-responders can never loop. */
export const REPLY_INTERVAL_SECONDS = 60 * 60;

export const REPLIES = {
  stop: 'You are unsubscribed and will get no more messages. Reply START to resubscribe.',
  start: 'You are subscribed again. Reply HELP for help, STOP to unsubscribe.',
  help: 'IM by SMS: text "@<IM number> message" or "@<name> message". Reply on a thread to answer that contact. STOP to unsubscribe.',
  unknownRecipient: 'No IM user has that number or name. Text "@<IM number> message". Reply HELP for help.',
  empty: 'Your message was empty. Text "@<IM number> message". Reply HELP for help.',
  noPeer: 'Who is this for? Start with "@<IM number>" or "@<name>". Reply HELP for help.',
  self: 'That is your own IM number or name. Text "@<IM number> message" to reach someone else.',
  mediaOnly:
    'Pictures and other media are not carried, only text. Your message was not delivered; text it in words.',
} as const;

export interface InboundSms {
  messageSid: string;
  /** The sender's phone, E.164. */
  from: string;
  /** The service number texted. */
  to: string;
  body: string;
  /** How many media items (pictures, …) came with the text (Twilio's NumMedia); they are never carried. */
  media?: number;
}

/** What to answer the phone with (as TwiML), if anything: only text that passed the opt-out gate. */
export interface InboundResult {
  reply?: GatedReply;
}

/**
 * An SMS to a service number (the patent's IM-SMS): keywords first, then the address (`@imNumber`, `@name`,
 * the number's thread), then the routing judgement as for any message. Duplicates of a MessageSid are dropped:
 * keywords by a claim on the sid (released if the work fails, so the provider's retry redoes it), messages by
 * their sid-derived id. A text from one of our own service numbers is not a person's: it is not routed and
 * gets no answer. Every reply passes the gate (im-sms/outbound.ts): a phone outside SMS_COUNTRIES gets none at
 * all. Every reading of the body for meaning (invitation answers, keywords, INVITE, the address) reads it
 * after dropping format characters and NFKC; the text delivered is what the person wrote after the address.
 * YES is START only for an opted-out phone: from any other phone with no pending invitation it is a message.
 * Media (MMS) is never carried: a text with media is delivered with a note of how many items were dropped, and
 * media alone is answered that only text is carried.
 */
export async function receiveSms(deps: Deps, sms: InboundSms): Promise<InboundResult> {
  if (isServiceNumber(deps, sms.from)) {
    deps.log.warn(LogEvent.SmsFromServiceNumber, { sid: sms.messageSid });
    return {};
  }
  if (!smsAllowed(sms.from, deps.config.smsCountries)) {
    // Handled as any text (a STOP is still recorded), but the gate lets no reply through: the log says so once.
    deps.log.info(LogEvent.SmsFromUnservedCountry, {
      sid: sms.messageSid,
      countryCode: countryCodeOf(sms.from),
    });
  }
  const media = sms.media ?? 0;
  if (media > 0) deps.log.info(LogEvent.SmsMediaDropped, { sid: sms.messageSid, media });
  // Twilio's per-number opt-out, read by Twilio's rule, whatever the app makes of the text (provider-opt-out.ts).
  await trackProviderOptOut(deps, sms);
  // An answer to an invitation comes before the keywords: YES from an opted-out phone is START too.
  const answered = await answerInvitationSms(deps, sms);
  if (answered) return answered;
  const keyword = parseKeyword(sms.body);
  if (keyword && !(await isYesOfSubscribedPhone(deps, sms, keyword)))
    return oncePerSid(deps, sms.messageSid, () => onKeyword(deps, sms, keyword));

  const invited = await inviteBySms(deps, sms);
  if (invited) return invited;

  const address = parseSmsAddress(sms.body);
  // Blank by the same rule as an IM text (contacts/profile-rules.ts): only characters that show as nothing.
  const hasText = hasVisibleCharacter(address.text);
  if (media > 0 && !hasText) return rateLimitedReply(deps, sms, REPLIES.mediaOnly, 'media_only');
  const senderImNumber = await deps.users.userOfPhone(sms.from);
  let sender = senderImNumber ? await deps.users.getUser(senderImNumber) : null;
  if (!sender && address.kind === 'none') return rateLimitedReply(deps, sms, REPLIES.help, 'unregistered');

  const recipientImNumber = await resolveRecipient(deps, sender, sms.to, address);
  if (!recipientImNumber) {
    const noPeer = address.kind === 'none';
    const text = noPeer ? REPLIES.noPeer : REPLIES.unknownRecipient;
    return rateLimitedReply(deps, sms, text, 'no_recipient', sender);
  }
  // Texting yourself would bounce back as an SMS at the service's cost: refused, like sendMessage to yourself.
  if (sender && recipientImNumber === sender.imNumber)
    return rateLimitedReply(deps, sms, REPLIES.self, 'self', sender);
  if (!hasText) return rateLimitedReply(deps, sms, REPLIES.empty, 'empty', sender);
  const recipient = await deps.logins.getRecipient(recipientImNumber);
  if (!recipient) return rateLimitedReply(deps, sms, REPLIES.unknownRecipient, 'unknown_recipient', sender);
  if (!sender) {
    // A plain phone with no account gets one on its first addressed message to a real user, so it can reach
    // IM users without an app.
    if (!smsAllowed(sms.from, deps.config.smsCountries))
      return rateLimitedReply(deps, sms, REPLIES.help, 'country');
    sender = (await findOrCreateUser(deps, sms.from)).user;
  }

  // Stored, then routed by its delivery check: the webhook is answered without waiting for a push or an SMS.
  const outcome = await storeForRouting(
    deps,
    {
      id: messageIdFor('sms', sms.messageSid),
      from: sender.imNumber,
      fromName: sender.name,
      to: recipientImNumber,
      // The IM frame's limit holds for a text however it came: a body past it is cut, not stored whole. Media
      // that came with it is not carried: the recipient's copy says how many items were dropped.
      text: withMediaNote(address.text, media),
      via: 'sms',
      inboundSid: sms.messageSid,
    },
    recipient,
  );
  // This phone's thread on that number now belongs to the recipient: a reply without a prefix goes there. A
  // retried webhook whose first try stored the message but failed before this write makes it now, unless a
  // later message has moved the thread on since.
  const stored = outcome.message;
  const binding = sender.threads?.[sms.to];
  if (
    stored &&
    stored.from === sender.imNumber &&
    binding?.peer !== recipientImNumber &&
    !(binding && binding.at > stored.sentAt)
  ) {
    await deps.users.setThread(sender.imNumber, sms.to, { peer: recipientImNumber, at: deps.clock.now() });
  }
  return {};
}

/**
 * True for YES (a START word: conversion/keywords.ts) from a phone that has not opted out: no re-subscription
 * then, but an ordinary message (an answer on a thread). The phone record is read only for YES.
 */
async function isYesOfSubscribedPhone(deps: Deps, sms: InboundSms, keyword: Keyword): Promise<boolean> {
  if (keyword !== 'start' || !isYesWord(sms.body)) return false;
  return !((await deps.users.getPhone(sms.from))?.optedOut ?? false);
}

/**
 * STOP, START, HELP. STOP is recorded (phone and profile) and confirmed: a first STOP always, a repeated one at
 * most once per {@link REPLY_INTERVAL_SECONDS} (two auto-responders must not loop). START clears the opt-out
 * and is confirmed. HELP is answered unless the phone opted out.
 */
async function onKeyword(deps: Deps, sms: InboundSms, keyword: Keyword): Promise<InboundResult> {
  // Any opt-out word also closes a pending invitation; CANCEL (the word the invitation names) for good.
  if (keyword === 'stop') await cancelInvitation(deps, sms.from, isCancelWord(sms.body));
  const record = await deps.users.getPhone(sms.from);
  const wasOptedOut = record?.optedOut ?? false;
  if (keyword !== 'help') await deps.users.setOptOut(sms.from, keyword === 'stop', record?.imNumber);
  deps.log.info(LogEvent.SmsKeyword, { sid: sms.messageSid, keyword });
  switch (keyword) {
    case 'stop':
      if (wasOptedOut && !(await replyAllowed(deps, sms))) return {};
      return { reply: await replyTo(deps, sms.from, REPLIES.stop, 'stop_confirmation') };
    case 'start':
      return {
        reply: await replyTo(deps, sms.from, REPLIES.start, 'start_confirmation', { optedOut: false }),
      };
    case 'help':
      return gated(deps, sms, REPLIES.help, { optedOut: wasOptedOut });
  }
}

/** A reply through the opt-out gate; a withheld one is logged (sid only). */
async function gated(
  deps: Deps,
  sms: InboundSms,
  text: string,
  known?: { optedOut: boolean },
): Promise<InboundResult> {
  const reply = await replyTo(deps, sms.from, text, 'reply', known);
  if (!reply) deps.log.info(LogEvent.SmsReplyWithheld, { sid: sms.messageSid, reason: 'opted_out' });
  return reply ? { reply } : {};
}

/**
 * The reply limit: one help or error reply per phone per {@link REPLY_INTERVAL_SECONDS}. The token is held by
 * the MessageSid, so the provider's retry of the same sid still gets its reply.
 */
function replyAllowed(deps: Deps, sms: InboundSms): Promise<boolean> {
  return deps.once.claimOnce(`reply:${sms.from}`, deps.clock.now(), REPLY_INTERVAL_SECONDS, sms.messageSid);
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

/**
 * An error or help reply to a text that reached nobody: through the opt-out gate first (an opted-out phone
 * gets nothing, and spends no token), then the reply limit.
 */
async function rateLimitedReply(
  deps: Deps,
  sms: InboundSms,
  text: string,
  reason: string,
  sender?: UserProfile | null,
): Promise<InboundResult> {
  const reply = await replyTo(deps, sms.from, text, 'reply', sender ?? undefined);
  const allowed = reply !== undefined && (await replyAllowed(deps, sms));
  deps.log.info(LogEvent.SmsNotRouted, { sid: sms.messageSid, reason, replied: allowed });
  return allowed ? { reply } : {};
}
