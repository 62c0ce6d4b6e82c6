import type { Deps } from '../ports';
import { smsAllowed } from '../provisioning/phone';

/**
 * The one gate every outbound SMS passes, whatever sends it: a message's SMS leg (a missed-call note's too), a
 * sign-in code, a TwiML reply (help, error, keyword and invitation replies), an invitation and its outcome SMS.
 * Three rules, in this order:
 *
 * 1. Nothing goes to one of our own service numbers (they are not people; texting them makes loops).
 * 2. Nothing goes to a phone outside SMS_COUNTRIES (against SMS pumping): not even a reply to its own text, nor
 *    the confirmation of its STOP.
 * 3. Nothing goes to a phone that texted STOP until it texts START, with one exception: the confirmation of
 *    the STOP itself. START's confirmation passes because START has already cleared the opt-out.
 *
 * The way to send is {@link sendSmsWithRetry} (im-sms/send.ts), which takes only a {@link ClearedPhone}, and the
 * way to reply is {@link replyTo}, which returns a {@link GatedReply}; both are made only here. The linter
 * (eslint.config.js) keeps `deps.sms.send` out of the rest of the core.
 */

/** What an outbound SMS is for. Only `stop_confirmation` may reach an opted-out phone. */
export type SmsPurpose =
  'message' | 'code' | 'reply' | 'invitation' | 'stop_confirmation' | 'start_confirmation';

/** Why the gate refused: the phone opted out, its country is not served, or it is one of our service numbers. */
export type SmsRefusal = 'opted_out' | 'service_number' | 'country_not_allowed';

declare const clearedBrand: unique symbol;
/** An E.164 phone the gate has cleared for one SMS. Made only by {@link clearForSms}. */
export type ClearedPhone = string & { readonly [clearedBrand]: true };

declare const replyBrand: unique symbol;
/** Reply text the gate has cleared for the phone that texted. Made only by {@link replyTo}. */
export type GatedReply = string & { readonly [replyBrand]: true };

/** True when `phone` (E.164) is one of the configured service numbers. */
export function isServiceNumber(deps: Pick<Deps, 'config'>, phone: string): boolean {
  return deps.config.serviceNumbers.includes(phone);
}

/**
 * The gate. `known.optedOut` is the opt-out state the caller has just read for this phone (the recipient's
 * profile, or its phone record), which saves a read; without it the phone record is read. Returns the phone,
 * cleared, or why not.
 */
export async function clearForSms(
  deps: Deps,
  phone: string,
  purpose: SmsPurpose,
  known?: { optedOut: boolean },
): Promise<{ ok: true; to: ClearedPhone } | { ok: false; reason: SmsRefusal }> {
  if (isServiceNumber(deps, phone)) return { ok: false, reason: 'service_number' };
  if (!smsAllowed(phone, deps.config.smsCountries)) return { ok: false, reason: 'country_not_allowed' };
  if (purpose !== 'stop_confirmation') {
    const optedOut = known ? known.optedOut : ((await deps.users.getPhone(phone))?.optedOut ?? false);
    if (optedOut) return { ok: false, reason: 'opted_out' };
  }
  return { ok: true, to: phone as ClearedPhone };
}

/**
 * A TwiML reply to the phone that texted, through the gate: the text, or undefined when nothing may go to that
 * phone (then the webhook answers an empty <Response/>).
 */
export async function replyTo(
  deps: Deps,
  phone: string,
  text: string,
  purpose: SmsPurpose,
  known?: { optedOut: boolean },
): Promise<GatedReply | undefined> {
  const cleared = await clearForSms(deps, phone, purpose, known);
  return cleared.ok ? (text as GatedReply) : undefined;
}
