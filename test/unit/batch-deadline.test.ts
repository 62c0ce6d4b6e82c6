import { runWithinDeadline } from '../../shared/runtime/batch';

/** The queue-batch runner (issue 14, item 9): bounded concurrency, a start rule, an answer by the deadline. */
describe('runWithinDeadline', () => {
  const until = (deadline: number) => () => deadline - Date.now();

  it('answers by the deadline while records hang, naming the started and the never-started as unfinished', async () => {
    const started: number[] = [];
    const deadline = Date.now() + 400;
    const outcomes = await runWithinDeadline(
      [1, 2, 3, 4, 5],
      until(deadline),
      { concurrency: 2, recordBudgetMs: 50, reserveMs: 150 },
      (n) => {
        started.push(n);
        return new Promise<void>(() => undefined);
      },
    );
    expect(Date.now()).toBeLessThanOrEqual(deadline);
    expect(started).toEqual([1, 2]);
    expect(outcomes).toEqual(['unfinished', 'unfinished', 'unfinished', 'unfinished', 'unfinished']);
  });

  it('runs everything that fits, keeps order, and tells failures from successes', async () => {
    let inFlight = 0;
    let most = 0;
    const outcomes = await runWithinDeadline(
      [1, 2, 3, 4, 5, 6],
      until(Date.now() + 60_000),
      { concurrency: 3, recordBudgetMs: 1_000, reserveMs: 1_000 },
      async (n) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        if (n % 2 === 0) throw new Error('boom');
      },
    );
    expect(outcomes).toEqual(['done', 'failed', 'done', 'failed', 'done', 'failed']);
    expect(most).toBe(3);
  });

  it('starts nothing when one record no longer fits', async () => {
    let calls = 0;
    const outcomes = await runWithinDeadline(
      ['a', 'b'],
      until(Date.now() + 1_000),
      { concurrency: 2, recordBudgetMs: 900, reserveMs: 200 },
      async () => {
        calls++;
      },
    );
    expect(calls).toBe(0);
    expect(outcomes).toEqual(['unfinished', 'unfinished']);
  });
});
