// Failure reasons and error codes in words. The raw code stays available for a tooltip.

const WORDS = {
  opted_out: 'the recipient’s phone opted out of SMS (STOP)',
  country_not_allowed: 'SMS to that country is not enabled on this server',
  provider_error: 'the SMS provider refused the message',
  unknown_recipient: 'no user has that IM number',
  client_id_reused: 'that message id was already used for another message; send it again as a new message',
  not_connected: 'the connection closed before the message went out',
  no_service_number: 'the sandbox lists no service number to text',
  invalid_recipient: 'that recipient cannot get messages',
  rate_limited: 'too many messages at once; wait a moment',
  bad_frame: 'the server did not understand the message',
  bad_json: 'the server could not read the message',
  too_long: 'the message is too long',
  sms_failed: 'the SMS could not be sent',
  existing_user: 'that phone already has an account: add it as a contact by its IM number instead',
  invitation_pending: 'that phone already has a pending invitation',
  invitation_cooldown: 'that phone declined or let an invitation expire lately; try again in 30 days',
  invitation_refused: 'that phone answered CANCEL and is never invited again',
  too_many_invitations: 'you sent the most invitations allowed today',
  invalid_phone: 'that is not a phone number in international format (+ and country code)',
  invalid_name: 'that name is not allowed',
  invalid_contact: 'that is you',
  contact_exists: 'already in your contacts',
  too_many_contacts: 'your contact list is full',
  unknown_contact: 'not in your contacts',
  // The code covers several rules; the server's message, shown beside these words, names the one broken.
  invalid_mood: 'the mood phrase was refused',
  invalid_avatar_url: 'the avatar URL was refused',
  sms_budget:
    'your SMS allowance for today is used up; the message is kept, and goes by IM once they are online',
};

/** Twilio error codes the sandbox (or Twilio) reports, in words. */
const PROVIDER = {
  30003: 'the phone is unreachable (switched off or out of coverage)',
  30004: 'the message was blocked',
  30005: 'the number does not exist',
  30006: 'the number cannot receive SMS (a landline?)',
  30007: 'the carrier filtered the message',
  30008: 'the carrier could not deliver it',
};

/**
 * A reason or error code in words, e.g. "sms_undelivered_30003" → "the SMS was not delivered: the phone is
 * unreachable (switched off or out of coverage)". Unknown codes come back with underscores as spaces.
 */
export function reasonText(code) {
  const c = String(code ?? '');
  if (WORDS[c]) return WORDS[c];
  const sms = /^sms_(undelivered|failed)(?:_(\d+))?$/.exec(c);
  if (sms) {
    const what = sms[1] === 'failed' ? 'the SMS failed' : 'the SMS was not delivered';
    return sms[2] && PROVIDER[sms[2]] ? `${what}: ${PROVIDER[sms[2]]}` : what;
  }
  return c.replace(/_/g, ' ');
}
