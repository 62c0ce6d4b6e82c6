/**
 * Runs a queue batch inside the invocation's time: records go with bounded concurrency, a record starts only
 * while its worst-case duration still fits before the deadline, and the batch answers before the deadline
 * whatever is still running. What did not finish is reported back, for SQS to redeliver (partial batch
 * responses, `ReportBatchItemFailures`).
 */

export interface BatchLimits {
  /** Records in flight at once (≥ 1). */
  concurrency: number;
  /** The longest one record may take, in ms: a record starts only if this much time is left before the reserve. */
  recordBudgetMs: number;
  /** Time kept free at the end of the invocation to answer, in ms. */
  reserveMs: number;
}

/** How each record ended: `unfinished` was never started or still ran when the batch answered. */
export type RecordOutcome = 'done' | 'failed' | 'unfinished';

/**
 * Runs `fn` over `items` within the time `remainingMs()` reports (ms left in the invocation, e.g. the Lambda
 * context's `getRemainingTimeInMillis`), and resolves, at the latest `reserveMs` before that deadline, with one
 * outcome per item in input order. A record that throws is `failed`. A record still running at the deadline is
 * left running (on Lambda it is frozen with the container) and reported `unfinished`: its work must be safe to
 * redo, as every ack check is (conditional transitions).
 */
export async function runWithinDeadline<T>(
  items: readonly T[],
  remainingMs: () => number,
  limits: BatchLimits,
  fn: (item: T) => Promise<void>,
): Promise<RecordOutcome[]> {
  const outcomes: RecordOutcome[] = items.map(() => 'unfinished');
  let next = 0;
  let stopped = false;
  const fits = () => remainingMs() - limits.reserveMs >= limits.recordBudgetMs;
  const worker = async () => {
    while (!stopped && next < items.length && fits()) {
      const i = next++;
      try {
        await fn(items[i]);
        outcomes[i] = 'done';
      } catch {
        outcomes[i] = 'failed';
      }
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, remainingMs() - limits.reserveMs));
  });
  const workers = Array.from({ length: Math.min(Math.max(1, limits.concurrency), items.length) }, worker);
  try {
    await Promise.race([Promise.all(workers), deadline]);
  } finally {
    stopped = true;
    clearTimeout(timer);
  }
  // A snapshot: a record that finishes after the answer was reported unfinished, and SQS redelivers it.
  return [...outcomes];
}
