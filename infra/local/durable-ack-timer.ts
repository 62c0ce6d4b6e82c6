import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { AckScheduler } from '../../shared/core/ports';

const PK = 'LOCALTIMER#ack';
/** Backoff between tries of a check that failed (throttled, say); the last one repeats. */
const RETRY_DELAYS_MS = [1_000, 5_000, 30_000];
/** How long the rows of checks that ran wait to be deleted together (ms), and how many go per request. */
const FORGET_AFTER_MS = 200;
const FORGET_BATCH = 25;

/**
 * The ack timer for the local runtime: the same port as SQS-with-delay on AWS, kept in the embedded table so a
 * restart (clean or killed) loses no pending check. Each schedule writes a row, then arms a timer; the row is
 * removed after the check ran; on start, every row left is armed again (overdue ones at once). Rows of checks
 * that ran are deleted together, up to 25 per BatchWriteItem, {@link FORGET_AFTER_MS} after the first of them: one
 * request per message was the local runtime's own cost (on AWS, SQS deletes a delivered message itself). A row
 * whose delete a crash lost is armed again on start, and its check, idempotent, finds nothing to do.
 */
export class DurableAckTimer implements AckScheduler {
  private readonly doc: DynamoDBDocumentClient;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  /** Sort keys of rows whose check ran, waiting to be deleted; and the timer of that delete. */
  private ran: string[] = [];
  private forgetTimer: NodeJS.Timeout | undefined;
  private forgetting: Promise<void> = Promise.resolve();

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    private readonly onDue: (messageId: string) => Promise<void>,
    private readonly onError: (err: unknown, messageId: string) => void,
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  async schedule(messageId: string, delayMs: number): Promise<void> {
    const dueAt = Date.now() + delayMs;
    const sk = `${String(dueAt).padStart(15, '0')}#${messageId}`;
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: PK, sk, messageId, dueAt } }));
    this.arm(messageId, sk, dueAt);
  }

  /** Arms every check left from an earlier run. Returns how many. */
  async recover(): Promise<number> {
    let count = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page: QueryCommandOutput = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': PK },
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) {
        this.arm(item.messageId, item.sk, item.dueAt);
        count++;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  /**
   * Stops arming and cancels timers (their rows stay for the next start), then waits for checks running now and
   * deletes the rows of those that ran.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.settle();
  }

  /** Waits for checks running now, then deletes the rows of those that ran (tests). */
  async settle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
    await this.forgetNow();
  }

  /** Queues the row of a check that ran for the next batched delete. */
  private forget(sk: string): void {
    this.ran.push(sk);
    if (this.forgetTimer) return;
    this.forgetTimer = setTimeout(() => void this.forgetNow(), FORGET_AFTER_MS);
    this.forgetTimer.unref();
  }

  /**
   * Deletes the queued rows, 25 per request, one batch after another. Rows DynamoDB left unprocessed, or whose
   * request failed, are queued again (unless stopping: a row left behind costs one idempotent check on start).
   */
  private forgetNow(): Promise<void> {
    clearTimeout(this.forgetTimer);
    this.forgetTimer = undefined;
    const batch = this.ran.splice(0);
    this.forgetting = this.forgetting.then(async () => {
      for (let i = 0; i < batch.length; i += FORGET_BATCH) {
        const keys = batch.slice(i, i + FORGET_BATCH);
        let left: string[] = [];
        try {
          const out = await this.doc.send(
            new BatchWriteCommand({
              RequestItems: { [this.table]: keys.map((sk) => ({ DeleteRequest: { Key: { pk: PK, sk } } })) },
            }),
          );
          left = (out.UnprocessedItems?.[this.table] ?? []).map((r) => String(r.DeleteRequest?.Key?.sk));
        } catch {
          left = keys;
        }
        if (left.length && !this.stopped) left.forEach((sk) => this.forget(sk));
      }
    });
    return this.forgetting;
  }

  private arm(messageId: string, sk: string, dueAt: number, attempt = 0): void {
    if (this.stopped) return;
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        const run = this.fire(messageId, sk, attempt);
        this.running.add(run);
        void run.finally(() => this.running.delete(run));
      },
      Math.max(0, dueAt - Date.now()),
    );
    timer.unref();
    this.timers.add(timer);
  }

  private async fire(messageId: string, sk: string, attempt: number): Promise<void> {
    try {
      await this.onDue(messageId);
      this.forget(sk);
    } catch (err) {
      // As SQS redelivers a failed message: the check runs again after a backoff (it is idempotent). The row
      // stays meanwhile, so a restart re-arms it too.
      this.onError(err, messageId);
      const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
      this.arm(messageId, sk, Date.now() + delay, attempt + 1);
    }
  }
}
