import '../shared/runtime/sms';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { runAckChecks } from '../shared/runtime/ack-batch';
import { getDeps } from '../shared/runtime/deps';

/**
 * The durable ack timer fired (SQS, delayed by ACK_TIMEOUT_MS): a message still unconfirmed goes as SMS.
 * The batch runs within the invocation's remaining time (shared/runtime/ack-batch.ts); records that failed or did
 * not finish are reported per record so SQS retries just those, then parks them in the DLQ.
 */
export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  const deps = await getDeps({ sms: true });
  return runAckChecks(deps, event.Records, () => context.getRemainingTimeInMillis());
}
