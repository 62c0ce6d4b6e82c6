import { answerCall } from '../shared/core/ivr/call';
import { LogEvent } from '../shared/core/log-events';
import { twilioWebhook } from '../shared/runtime/twilio-webhook';
import { HANG_UP, inboundCall, renderVoice } from '../shared/runtime/voice-twiml';

/**
 * POST /twilio/voice: a phone calls a service number (claims 5, 12): a prompt, a direct dial or a refusal. A
 * malformed CallSid or To is only hung up on (inboundCall).
 */
export const handler = twilioWebhook('twilio-voice', { sms: false }, async (deps, params) => {
  const call = inboundCall(params);
  if (!call) deps.log.warn(LogEvent.TwilioBadIdentifier, { where: 'twilio-voice', field: 'CallSid/To' });
  return { twiml: renderVoice(call ? await answerCall(deps, call) : HANG_UP, deps.config.publicUrl) };
});
