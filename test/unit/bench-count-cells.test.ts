import { newCounterBuffer, record, total } from '../../bench/db/counter';
import { runCountCells, type CellSettings, type PathDriver } from '../../bench/load/cell';
import { sleep } from '../../bench/lib/stats';
import { recipientAt } from '../../bench/load/population';

/**
 * A quick run's request-count cells: the paths' warm-ups run at once, then each path's window alone, and each
 * window's counts are its own path's requests only.
 */
describe('bench count-only cells', () => {
  const settings: CellSettings = {
    slots: 3,
    warmupMs: 150,
    durationMs: 100,
    minMessages: 4,
    maxMs: 2000,
    timeoutMs: 1000,
    conversation: 5,
    quietMs: 120,
  };

  it('runs every warm-up before any window, and counts each window’s messages alone', async () => {
    const view = new Int32Array(newCounterBuffer());
    const events: string[] = [];
    // Path `a` makes one routing write per message, path `b` three (one of them after the message is done, as a
    // status callback comes late): a window that saw another path's requests would show it.
    const driver = (name: string, writes: number): PathDriver => ({
      pool: () => [0, 1, 2],
      send: async () => {
        events.push(`${name}:send`);
        await sleep(5);
        for (let k = 0; k < writes - 1; k++) record(view, 'routing', 'PutItem', false);
        setTimeout(() => record(view, 'routing', 'PutItem', false), 30);
        return { doneAt: performance.now() };
      },
    });
    const seen: string[] = [];
    const results = await runCountCells(
      [
        { driver: driver('a', 1), cellId: 'a' },
        { driver: driver('b', 3), cellId: 'b' },
      ],
      [0, 1, 2].map(recipientAt),
      settings,
      view,
      ['routing'],
      (i) => seen.push(`after ${i}`),
    );
    expect(seen).toEqual(['after 0', 'after 1']);
    const [a, b] = results;
    expect(a.messages).toBeGreaterThanOrEqual(settings.minMessages);
    expect(b.messages).toBeGreaterThanOrEqual(settings.minMessages);
    expect(a.warmupMessages).toBeGreaterThan(0);
    expect(b.warmupMessages).toBeGreaterThan(0);
    expect(total(a.counts, 'routing')).toBe(a.messages);
    expect(total(b.counts, 'routing')).toBe(3 * b.messages);
    // The warm-ups ran at once: path b sent its first message before path a's last one (a's window), where one
    // cell after another would have finished a first.
    const firstB = events.indexOf('b:send');
    const lastA = events.lastIndexOf('a:send');
    expect(firstB).toBeGreaterThanOrEqual(0);
    expect(firstB).toBeLessThan(lastA);
  });
});
