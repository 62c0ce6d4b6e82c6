import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ACK_BATCH_SIZE } from '../../../shared/runtime/ack-batch';
import type { FunctionSpec } from '../../functions';
import { timeoutFor } from './functions';
import { pascal } from './naming';

/**
 * SQS redelivers a message whose visibility timeout ends while the consumer still runs: keep it ≥ 6× the function
 * timeout, "so Lambda can retry if your function is throttled while processing a previous batch"
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html). 6 × 30 s = 180 s for the ack queue.
 */
const VISIBILITY_FACTOR = 6;

export interface QueuePair {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
}

/**
 * One queue and its dead-letter queue per queue trigger in the manifest (today only the durable ack timer,
 * `ack-timeout`). Built in `scope` itself: the logical IDs stay `<Name>Queue…` and `<Name>Dlq…`.
 * Throws when two functions consume one queue, or when no function consumes `ack-timeout` (ACK_QUEUE_URL).
 */
export class Queues {
  /** By the manifest's queue name, in manifest order. */
  readonly byName = new Map<string, QueuePair>();
  /** The ack timer: every function gets its URL; the ones with `needs.schedulesAckCheck` may send to it. */
  readonly ack: QueuePair;

  constructor(scope: Construct, manifest: readonly FunctionSpec[]) {
    for (const spec of manifest) {
      if (spec.trigger.kind !== 'queue') continue;
      const name = spec.trigger.queue;
      if (this.byName.has(name)) throw new Error(`manifest: queue "${name}" has more than one consumer`);
      const base = pascal(name);
      const dlq = new sqs.Queue(scope, `${base}Dlq`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const queue = new sqs.Queue(scope, `${base}Queue`, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        // The delay is per message (DelaySeconds = that message's ack wait, rounded up to whole seconds); none here.
        visibilityTimeout: Duration.seconds(timeoutFor(spec).toSeconds() * VISIBILITY_FACTOR),
        deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
      });
      this.byName.set(name, { queue, dlq });
    }
    const ack = this.byName.get('ack-timeout');
    if (!ack)
      throw new Error('manifest: no function consumes the "ack-timeout" queue (ACK_QUEUE_URL needs it)');
    this.ack = ack;
  }

  /**
   * Binds each queue-triggered function to its queue: batches of ACK_BATCH_SIZE (10), the size its timeout is
   * computed for, and partial batch failures reported (the handler names failed and unfinished records).
   */
  connect(manifest: readonly FunctionSpec[], fnOf: (name: string) => lambda.Function): void {
    for (const spec of manifest) {
      if (spec.trigger.kind !== 'queue') continue;
      const { queue } = this.byName.get(spec.trigger.queue)!;
      fnOf(spec.name).addEventSource(
        new SqsEventSource(queue, { batchSize: ACK_BATCH_SIZE, reportBatchItemFailures: true }),
      );
    }
  }
}
