import { onSmsStatus } from '../shared/core/routing';
import { twilioWebhook } from '../shared/runtime/twilio-webhook';

/** POST /twilio/sms/status?m=<message id>: Twilio's status callback for an SMS we sent. */
export const handler = twilioWebhook('twilio-sms-status', { sms: false }, async (deps, params, event) => {
  const messageId = event.queryStringParameters?.m;
  if (!messageId || !params.MessageStatus) return;
  await onSmsStatus(deps, { messageId, status: params.MessageStatus, errorCode: params.ErrorCode });
});
