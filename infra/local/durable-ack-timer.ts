import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { AckScheduler } from '../../shared/core/ports';

const PK = 'LOCALTIMER#ack';
/** Backoff between tries of a check that failed (throttled, say); the last one repeats. */
const RETRY_DELAYS_MS = [1_000, 5_000, 30_000];

/**
 * The ack timer for the local runtime: the same port as SQS-with-delay on AWS, kept in the embedded table so a
 * restart (clean or killed) loses no pending check. Each schedule writes a row, then arms a timer; the row is
 * removed after the check ran; on start, every row left is armed again (overdue ones at once).
 */
export class DurableAckTimer implements AckScheduler {
  private readonly doc: DynamoDBDocumentClient;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

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

  /** Stops arming and cancels timers (their rows stay for the next start), then waits for checks running now. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    while (this.running.size) await Promise.all([...this.running]);
  }

  /** Waits for checks running now (tests). */
  async settle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
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
      await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: PK, sk } }));
    } catch (err) {
      // As SQS redelivers a failed message: the check runs again after a backoff (it is idempotent). The row
      // stays meanwhile, so a restart re-arms it too.
      this.onError(err, messageId);
      const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
      this.arm(messageId, sk, Date.now() + delay, attempt + 1);
    }
  }
}
