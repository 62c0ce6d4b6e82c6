import { MAX_ATTEMPTS } from '../shared/core/ivr/answer';
import { onKeyedDigits } from '../shared/core/ivr/call';
import { LogEvent } from '../shared/core/log-events';
import { twilioWebhook } from '../shared/runtime/twilio-webhook';
import { HANG_UP, inboundCall, renderVoice } from '../shared/runtime/voice-twiml';

/** POST /twilio/voice/gather?attempt=N: the imNumber the caller keyed (Digits), or nothing on a timeout. */
export const handler = twilioWebhook('twilio-voice-gather', { sms: false }, async (deps, params, event) => {
  const attempt = Number(event.queryStringParameters?.attempt);
  const entry = {
    digits: params.Digits ?? '',
    // The URL is our own, signed by Twilio; a missing or odd count is taken as the last try.
    attempt: Number.isInteger(attempt) && attempt >= 1 && attempt <= MAX_ATTEMPTS ? attempt : MAX_ATTEMPTS,
  };
  const call = inboundCall(params);
  if (!call)
    deps.log.warn(LogEvent.TwilioBadIdentifier, { where: 'twilio-voice-gather', field: 'CallSid/To' });
  return {
    twiml: renderVoice(call ? await onKeyedDigits(deps, call, entry) : HANG_UP, deps.config.publicUrl),
  };
});
