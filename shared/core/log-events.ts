/**
 * The names of the events the core logs that something outside the code depends on: the CDK stack's metric
 * filters and alarms match them (`infra/aws`). One list, imported by both sides, so a rename cannot silently
 * break an alarm.
 */
export const LogEvent = {
  /** A message ended as `failed` (fields: messageId, reason). */
  MessageFailed: 'message.failed',
  /** A provider status callback for an SMS leg (fields: messageId, status). */
  SmsStatus: 'message.sms_status',
} as const;

export type LogEventName = (typeof LogEvent)[keyof typeof LogEvent];
