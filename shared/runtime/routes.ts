/** The public paths the runtime serves that the runtime itself hands out (to providers, as callbacks). */
export const SMS_STATUS_PATH = '/twilio/sms/status';

/** The status callback URL for one message's SMS: PUBLIC_URL + SMS_STATUS_PATH + `?m=<message id>`. */
export function smsStatusCallbackUrl(publicUrl: string, messageId: string): string {
  return `${publicUrl}${SMS_STATUS_PATH}?m=${encodeURIComponent(messageId)}`;
}
