import { LogEvent } from '../log-events';
import { SmsSendError, type Deps } from '../ports';

/**
 * The provider's own opt-out, beside the app's (docs/design.md, "Two opt-outs: the app's and Twilio's").
 *
 * The app's STOP is global: a phone that texts STOP to any service number gets nothing more from the service until
 * it texts START to any of them. Twilio's default opt-out handling on long codes works per pair instead: the
 * number that got the STOP refuses every later message to that phone (error 21610) until the phone texts START,
 * YES or UNSTOP to that same number; the phone's texts to other numbers change nothing there. So after STOP to one
 * number and START to another, the app would text the phone again while Twilio still refuses the first number.
 *
 * The app keeps, per user, the numbers Twilio refuses to their phone (UserProfile.blockedNumbers), from two
 * sources: the phone's texts, read by Twilio's own rule ({@link providerOptOutOf}), and a send refused with 21610
 * (a block the texts could not show: one from before the phone had an account, or from another system). No SMS
 * goes from a blocked number: the thread with that contact moves to another service number (the contact's texts
 * then come from there, and replies to either number still reach them), and a text from the phone that Twilio
 * reads as opting in to that number again frees it.
 */

/** Twilio's error code for a message to a phone that opted out of the sending number. */
export const PROVIDER_OPT_OUT_CODE = 21610;

/**
 * Twilio's default opt-out words on a long code: a text that is exactly one of them (case-insensitive, spaces
 * around ignored; "STOP PLEASE" is not) blocks, or unblocks, the number texted for that phone.
 * Sources: https://www.twilio.com/docs/messaging/tutorials/advanced-opt-out (opt-out words),
 * https://help.twilio.com/articles/223134027 (Twilio support for opt-out keywords: START, YES, UNSTOP opt in).
 */
const OPT_OUT_WORDS = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'REVOKE',
  'OPTOUT',
]);
const OPT_IN_WORDS = new Set(['START', 'YES', 'UNSTOP']);

/** What a text does to its pair under Twilio's rule: `out`, `in`, or null (nothing). */
export function providerOptOutOf(body: string): 'out' | 'in' | null {
  const word = body.trim().toUpperCase();
  if (OPT_OUT_WORDS.has(word)) return 'out';
  if (OPT_IN_WORDS.has(word)) return 'in';
  return null;
}

/** Whether a send failed because the provider's opt-out refuses this pair (21610): permanent, never retried. */
export function isProviderOptOut(err: unknown): boolean {
  return err instanceof SmsSendError && Number(err.providerCode) === PROVIDER_OPT_OUT_CODE;
}

/**
 * Follows Twilio's per-number opt-out from a phone's text to a service number (`to`): an opt-out word blocks that
 * number for the phone's user, an opt-in word frees it. Nothing for any other text (no read), a phone with no
 * account (its first SMS learns the block from the refusal), or a number already in that state.
 */
export async function trackProviderOptOut(
  deps: Deps,
  sms: { from: string; to: string; body: string; messageSid: string },
): Promise<void> {
  const effect = providerOptOutOf(sms.body);
  if (!effect || !deps.config.serviceNumbers.includes(sms.to)) return;
  const imNumber = await deps.users.userOfPhone(sms.from);
  const profile = imNumber ? await deps.users.getUser(imNumber, { consistent: true }) : null;
  if (!profile) return;
  const blocked = effect === 'out';
  if ((profile.blockedNumbers ?? []).includes(sms.to) === blocked) return;
  await deps.users.setNumberBlocked(profile.imNumber, sms.to, blocked);
  deps.log.info(LogEvent.SmsNumberBlocked, { sid: sms.messageSid, serviceNumber: sms.to, blocked });
}

/** A send from `serviceNumber` was refused with 21610: that number is blocked for the user's phone from now on. */
export async function noteProviderRefusal(
  deps: Deps,
  imNumber: string,
  serviceNumber: string,
): Promise<void> {
  await deps.users.setNumberBlocked(imNumber, serviceNumber, true);
  deps.log.info(LogEvent.SmsNumberBlocked, { imNumber, serviceNumber, blocked: true, refused: true });
}
