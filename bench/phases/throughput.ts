import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SYSTEM, type Category } from '../db/counter';
import { ThreadProfiler, type CpuProfile } from '../lib/profiler';
import { summarise } from '../lib/profile-summary';
import type { Progress } from '../lib/progress';
import type { WorkerRpc } from '../lib/threads';
import {
  runCell,
  runCountCells,
  waitQuiet,
  warmUp,
  type CellResult,
  type CellSettings,
  type PathDriver,
} from '../load/cell';
import { baselineDriver, pathDriver, PATHS, type PathContext, type PathKey } from '../load/paths';
import { BaselineClients, OnlineSet, Population } from '../load/population';
import type { Options } from '../options';
import { cellReport, type CellKey, type CellReport, type Report } from '../results';

export const SYSTEM_TABLE = 'imsms';
const BASELINE_TABLE = 'bench-baseline-connections';

export interface Threads {
  system: WorkerRpc;
  db: WorkerRpc;
  counters: Int32Array;
  dynamoEndpoint: string;
  /** The driver's own client, straight to dynalite (seeding). */
  seedClient: DynamoDBClient;
  /** Where raw .cpuprofile files go (open them in Chrome DevTools), if profiling. */
  profileDir?: string;
}

export const LABELS: Record<CellKey, string> = {
  'im-im': 'IM → IM',
  'im-sms': 'IM → SMS',
  'sms-im': 'SMS → IM',
  'sms-sms': 'SMS → SMS',
  'im-im-all': 'IM → IM, all connected',
  baseline: 'Baseline (Scan), all connected',
};

/** Planned seconds of one level, for the progress percentage. */
export function plannedLevelSeconds(opts: Options, users: number): number {
  const cell = (opts.warmupMs + opts.durationMs) / 1000 + 0.8;
  const seeding = users * 0.0012;
  const sockets = Math.min(users, opts.socketCap) * 0.006;
  return 6 * cell + seeding + sockets * 2 + (opts.profile && users === 1000 ? 8 : 0);
}

/** The system under test as the cells drive it: its URL, its users and their sockets. */
export interface MainStack {
  url: string;
  serviceNumbers: string[];
  baselineUrl: string;
  population: Population;
  online: OnlineSet;
  ctx: PathContext;
  /** The last level's baseline clients, left open for {@link closeMainSockets} to close beside the main sockets. */
  baselineClients?: BaselineClients;
}

export async function openMainStack(
  opts: Options,
  threads: Threads,
  jwtSecret: string,
  stackEnv: Record<string, string>,
  dataDir: string,
): Promise<MainStack> {
  const { system } = threads;
  const stack = await system.call<{ url: string; serviceNumbers: string[] }>('startStack', {
    dataDir,
    env: stackEnv,
  });
  const baseline = await system.call<{ url: string }>('startBaseline', {
    dynamoEndpoint: threads.dynamoEndpoint,
    table: BASELINE_TABLE,
  });
  const population = new Population(threads.seedClient, SYSTEM_TABLE, jwtSecret);
  await population.seedSenders(opts.concurrency);
  const online = new OnlineSet(population, `${stack.url.replace(/^http/, 'ws')}/ws`, opts.socketCap);
  const senders = await online.openSenders();
  const ctx: PathContext = {
    population,
    online,
    senders,
    base: stack.url,
    serviceNumbers: stack.serviceNumbers,
    timeoutMs: 30_000,
  };
  return {
    url: stack.url,
    serviceNumbers: stack.serviceNumbers,
    baselineUrl: baseline.url,
    population,
    online,
    ctx,
  };
}

/**
 * Closes the driver's sockets and stops the baseline; the stack itself stays up (the 2 s fallback runs on it
 * next). The last cell's delivery checks may still be due: {@link waitChecksDone} waits for them.
 */
export async function closeMainSockets(main: MainStack, threads: Threads): Promise<void> {
  await Promise.all([main.online.closeAll(), main.baselineClients?.disconnect()]);
  main.baselineClients = undefined;
  await threads.system.call('stopBaseline');
}

/**
 * Waits until the main stack has been quiet for 400 ms (at most 10 s), delivery checks and the ack timer
 * included: after the last cell, its messages' checks fire `ACK_TIMEOUT_MS` after them, and the run's counts
 * (reads per check) are read once they have.
 */
