import '../shared/runtime/sms';
import { parsePhone } from '../shared/core/provisioning/phone';
import { receiveSms } from '../shared/core/im-sms/receive';
import { LogEvent } from '../shared/core/log-events';
import { twilioWebhook } from '../shared/runtime/twilio-webhook';

/** POST /twilio/sms: an SMS to a service number (claim 1), after its signature checked out. */
export const handler = twilioWebhook('twilio-sms', { sms: true }, async (deps, params) => {
  const { MessageSid: messageSid, From: from, To: to, Body: body } = params;
  if (!messageSid || !from || !to || body === undefined) {
    deps.log.warn(LogEvent.SmsInboundIncomplete, { sid: messageSid });
    return;
  }
  let sender: string;
  try {
    sender = parsePhone(from).e164;
  } catch {
    deps.log.warn(LogEvent.SmsInboundBadSender, { sid: messageSid });
    return;
  }
  return receiveSms(deps, { messageSid, from: sender, to, body });
});
