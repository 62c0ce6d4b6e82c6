import { answerCall } from '../shared/core/ivr/call';
import { twilioWebhook } from '../shared/runtime/twilio-webhook';
import { inboundCall, renderVoice } from '../shared/runtime/voice-twiml';

/** POST /twilio/voice: a phone calls a service number (claims 5, 12): a prompt, a direct dial or a refusal. */
export const handler = twilioWebhook('twilio-voice', { sms: false }, async (deps, params) => ({
  twiml: renderVoice(await answerCall(deps, inboundCall(params)), deps.config.publicUrl),
}));