export async function waitChecksDone(threads: Threads): Promise<void> {
  await waitQuiet(threads.counters, [...SYSTEM, 'deliveryCheck', 'routeCheck', 'timer'], 400, 10_000);
}

/**
 * Throughput, latency and DynamoDB requests per message: for each user count, the four paths with the
 * configured share online, then IM → IM with every user connected, and the baseline in the same state.
 */
export async function runThroughput(
  opts: Options,
  threads: Threads,
  main: MainStack,
  progress: Progress,
  profiles: Report['profiles'],
  /** Work beside the start-up (the bundles' build, the presence fan-out) that must be over before a cell runs. */
  beforeMeasuring: Promise<unknown> = Promise.resolve(),
): Promise<CellReport[]> {
  const { system, counters } = threads;
  const { population, online, ctx } = main;
  const settings: CellSettings = {
    slots: opts.concurrency,
    warmupMs: opts.warmupMs,
    durationMs: opts.durationMs,
    // Quick runs: enough for the per-message request counts and a rough p95; full runs keep 40.
    minMessages: opts.quick ? 24 : 40,
    maxMs: Math.max(opts.durationMs * 4, 8000),
    timeoutMs: ctx.timeoutMs,
    conversation: opts.conversation,
  };
  const cells: CellReport[] = [];
  const cellSeconds = (opts.warmupMs + opts.durationMs) / 1000 + 0.8;
  const connected = () => online.online + opts.concurrency;

  // Quick runs: the request counts at a second, smaller user count, beside the start-up (not awaiting
  // `beforeMeasuring`: counts do not depend on the CPU left, and nothing else is measured meanwhile). These cells
  // also warm the paths up (V8 compiling the handlers, the SDK and the gateway), which the first level's warm-up
  // would otherwise do.
  let warmedUp = false;
  // Quick runs: work for the measured level done beside the request counts and the start-up's last work (below),
  // so that the level starts with its cells. All of it is done before the level's set-up.
  let besideCounts: Promise<unknown> = Promise.resolve();
  const last = opts.users[opts.users.length - 1];
  let baselineEarly: Promise<BaselineClients> | undefined;
  if (opts.countOnlyUsers !== undefined) {
    const users = opts.countOnlyUsers;
    const level = `${users.toLocaleString('en-US')} users`;
    progress.note('throughput', `${level}: requests only, beside the start-up`);
    const endCounts = progress.begin(`throughput: ${level}, requests only`);
    await population.seedRecipients(users);
    const share = Math.min(users - 1, Math.max(1, Math.round(users * opts.online)));
    await online.setOnline(share);
    await waitQuiet(counters, SYSTEM);
    progress.note('throughput', `${level}: ${share} online`);
    const countSettings: CellSettings = {
      ...settings,
      // Warm-up enough for V8 to compile each path; a window just long enough for a count per message.
      warmupMs: opts.warmupMs * 2,
      durationMs: Math.min(settings.durationMs, 300),
      minMessages: 12,
      // Beside the start-up's CPU-heavy work the status callbacks come later: a longer quiet spell before the
      // counts are read, so that each message's requests are all in them.
      quietMs: 600,
    };
    // The four paths' warm-ups at once, then each path's window in turn (cell.ts runCountCells): the counts are
    // each path's alone, and the level takes one warm-up and one quiet spell instead of four.
    await runCountCells(
      PATHS.map((path) => ({ driver: pathDriver(path.key, ctx), cellId: `${path.key}-${users}-counts` })),
      population.recipients,
      countSettings,
      counters,
      SYSTEM,
      (i, result) => {
        const key = PATHS[i].key;
        const report = cellReport(key, users, connected(), online.socketCount, result, SYSTEM);
        report.countsOnly = true;
        report.warmupMessages = result.warmupMessages;
        cells.push(report);
        online.arrivals.clear();
        const rw = `${report.dynamo.reads.toFixed(2)} r / ${report.dynamo.writes.toFixed(2)} w per msg`;
        progress.note('throughput', `${level} · ${LABELS[key]}: ${rw} (requests only)`);
      },
      () => progress.note('throughput', `${level}: the four warm-ups done`),
    );
    // Once the counts are read, while the start-up's last work ends: the measured level's users are written, the
    // baseline's clients connect for it, and its sockets and rows past these users are set up (idle and drawn by no
    // path until that level's setOnline takes them). Not beside the count cells: the four warm-ups at once are
    // load enough, and a message whose row is written over ACK_TIMEOUT_MS after its check was set gets a second,
    // strong read, which the run's reads per check would show.
    const preseed = population.preseedRecipients(last);
    const lastSockets = Math.min(last, opts.socketCap);
    baselineEarly = connectBaseline(threads, main, last, range(0, lastSockets));
    const lastShare = Math.min(last - 1, Math.max(1, Math.round(last * opts.online)));
    const parked = progress.timed(`throughput: ${last.toLocaleString('en-US')} users' sockets ahead`, () =>
      preseed.then(() =>
        online.park(
          range(users, Math.min(lastShare, lastSockets)),
          range(Math.max(users, lastSockets), lastShare),
        ),
      ),
    );
    besideCounts = Promise.all([baselineEarly, parked]);
    besideCounts.catch(() => undefined);
    warmedUp = true;
    endCounts();
  }

  for (const users of opts.users) {
    const level = `${users.toLocaleString('en-US')} users`;
    await besideCounts;
    progress.note('throughput', `${level}: registering users`);
    const endLevel = progress.begin(`throughput: ${level}`);
    await population.seedRecipients(users);
    // At least one user on each side, so both the IM and the SMS paths have recipients.
    const share = Math.min(users - 1, Math.max(1, Math.round(users * opts.online)));
    await online.setOnline(share);
    await waitQuiet(counters, SYSTEM);
    progress.advance(
      users * 0.0012 + Math.min(users, opts.socketCap) * 0.006,
      'throughput',
      `${level}: ${share} online`,
    );

    const run = async (key: CellKey, driver: PathDriver) => {
      const categories: Category[] = key === 'baseline' ? ['baseline'] : SYSTEM;
      const result = await runCell(
        driver,
        population.recipients,
        settings,
        counters,
        categories,
        `${key}-${users}`,
      );
      const report = cellReport(key, users, connected(), online.socketCount, result, categories);
      report.warmupMessages = result.warmupMessages;
      cells.push(report);
      online.arrivals.clear();
      progress.advance(cellSeconds, 'throughput', `${level} · ${LABELS[key]}: ${describe(report)}`);
      return report;
    };
    await beforeMeasuring;
    if (users === opts.users[0] && !warmedUp) {
      // The first cells would otherwise also measure V8 compiling the handlers, the SDK and the gateway.
      for (const path of PATHS)
        await warmUp(pathDriver(path.key, ctx), population.recipients, settings, opts.warmupMs * 3);
      await waitQuiet(counters, SYSTEM);
    }
    for (const path of PATHS) await run(path.key, pathDriver(path.key as PathKey, ctx));
    // Quick runs compare with the baseline at their largest level only (1,000: the targets' level).
    if (opts.quick && users !== last) {
      endLevel();
      continue;
    }

    // The comparison: every registered user connected, in both systems. The baseline goes first, while the
    // delivery checks of the last cell (ACK_TIMEOUT_MS later) are still firing; it waits until they are done,
    // so that it gets the system thread to itself.
    progress.note('throughput', `${level}: connecting everyone`);
    const endAll = progress.begin(`throughput: ${level}, everyone connected`);
    await online.setOnline(users);
    const holders = online.socketHolders();
    const clients =
      users === last && baselineEarly
        ? await baselineEarly
        : await connectBaseline(threads, main, users, holders);
    if (!clients.connectedAs(users, holders))
      throw new Error('the baseline was connected for other users than the system under test');
    await waitQuiet(counters, [...SYSTEM, 'deliveryCheck', 'routeCheck', 'timer', 'baseline'], 300, 10_000);
    // Quick runs profile the comparison's own two cells at 1,000 (the profiler's overhead lands in their rates);
    // full runs profile two more cells after them, leaving these unprofiled.
    const inCell = opts.quick && opts.profile && users === 1000;
    const profiled = (label: string, cell: () => Promise<CellReport>) =>
      inCell ? profileCell(threads, label, profiles, cell) : cell();
    const before = await system.call<BaselineStatsLike>('baselineStats');
    const report = await profiled('Baseline, 1,000 users all connected', () =>
      run('baseline', baselineDriver(clients, holders, ctx.timeoutMs)),
    );
    const after = await system.call<BaselineStatsLike>('baselineStats');
    const sends = Math.max(1, after.sends - before.sends);
    report.scannedPerMessage = (after.scannedItems - before.scannedItems) / sends;
    report.readUnitsPerMessage = (after.readUnits - before.readUnits) / sends;
    await profiled('IM → IM, 1,000 users all connected', () => run('im-im-all', pathDriver('im-im', ctx)));

    if (opts.profile && users === 1000 && !inCell) {
      await profileCell(threads, 'IM → IM, 1,000 users all connected', profiles, () =>
        runCell(
          pathDriver('im-im', ctx),
          population.recipients,
          settings,
          counters,
          SYSTEM,
          `prof-im-${users}`,
        ),
      );
      await profileCell(threads, 'Baseline, 1,000 users all connected', profiles, () =>
        runCell(
          baselineDriver(clients, holders, ctx.timeoutMs),
          population.recipients,
          settings,
          counters,
          ['baseline'],
          `prof-base-${users}`,
        ),
      );
      progress.advance(8, 'throughput', `${level}: profiled`);
    }
    endAll();
    endLevel();
    if (users === last) {
      // Closed with the main sockets, after the cells (the baseline stops then: no reset needed).
      main.baselineClients = clients;
    } else {
      await clients.disconnect();
      await system.call('resetBaseline');
    }
  }
  return cells;
}

