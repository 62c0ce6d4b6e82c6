import { MAX_ATTEMPTS } from '../shared/core/ivr/answer';
import { onKeyedDigits } from '../shared/core/ivr/call';
import { twilioWebhook } from '../shared/runtime/twilio-webhook';
import { inboundCall, renderVoice } from '../shared/runtime/voice-twiml';

/** POST /twilio/voice/gather?attempt=N: the imNumber the caller keyed (Digits), or nothing on a timeout. */
export const handler = twilioWebhook('twilio-voice-gather', { sms: false }, async (deps, params, event) => {
  const attempt = Number(event.queryStringParameters?.attempt);
  const entry = {
    digits: params.Digits ?? '',
    // The URL is our own, signed by Twilio; a missing or odd count is taken as the last try.
    attempt: Number.isInteger(attempt) && attempt >= 1 && attempt <= MAX_ATTEMPTS ? attempt : MAX_ATTEMPTS,
  };
  return {
    twiml: renderVoice(await onKeyedDigits(deps, inboundCall(params), entry), deps.config.publicUrl),
  };
});
