import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { AckScheduler } from '../core/ports';

/**
 * The durable ack timer on AWS: an SQS message with a per-message delivery delay (at most 15 minutes) that the
 * ack-timeout function consumes. SQS is at-least-once; the check it triggers is idempotent. `DelaySeconds` counts
 * whole seconds, so a wait is rounded up (2.3 s fires after 3 s): never before the ack wait says, at most 1 s after
 * (docs/design.md, "The ack wait").
 */
export class SqsAckScheduler implements AckScheduler {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async schedule(messageId: string, delayMs: number): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify({ messageId }),
        DelaySeconds: Math.min(900, Math.max(0, Math.ceil(delayMs / 1000))),
      }),
    );
  }
}

/**
 * The same port in one process: a timer that runs the check in-process. Used by the local runtime and tests.
 * `pending()` lets a clean shutdown wait for, or a test flush, what is scheduled.
 */
export class InProcessAckScheduler implements AckScheduler {
  private readonly timers = new Map<NodeJS.Timeout, string>();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly onDue: (messageId: string) => Promise<void>,
    private readonly onError: (err: unknown, messageId: string) => void = () => undefined,
  ) {}

  async schedule(messageId: string, delayMs: number): Promise<void> {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = this.onDue(messageId).catch((err) => this.onError(err, messageId));
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }, delayMs);
    timer.unref?.();
    this.timers.set(timer, messageId);
  }

  /** Message ids whose check has not run yet. */
  pending(): string[] {
    return [...this.timers.values()];
  }

  /** Waits for checks already running. */
  async settle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  /** Cancels timers that have not fired (their messages stay `accepted` on record). */
  cancelAll(): string[] {
    const ids = this.pending();
    for (const timer of this.timers.keys()) clearTimeout(timer);
    this.timers.clear();
    return ids;
  }
}
