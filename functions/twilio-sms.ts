import '../shared/runtime/sms';
import { parsePhone } from '../shared/core/provisioning/phone';
import { receiveSms } from '../shared/core/im-sms/receive';
import { LogEvent } from '../shared/core/log-events';
import { twilioWebhook } from '../shared/runtime/twilio-webhook';
import { INBOUND_MESSAGE_SID, mediaCount, SERVICE_NUMBER_SHAPE } from '../shared/runtime/twilio-ids';

/**
 * POST /twilio/sms: an SMS (or MMS) to a service number (claim 1), after its signature checked out. Its
 * identifiers are checked for shape first (a MessageSid is `SM`/`MM` + 32 hex, `To` an E.164 number): one that
 * is not is answered 200 with an empty <Response/> and changes nothing, as an incomplete webhook is.
 */
export const handler = twilioWebhook('twilio-sms', { sms: true }, async (deps, params) => {
  const { MessageSid: messageSid, From: from, To: to, Body: body } = params;
  if (!messageSid || !from || !to || body === undefined) {
    deps.log.warn(LogEvent.SmsInboundIncomplete, {
      sid: messageSid && INBOUND_MESSAGE_SID.test(messageSid) ? messageSid : undefined,
    });
    return;
  }
  if (!INBOUND_MESSAGE_SID.test(messageSid) || !SERVICE_NUMBER_SHAPE.test(to)) {
    const field = INBOUND_MESSAGE_SID.test(messageSid) ? 'To' : 'MessageSid';
    deps.log.warn(LogEvent.TwilioBadIdentifier, { where: 'twilio-sms', field });
    return;
  }
  let sender: string;
  try {
    sender = parsePhone(from).e164;
  } catch {
    deps.log.warn(LogEvent.SmsInboundBadSender, { sid: messageSid });
    return;
  }
  return receiveSms(deps, { messageSid, from: sender, to, body, media: mediaCount(params.NumMedia) });
});
