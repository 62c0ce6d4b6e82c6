import '../shared/runtime/sms';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { runAckChecks, ACK_BATCH_LIMITS } from '../shared/runtime/ack-batch';
import { getDeps } from '../shared/runtime/deps';
import { forInvocation } from '../shared/runtime/invocation';

/**
 * The durable ack timer fired (SQS, delayed by ACK_TIMEOUT_MS): a message still unconfirmed goes as SMS.
 * The batch runs within the invocation's remaining time (shared/runtime/ack-batch.ts); records that failed or did
 * not finish are reported per record so SQS retries just those, then parks them in the DLQ. Each record's logs
 * carry its SQS message id as the correlation id.
 */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const shared = await getDeps({ sms: true });
  return runAckChecks(
    forInvocation(shared, context),
    event.Records,
    () => context.getRemainingTimeInMillis(),
    ACK_BATCH_LIMITS,
    (record) => forInvocation(shared, context, record.messageId),
  );
}
