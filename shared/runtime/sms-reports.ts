import type { SmsProvider } from '../core/ports';
import type { SmsReport } from '../core/delivery/sms-report';
import type { SmsTransport } from '../adapters/sms-transport';
import { MESSAGE_ID_PATTERN } from '../core/ids';
import { smsStatusCallbackUrl } from './routes';
import { ERROR_CODE } from './twilio-ids';

/**
 * The core's SMS port over a provider's transport: a send that asks for delivery reports (`reportRef`, a
 * message id) gets the status callback URL on this deployment's public URL. A transport that can look up what
 * it took (Twilio) lends the port its `find`.
 */
export function withDeliveryReports(transport: SmsTransport, publicUrl: string): SmsProvider {
  const find = transport.find?.bind(transport);
  return {
    name: transport.name,
    send: ({ reportRef, ...sms }) =>
      transport.send(
        reportRef ? { ...sms, statusCallbackUrl: smsStatusCallbackUrl(publicUrl, reportRef) } : sms,
      ),
    // `notAfter` bounds the lookup too (a request's deadline, core/im-sms/send.ts).
    ...(find
      ? { find: ({ from, to, body, notAfter }, since) => find({ from, to, body, notAfter }, since) }
      : {}),
  };
}

/**
 * Twilio's message statuses that end the SMS leg. Others (queued, sent, …) change nothing we report. `read`
 * (WhatsApp and RCS read receipts) comes only after delivery, so it counts as delivered: it ends a leg whose
 * `delivered` report was lost or has not come yet.
 */
export const FINAL_TWILIO_STATUS: Record<string, SmsReport['outcome']> = {
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'failed',
  failed: 'failed',
};

/**
 * A Twilio status callback in the core's words, or null when it does not end the leg (queued, sending, sent…)
 * or lacks what it needs. `messageId` is the `m` query parameter the callback URL carries: one that is not a
 * message id's shape (MESSAGE_ID_PATTERN: any other length, or characters no id has) is null too, as an unknown
 * id is, so it never reaches a key. An `ErrorCode` that is not 1 to 6 digits is left out of the report.
 */
export function twilioSmsReport(
  messageId: string | undefined,
  params: { MessageStatus?: string; ErrorCode?: string },
): SmsReport | null {
  const status = params.MessageStatus;
  if (!messageId || !status || !Object.prototype.hasOwnProperty.call(FINAL_TWILIO_STATUS, status))
    return null;
  if (!MESSAGE_ID_PATTERN.test(messageId)) return null;
  return {
    messageId,
    outcome: FINAL_TWILIO_STATUS[status],
    providerStatus: status,
    ...(params.ErrorCode && ERROR_CODE.test(params.ErrorCode) ? { errorCode: params.ErrorCode } : {}),
  };
}
