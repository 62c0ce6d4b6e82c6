import { E164_PATTERN } from '../core/provisioning/e164';

/**
 * The shapes of the identifiers Twilio's webhooks carry, checked at the boundary before any of them reaches a
 * DynamoDB key, a stored row or a frame: a webhook whose identifier has another shape is signed (so it is ours or
 * Twilio's) but wrong, and is answered 200 with nothing changed, never a 500 from a key DynamoDB refuses. Twilio
 * documents every SID as two letters and 32 hex digits (34 characters).
 */

/** An inbound message's MessageSid: `SM` (SMS) or `MM` (MMS) and 32 hex digits. */
export const INBOUND_MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;

/** A call's CallSid: `CA` and 32 hex digits. */
export const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

/** The number texted or called (`To`): an E.164 phone number, as Twilio sends our service numbers. */
export const SERVICE_NUMBER_SHAPE = E164_PATTERN;

/** A provider error code as Twilio writes it (`30003`): 1 to 6 digits. Any other is dropped from a report. */
export const ERROR_CODE = /^\d{1,6}$/;

/** The most media one Twilio MMS carries (NumMedia is 0 to 10). */
export const MAX_NUM_MEDIA = 10;

/**
 * Twilio's NumMedia as a count: a whole number 0 to {@link MAX_NUM_MEDIA}; absent, or anything else, is 0 (an
 * SMS), so a malformed count never invents media nor hides a text.
 */
export function mediaCount(numMedia: string | undefined): number {
  if (numMedia === undefined || !/^\d{1,2}$/.test(numMedia)) return 0;
  const n = Number(numMedia);
  return n <= MAX_NUM_MEDIA ? n : 0;
}