/**
 * The baseline's clients for a level of `users`: the senders, a socket for each of `holders` (the recipients with
 * a socket in the system under test) and a row for every other user, as every registered user is connected in both.
 */
async function connectBaseline(
  threads: Threads,
  main: MainStack,
  users: number,
  holders: number[],
): Promise<BaselineClients> {
  const clients = new BaselineClients(
    threads.seedClient,
    BASELINE_TABLE,
    `${main.baselineUrl.replace(/^http/, 'ws')}/ws`,
  );
  const withSocket = new Set(holders);
  const rowsOnly = range(0, users).filter((i) => !withSocket.has(i));
  await clients.connect(main.population.senders, holders, rowsOnly);
  return clients;
}

interface BaselineStatsLike {
  sends: number;
  scannedItems: number;
  readUnits: number;
}

/**
 * Profiles the three threads through one cell. CPU per message = the thread's on-core time (the kernel's
 * count) / messages; the samples' busy time, which also counts waits for a core, is kept beside it.
 */
async function profileCell<T extends Pick<CellResult, 'messages'> & { warmupMessages?: number }>(
  threads: Threads,
  label: string,
  profiles: Report['profiles'],
  run: () => Promise<T>,
): Promise<T> {
  const driver = new ThreadProfiler();
  await Promise.all([threads.system.call('profileStart'), threads.db.call('profileStart'), driver.start()]);
  const result = await run();
  const [sys, db, drv] = await Promise.all([
    threads.system.call<CpuProfile>('profileStop'),
    threads.db.call<CpuProfile>('profileStop'),
    driver.stop(),
  ]);
  const messages = result.messages + (result.warmupMessages ?? 0);
  const byThread = [
    ['system', 'system (handlers, gateway, sandbox)', sys],
    ['dynalite', 'database (dynalite)', db],
    ['driver', 'driver (load generator)', drv],
  ] as const;
  for (const [file, thread, profile] of byThread) {
    const summary = summarise(profile);
    const busyMs = summary.totalMs * (1 - summary.idleShare);
    const perMessage = (ms: number) => ms / Math.max(1, messages);
    profiles.push({
      label,
      thread,
      summary,
      messages,
      cpuMsPerMessage: perMessage(profile.thread?.cpuMs ?? busyMs),
      sampledMsPerMessage: perMessage(busyMs),
      waitMsPerMessage: profile.thread ? perMessage(profile.thread.waitMs) : undefined,
    });
    if (threads.profileDir) {
      const slug = label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      mkdirSync(threads.profileDir, { recursive: true });
      writeFileSync(path.join(threads.profileDir, `${slug}-${file}.cpuprofile`), JSON.stringify(profile));
    }
  }
  return result;
}

function describe(r: CellReport): string {
  const ms = (v: number) => (Number.isFinite(v) ? Math.round(v) : '-');
  const rw = `${r.dynamo.reads.toFixed(2)} r / ${r.dynamo.writes.toFixed(2)} w per msg`;
  return `${r.throughput.toFixed(0)} msg/s, p50 ${ms(r.latency.p50)} ms, p95 ${ms(r.latency.p95)} ms, ${rw}${r.errors ? `, ${r.errors} errors` : ''}`;
}

const range = (from: number, to: number) =>
  Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
