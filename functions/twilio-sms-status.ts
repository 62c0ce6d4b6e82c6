import { MESSAGE_ID_PATTERN } from '../shared/core/ids';
import { LogEvent } from '../shared/core/log-events';
import { onSmsReport } from '../shared/core/delivery/sms-report';
import { twilioSmsReport } from '../shared/runtime/sms-reports';
import { twilioWebhook } from '../shared/runtime/twilio-webhook';

/**
 * POST /twilio/sms/status?m=<message id>: Twilio's status callback for an SMS we sent. An `m` that is not a
 * message id's shape is answered 200 and changes nothing, as an unknown one is.
 */
export const handler = twilioWebhook('twilio-sms-status', { sms: false }, async (deps, params, event) => {
  const messageId = event.queryStringParameters?.m;
  if (messageId !== undefined && !MESSAGE_ID_PATTERN.test(messageId)) {
    deps.log.warn(LogEvent.TwilioBadIdentifier, { where: 'twilio-sms-status', field: 'm' });
    return;
  }
  const report = twilioSmsReport(messageId, params);
  if (report) await onSmsReport(deps, report);
});
