import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { TWILIO_LOOKUP_TIMEOUT_MS, TWILIO_REQUEST_TIMEOUT_MS } from '../adapters/twilio-sms';
import { onAckTimeout } from '../core/delivery/ack-timeout';
import { SMS_RETRY_DELAYS_MS } from '../core/im-sms/send';
import { LogEvent } from '../core/log-events';
import type { Deps } from '../core/ports';
import { runWithinDeadline, type BatchLimits } from './batch';
import { describeError } from './error-mappers';

/**
 * The delivery-check batch (issue 14, item 9), sized so that a batch always finishes inside its Lambda timeout,
 * even with a provider that never answers. The infrastructure (infra/aws/parts) takes its batch size, timeout
 * and the queue's visibility timeout from here.
 */

/** Records per invocation (the SQS event source's batch size). */
export const ACK_BATCH_SIZE = 10;

/** Checks in flight at once: the whole batch, so a hung provider costs one record's time, not ten. */
export const ACK_CHECK_CONCURRENCY = 10;

/**
 * The longest one SMS send takes with its retries when every try times out: (1 + retries) × the Twilio request
 * timeout, each followed by a lookup (did Twilio take it?) that times out too, plus the backoff before each
 * lookup (the retries' delays, and the first one again after the last try).
 * 3 × 5 s + 3 × 2 s + 1.25 s + 0.25 s = 22.5 s.
 */
export const SMS_SEND_WORST_MS =
  (TWILIO_REQUEST_TIMEOUT_MS + TWILIO_LOOKUP_TIMEOUT_MS) * (1 + SMS_RETRY_DELAYS_MS.length) +
  SMS_RETRY_DELAYS_MS.reduce((a, b) => a + b, 0) +
  SMS_RETRY_DELAYS_MS[0];

/**
 * The longest one check takes: the send, plus its table reads and writes, the re-reads before each retry and the
 * sender's receipt (each a few ms; 3.75 s covers the SDK's own retries of a throttled request).
 */
export const ACK_RECORD_BUDGET_MS = SMS_SEND_WORST_MS + 3_750;

/** Kept free at the end of the invocation to log and answer. */
export const ACK_BATCH_RESERVE_MS = 2_000;

export const ACK_BATCH_LIMITS: BatchLimits = {
  concurrency: ACK_CHECK_CONCURRENCY,
  recordBudgetMs: ACK_RECORD_BUDGET_MS,
  reserveMs: ACK_BATCH_RESERVE_MS,
};

/** What a full batch needs at worst, in ms: the rounds of checks the concurrency allows, and the reserve. */
export function ackBatchWorstMs(limits: BatchLimits = ACK_BATCH_LIMITS, batchSize = ACK_BATCH_SIZE): number {
  return Math.ceil(batchSize / limits.concurrency) * limits.recordBudgetMs + limits.reserveMs;
}

/**
 * Runs one batch of delivery checks (SQS records whose body is `{"messageId": "…"}`) within the invocation's
 * remaining time (`remainingMs`, ms, e.g. `context.getRemainingTimeInMillis`). Records that failed, were never
 * started, or still ran at the deadline come back as `batchItemFailures` (by SQS message id), for SQS to
 * redeliver after the visibility timeout and, after 5 receives, park in the DLQ. A record that is not a check is
 * logged and dropped. `depsFor` gives each record its deps (the handler's: a logger correlated by the record's
 * SQS message id); by default all share `deps`.
 */
export async function runAckChecks(
  deps: Deps,
  records: readonly SQSRecord[],
  remainingMs: () => number,
  limits: BatchLimits = ACK_BATCH_LIMITS,
  depsFor: (record: SQSRecord) => Deps = () => deps,
): Promise<SQSBatchResponse> {
  const outcomes = await runWithinDeadline(records, remainingMs, limits, async (record) => {
    const recordDeps = depsFor(record);
    const messageId = messageIdOf(record.body);
    if (messageId === undefined) {
      recordDeps.log.warn(LogEvent.AckBadRecord, { recordId: record.messageId });
      return;
    }
    try {
      await onAckTimeout(recordDeps, messageId);
    } catch (err) {
      recordDeps.log.error(LogEvent.AckCheckFailed, { recordId: record.messageId, ...describeError(err) });
      throw err;
    }
  });
  const unfinished = records.filter((_, i) => outcomes[i] === 'unfinished');
  if (unfinished.length) {
    deps.log.warn(LogEvent.AckBatchUnfinished, {
      records: records.length,
      unfinished: unfinished.length,
      recordIds: unfinished.map((r) => r.messageId),
    });
  }
  return {
    batchItemFailures: records
      .filter((_, i) => outcomes[i] !== 'done')
      .map((r) => ({ itemIdentifier: r.messageId })),
  };
}

function messageIdOf(body: string): string | undefined {
  try {
    const { messageId } = JSON.parse(body) as { messageId?: unknown };
    return typeof messageId === 'string' ? messageId : undefined;
  } catch {
    return undefined;
  }
}
