import '../shared/runtime/sms';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { onAckTimeout } from '../shared/core/delivery/ack-timeout';
import { LogEvent } from '../shared/core/log-events';
import { getDeps } from '../shared/runtime/deps';
import { describeError } from '../shared/runtime/error-mappers';
import { forInvocation } from '../shared/runtime/invocation';

/**
 * The durable ack timer fired (SQS, delayed by ACK_TIMEOUT_MS): a message still unconfirmed goes as SMS.
 * Failures are reported per record so SQS retries just those, then parks them in the DLQ. Each record's logs
 * carry its SQS message id as the correlation id.
 */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  const shared = await getDeps({ sms: true });
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    const deps = forInvocation(shared, context, record.messageId);
    try {
      const { messageId } = JSON.parse(record.body) as { messageId?: unknown };
      if (typeof messageId !== 'string') {
        deps.log.warn(LogEvent.AckBadRecord, { recordId: record.messageId });
        continue;
      }
      await onAckTimeout(deps, messageId);
    } catch (err) {
      deps.log.error(LogEvent.AckCheckFailed, { recordId: record.messageId, ...describeError(err) });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
