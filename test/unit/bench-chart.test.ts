import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { chartSvg } from '../../bench/report/svg';
import type { CellReport } from '../../bench/results';
import { distribution } from '../../bench/lib/stats';

/**
 * The benchmark's chart (bench/report/svg.ts). Its log axes are built from the data; with nothing positive to
 * plot, Math.min() of nothing is Infinity and the tick loop never ended (`chartSvg([])` hung the run). A
 * synchronous loop cannot be timed out inside jest, so those cases run in a child process that is killed if it has
 * not answered in a minute (it takes milliseconds); the others run in-process.
 */

const ROOT = path.resolve(__dirname, '..', '..');

function cell(key: CellReport['key'], users: number, throughput: number, p95: number): CellReport {
  const latency = { ...distribution([10, 20, 30]), p95 };
  return {
    key,
    users,
    connected: users,
    sockets: users,
    messages: 10,
    completed: 10,
    windowMs: 1000,
    throughput,
    latency,
    errors: 0,
    distinctRecipients: 1,
    dynamo: {
      reads: 1,
      readUnits: 1,
      writes: 1,
      byOp: {},
      routing: { reads: 1, readUnits: 1, writes: 1 },
      ack: 0,
      statusCallback: 0,
      linkStats: 0,
      smsBudget: 0,
      threadBinding: 0,
      frameLimit: 0,
      failedConditions: 0,
      scans: 0,
      deliveryChecks: 0,
      localTimer: 0,
    },
  };
}

const polylines = (svg: string) => svg.match(/<polyline /g)?.length ?? 0;

/** Runs `chartSvg` on the given cells in a child process; killed after a minute (it takes milliseconds). */
function chartInChild(cells: CellReport[]): { svg: string; signal: NodeJS.Signals | null } {
  const run = spawnSync(
    path.join(ROOT, 'node_modules', '.bin', 'tsx'),
    [
      '-e',
      "process.stdout.write(require('./bench/report/svg').chartSvg(JSON.parse(process.argv[1]), 'degenerate'))",
      JSON.stringify(cells),
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
  );
  return { svg: run.stdout, signal: run.signal };
}

describe('chartSvg', () => {
  it('draws empty panels for no cells, and when no value is positive (every cell failed)', () => {
    const empty = chartInChild([]);
    expect(empty.signal).toBeNull();
    expect(empty.svg).toMatch(/^<svg /);
    expect(empty.svg).toContain('degenerate');
    expect(polylines(empty.svg)).toBe(0);
    // NaN does not survive JSON: a failed cell's p95 arrives as null, which is not a positive number either.
    const failed = chartInChild([cell('im-im', 1000, 0, NaN), cell('im-sms', 1000, 0, NaN)]);
    expect(failed.signal).toBeNull();
    expect(failed.svg).toContain('1,000');
    expect(polylines(failed.svg)).toBe(0);
  });

  it('still plots one line per path with data, one panel empty', () => {
    const { svg, signal } = chartInChild([cell('im-im', 100, 50, NaN), cell('im-im', 1000, 40, NaN)]);
    expect(signal).toBeNull();
    expect(polylines(svg)).toBe(1);
  });

  it('plots both panels for ordinary cells', () => {
    const svg = chartSvg([cell('im-im', 100, 50, 300), cell('baseline', 100, 60, 200)], 'both');
    expect(polylines(svg)).toBe(4);
  });
});
