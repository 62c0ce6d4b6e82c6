import '../shared/runtime/sms';
import { onDialEnded } from '../shared/core/ivr/call';
import { twilioWebhook } from '../shared/runtime/twilio-webhook';
import { renderVoice } from '../shared/runtime/voice-twiml';

/**
 * POST /twilio/voice/dial-status?caller=<imNumber>&callee=<imNumber>: the Dial's action, with DialCallStatus.
 * Unanswered, the callee gets a missed-call note by IM or SMS; the caller hears so and the call ends.
 */
export const handler = twilioWebhook(
  'twilio-voice-dial-status',
  { sms: true },
  async (deps, params, event) => {
    const query = event.queryStringParameters ?? {};
    const answer = await onDialEnded(deps, {
      callSid: params.CallSid ?? '',
      caller: query.caller ?? '',
      callee: query.callee ?? '',
      status: params.DialCallStatus ?? '',
    });
    return { twiml: renderVoice(answer, deps.config.publicUrl) };
  },
);
