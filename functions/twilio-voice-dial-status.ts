import '../shared/runtime/sms';
import { onDialEnded } from '../shared/core/ivr/call';
import { LogEvent } from '../shared/core/log-events';
import { twilioWebhook } from '../shared/runtime/twilio-webhook';
import { CALL_SID } from '../shared/runtime/twilio-ids';
import { HANG_UP, renderVoice } from '../shared/runtime/voice-twiml';

/**
 * POST /twilio/voice/dial-status?caller=<imNumber>&callee=<imNumber>: the Dial's action, with DialCallStatus.
 * Unanswered, the callee gets a missed-call note by IM or SMS; the caller hears so and the call ends. A CallSid
 * that is not Twilio's shape only hangs up: no note is stored.
 */
export const handler = twilioWebhook(
  'twilio-voice-dial-status',
  { sms: true },
  async (deps, params, event) => {
    const query = event.queryStringParameters ?? {};
    const callSid = params.CallSid ?? '';
    if (!CALL_SID.test(callSid)) {
      deps.log.warn(LogEvent.TwilioBadIdentifier, { where: 'twilio-voice-dial-status', field: 'CallSid' });
      return { twiml: renderVoice(HANG_UP, deps.config.publicUrl) };
    }
    const answer = await onDialEnded(deps, {
      callSid,
      caller: query.caller ?? '',
      callee: query.callee ?? '',
      status: params.DialCallStatus ?? '',
    });
    return { twiml: renderVoice(answer, deps.config.publicUrl) };
  },
);
