import { onSmsReport } from '../shared/core/delivery/sms-report';
import { twilioSmsReport } from '../shared/runtime/sms-reports';
import { twilioWebhook } from '../shared/runtime/twilio-webhook';

/** POST /twilio/sms/status?m=<message id>: Twilio's status callback for an SMS we sent. */
export const handler = twilioWebhook('twilio-sms-status', { sms: false }, async (deps, params, event) => {
  const report = twilioSmsReport(event.queryStringParameters?.m, params);
  if (report) await onSmsReport(deps, report);
});
