import { LogEvent } from '../log-events';
import type { Deps } from '../ports';
import { sendReceipt } from './receipts';

/**
 * A provider's delivery report on an SMS leg, in the core's words. The runtime translates the provider's own
 * (Twilio: MessageStatus, ErrorCode) and passes only reports that end the leg. `providerStatus` and `errorCode`
 * are kept as the provider said them: they name the failure reason (`sms_<status>[_<code>]`) and the log.
 */
export interface SmsReport {
  messageId: string;
  outcome: 'delivered' | 'failed';
  providerStatus: string;
  errorCode?: string;
}

/**
 * Ends a message's SMS leg as `delivered_sms` or `failed`. Transitions only forward, so duplicate and
 * out-of-order reports change nothing.
 */
export async function onSmsReport(deps: Deps, report: SmsReport): Promise<void> {
  const updated = await deps.messages.transitionMessage(report.messageId, ['sending_sms', 'sent_sms'], {
    status: report.outcome === 'delivered' ? 'delivered_sms' : 'failed',
    ...(report.outcome === 'failed'
      ? { reason: `sms_${report.providerStatus}${report.errorCode ? `_${report.errorCode}` : ''}` }
      : {}),
    updatedAt: deps.clock.now(),
  });
  deps.log.info(LogEvent.SmsStatus, {
    messageId: report.messageId,
    status: report.providerStatus,
    applied: Boolean(updated),
  });
  // A message that ends failed is a failed message like any other (its log line feeds MessagesFailed and its
  // alarm): the reason without the provider's error code, which stays on the message and the line above.
  if (updated?.status === 'failed') {
    deps.log.info(LogEvent.MessageFailed, {
      messageId: report.messageId,
      reason: `sms_${report.providerStatus}`,
      code: report.errorCode,
    });
  }
  if (updated) await sendReceipt(deps, updated);
}
