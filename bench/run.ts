import '../infra/local/node-env';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureTable } from '../shared/adapters/dynamo-table';
import { newCounterBuffer, readUnits, snapshot, diff, SYSTEM, total, type Counts } from './db/counter';
import { keepChildrenLowered } from './lib/priority';
import { Progress } from './lib/progress';
import { sleep } from './lib/stats';
import { startTsWorker, WorkerRpc } from './lib/threads';
import { parseOptions, type Options } from './options';
import { buildAllBundles, timeColdInit, type BuiltBundles } from './phases/bundles';
import { runFallback } from './phases/fallback';
import type { PresenceCostRow } from './phases/presence-fanout';
import {
  prepareMobileRule,
  runPreparedRule,
  type MobileReport,
  type MobileRuleReport,
  type PreparedMobileRule,
} from './phases/mobile-fallback';
import { MOBILE } from './load/mobile-link';
import { Population } from './load/population';
import { loadPrices, smsCosts, smsSamples } from './phases/sms-cost';
import {
  closeMainSockets,
  openMainStack,
  plannedLevelSeconds,
  runThroughput,
  SYSTEM_TABLE,
  waitChecksDone,
  type Threads,
} from './phases/throughput';
import { renderMarkdown } from './report/markdown';
import { chartSvg } from './report/svg';
import type { FallbackReport, Report } from './results';

/**
 * `npm run bench`: measures the whole system on this machine and writes bench/results/latest.{md,json} and the
 * chart. Three threads: this one drives the load (real WebSocket clients, the sandbox's phone API), one runs the
 * system (the local stack, and the baseline router beside it), one runs dynalite with its request counters.
 */
async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const started = Date.now();
  const loadBefore = os.loadavg();
  const progress = new Progress(plannedSeconds(opts));
  progress.note(
    'setup',
    `${opts.quick ? 'quick' : 'full'} run, ${os.cpus().length} CPUs, node ${process.version}`,
  );

  mkdirSync(opts.outDir, { recursive: true });
  // Built now, beside the threads' start-up (nothing is measured yet); timed later, while the mobile phase waits.
  // esbuild at the lowest priority: the start-up's request-count cells, mostly waits, go first, and the build
  // takes the cores they leave (it is done before the first measured cell, whatever the priority).
  const built = progress.timed('bundles: build (one esbuild call)', () => buildAllBundles());
  built.catch(() => undefined);
  keepChildrenLowered('esbuild', built);
  // The presence fan-out and the mobile replay: CPU-heavy, nothing timed, each on a thread at the lowest priority.
  const lowPriority = (file: string) =>
    new WorkerRpc(startTsWorker(path.join(__dirname, 'lib', file), {}, { lowPriority: true }));
  const background = {
    presence: lowPriority('presence-thread.ts'),
    replay: opts.skip.has('mobile') ? undefined : lowPriority('replay-thread.ts'),
  };
  const counterBuffer = newCounterBuffer();
  const counters = new Int32Array(counterBuffer);
  // The mobile phase's stacks have a table of their own, counted apart: their set-up and traffic never move the
  // main stack's counts, so they may run beside its request-count cells and its fallback.
  const mobileCounterBuffer = newCounterBuffer();
  const dbWorker = startTsWorker(path.join(__dirname, 'db', 'dynamo-thread.ts'), {
    counters: counterBuffer,
    systemTable: SYSTEM_TABLE,
    mobileCounters: mobileCounterBuffer,
    mobileTable: MOBILE_TABLE,
  });
  const db = new WorkerRpc(dbWorker);
  const system = new WorkerRpc(startTsWorker(path.join(__dirname, 'system', 'system-thread.ts'), {}));
  // The mobile phase's two stacks (the learned rule, the fixed rule) get a thread each, so that the phase can run
  // while the main stack (the system thread) still serves the 2 s fallback. measure() starts them once the main
  // stack has started: loading a stack's code takes each thread about a CPU-second, which would otherwise be taken
  // from the main stack's start, which the start-up's request-count cells wait for.
  let mobileThreads: MobileThreads | undefined;
  const startMobileThreads = opts.skip.has('mobile')
    ? undefined
    : () =>
        (mobileThreads ??= {
          learned: new WorkerRpc(startTsWorker(path.join(__dirname, 'system', 'system-thread.ts'), {})),
          fixed: new WorkerRpc(startTsWorker(path.join(__dirname, 'system', 'system-thread.ts'), {})),
          counters: new Int32Array(mobileCounterBuffer),
        });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'imsms-bench-'));
  let seedClient: DynamoDBClient | undefined;
  try {
    const { endpoint } = await db.call<{ endpoint: string }>('listen');
    seedClient = new DynamoDBClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 5,
    });
    await ensureTable(seedClient, SYSTEM_TABLE);
    if (startMobileThreads) await ensureTable(seedClient, MOBILE_TABLE);
    const profileDir = opts.profile ? path.join(opts.outDir, 'profiles') : undefined;
    const threads: Threads = { system, db, counters, dynamoEndpoint: endpoint, seedClient, profileDir };
    const report = await measure(opts, threads, startMobileThreads, background, built, dataDir, progress);
    report.machine.loadBefore = loadBefore;
    report.machine.loadAfter = os.loadavg();
    // From the process's start (tsx compiling this file included), as `time npm run bench` sees it, less npm.
    report.durationSeconds = process.uptime();
    const startUp = process.uptime() - progress.elapsedSeconds();
    report.phases = [
      { phase: 'tsx start-up', seconds: startUp, from: -startUp, to: 0 },
      ...progress.phaseTimes(),
    ];
    write(opts, report);
    progress.finish(
      `${report.durationSeconds.toFixed(0)} s (${((Date.now() - started) / 1000).toFixed(0)} s after start-up); ` +
        `wrote ${path.join(opts.outDir, 'latest.md')}\n` +
        report.phases
          .map((p) => `  ${p.phase}: ${p.seconds.toFixed(1)} s (${p.from.toFixed(0)} → ${p.to.toFixed(0)} s)`)
          .join('\n'),
    );
  } finally {
    seedClient?.destroy();
    await system.close();
    await mobileThreads?.learned.close();
    await mobileThreads?.fixed.close();
    await db.close();
    await background.presence.close();
    await background.replay?.close();
    await built.then((b) => b.remove()).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function plannedSeconds(opts: Options): number {
  const levels = opts.skip.has('throughput')
    ? 0
    : opts.users.reduce((s, u) => s + plannedLevelSeconds(opts, u), 0);
  const fallback = opts.skip.has('fallback') ? 0 : opts.quick ? 4 : 6;
  // The mobile phase (its traffic, the fixed rule's 15 s, a drain); the cold loads are timed while it waits.
  const mobile = opts.skip.has('mobile') ? 0 : opts.mobile.phaseMs / 1000 + 18;
  const init = opts.skip.has('init') ? 0 : coldInitSeconds(opts);
  // The fallback runs beside the mobile phase's traffic (alone when there is no mobile phase).
  return 4 + levels + Math.max(fallback, mobile, opts.mobile.phaseMs / 1000 + init);
}

/** Cold node processes: (an empty one + the bundle, + the bundle with source maps in full runs) per timed one. */
function coldInitSeconds(opts: Options): number {
  return opts.initRuns * (opts.initLargest ?? 23) * (opts.quick ? 2 : 3) * 0.15;
}

async function measure(
  opts: Options,
  threads: Threads,
  startMobileThreads: (() => MobileThreads) | undefined,
  background: { presence: WorkerRpc; replay?: WorkerRpc },
  built: Promise<BuiltBundles>,
  dataDir: string,
  progress: Progress,
): Promise<Report> {
  const jwtSecret = randomBytes(32).toString('base64url');
  const stackEnv = {
    DYNAMODB_ENDPOINT: threads.dynamoEndpoint,
    TABLE_NAME: SYSTEM_TABLE,
    JWT_SECRET: jwtSecret,
    TWILIO_AUTH_TOKEN: randomBytes(16).toString('hex'),
    // 2 s rather than the 15 s default, so each message's delivery check runs right after its own cell instead
    // of in a later one; it does the same work whenever it fires. The default is measured in the fallback test.
    ACK_TIMEOUT_MS: '2000',
    // A few senders drive the whole load: lift the per-user limits, which are not what is measured.
    WS_FRAMES_PER_CONNECTION: '1000000',
    WS_FRAMES_PER_USER: '1000000',
    WS_MAX_CONNECTIONS_PER_USER: '1000',
    SMS_DAILY_SEGMENTS: '100000',
    SMS_DAILY_PER_PHONE: '100000',
    // Sockets opened in the first minute must still count as live at the end of a 10-minute run.
    CONNECTION_TTL_SECONDS: '3600',
  };
  const profiles: Report['profiles'] = [];
  const { counters, system } = threads;

  // The presence fan-out (presence-fanout.md) on an embedded dynalite of its own: request counts, no timings, so
  // it runs beside the start-up too (on a low-priority thread). So does the mobile phase's replay in virtual time
  // (its sample for the false-fallback rate; no timings either), on another. All of it, and the bundles' build, are
  // done before the first measured cell.
  const presence = opts.skip.has('presence')
    ? Promise.resolve(undefined)
    : progress.timed('presence fan-out', () =>
        background.presence.call<PresenceCostRow[]>('presence', {
          outDir: opts.outDir,
          sizes: opts.quick ? [10, 100] : undefined,
        }),
      );
  presence.catch(() => undefined);
  const mobileOpts = { ...opts.mobile, ackTimeoutMs: 15_000 };
  const replay = background.replay
    ? progress.timed('mobile links: replay (virtual time)', () =>
        background.replay!.call<MobileReport['replay']>('replay', {
          ...mobileOpts,
          links: mobileOpts.replayLinks,
          spanMs: mobileOpts.replaySpanMs,
        }),
      )
    : Promise.resolve(undefined);
  replay.catch(() => undefined);
  const main = await progress.timed('stack start', () =>
    openMainStack(opts, threads, jwtSecret, stackEnv, dataDir),
  );
  const mobileThreads = startMobileThreads?.();
  // The mobile phase's two stacks start, and its links register and open their sockets, beside the rest of the
  // start-up and the request-count cells (nothing is measured yet, and their table is counted apart): the phase
  // itself is then only its traffic and its timers. A stack re-arms, on start, the durable ack timer's rows it
  // finds in its table: both start before any message is sent on it.
  const mobileReady = mobileThreads
    ? (async () => {
        const stacks = await progress.timed('mobile links: stacks start', () =>
          startMobileStacks(mobileThreads, dataDir, { ...stackEnv, TABLE_NAME: MOBILE_TABLE }, mobileOpts),
        );
        return progress.timed('mobile links: set-up', async () => {
          // The links' senders are the main population's sender accounts, registered in this table too.
          const population = new Population(threads.seedClient, MOBILE_TABLE, jwtSecret);
          await population.seedSenders(opts.concurrency);
          return prepareMobile(stacks, population, mobileOpts);
        });
      })()
    : Promise.resolve(undefined);
  mobileReady.catch(() => undefined);
  const setupDone = Promise.all([presence, built, mobileReady, replay]).then(() =>
    progress.note('setup', 'build, presence, replay and mobile set-up done'),
  );
  if (opts.mobileOnly) {
    // Only the mobile-link phase (to try the ack wait quickly): its figures as JSON on stdout, nothing written.
    await closeMainSockets(main, threads);
    await system.call('stopStack');
    const mobile = await runMobile(mobileThreads!, (await mobileReady)!, mobileOpts, await replay).report;
    process.stdout.write(JSON.stringify(mobile, null, 2) + '\n');
    process.exit(0);
  }
  const runStart = snapshot(counters);
  const cells = opts.skip.has('throughput')
    ? []
    : await progress.timed('throughput', () =>
        runThroughput(opts, threads, main, progress, profiles, setupDone),
      );
  await setupDone;
  await progress.timed('throughput: closing sockets', () => closeMainSockets(main, threads));
  // The last cell's delivery checks (a read each, ACK_TIMEOUT_MS after its messages) still fire on the main
  // stack: light work, so the mobile phase starts beside them, and the run's counts are read once they are done.
  const checksDone = progress.timed('throughput: last delivery checks', () => waitChecksDone(threads));
  checksDone.catch(() => undefined);

  // The ack wait on simulated mobile links: the learned rule and the fixed one, each on its own stack in its own
  // thread, at once, over the same links (same seeds). The 2 s fallback runs beside its traffic, on the main stack
  // (a few silent recipients: light work beside light work; its requests are on the main table, the mobile
  // stacks' on theirs), once the main stack's last checks are done. Once the traffic is over and the learned rule
  // has its figures, the phase only waits on timers (the fixed rule's 15 s): the cold loads are timed then, and
  // the fixed rule's sockets close after them, so that neither runs beside CPU-heavy work.
  let mobileRun: Promise<MobileReport | undefined> = Promise.resolve(undefined);
  let learnedDone: Promise<unknown> = Promise.resolve();
  let coldInitTimed!: () => void;
  const coldInitDone = new Promise<void>((resolve) => (coldInitTimed = resolve));
  const prepared = await mobileReady;
  if (mobileThreads && prepared) {
    const replayed = await replay;
    progress.note(
      'mobile',
      `${mobileOpts.links} links per rule, learned and fixed ACK_TIMEOUT_MS ${mobileOpts.ackTimeoutMs} side by side`,
    );
    const endMobile = progress.begin('mobile links (both rules)');
    const trafficOver = sleep(mobileOpts.phaseMs);
    const run = runMobile(mobileThreads, prepared, mobileOpts, replayed, () => coldInitDone);
    mobileRun = run.report.finally(endMobile);
    mobileRun.catch(() => undefined);
    learnedDone = Promise.allSettled([run.learned, trafficOver]);
  }
  await checksDone;
  const throughputCounts = diff(snapshot(counters), runStart);
  const fallback: FallbackReport[] = [];
  if (!opts.skip.has('fallback')) {
    await progress.timed('fallback (2 s)', async () => {
      for (const f of opts.fallbackSamples.filter((s) => s.ackMs === 2000)) {
        progress.note('fallback', `${f.samples} silent recipients, ACK_TIMEOUT_MS ${f.ackMs}`);
        fallback.push(await runFallback(main.population, main.url, f.ackMs, f.samples, counters));
        progress.advance(3, 'fallback', describeFallback(fallback[fallback.length - 1]));
      }
    });
  }
  await system.call('stopStack');

  let bundles: Report['bundles'] = { emptyScriptMs: NaN, rows: [], timed: 0 };
  try {
    const b = await built;
    await learnedDone;
    if (!opts.skip.has('init')) {
      progress.note(
        'bundles',
        `built in ${b.buildSeconds.toFixed(1)} s; timing cold loads beside an empty node`,
      );
      const quarter = coldInitSeconds(opts) / 4;
      let quarters = 0;
      bundles = await progress.timed('bundles: cold init', () =>
        timeColdInit(
          b,
          opts.initRuns,
          !opts.quick,
          (done, totalSteps) => {
            while (quarters < Math.floor((done / totalSteps) * 4)) {
              quarters++;
              progress.advance(quarter, 'bundles', `${quarters * 25}% of the cold loads timed`);
            }
          },
          opts.initLargest,
        ),
      );
      const slowest = Math.max(...bundles.rows.map((r) => r.requireMs).filter(Number.isFinite));
      progress.note(
        'bundles',
        `${bundles.rows.length} functions, ${bundles.timed} timed, slowest init ${slowest.toFixed(0)} ms, ` +
          `empty node ${bundles.emptyScriptMs.toFixed(0)} ms`,
      );
    }
  } finally {
    coldInitTimed();
  }
  const mobile = await mobileRun;
  for (const m of mobile?.rules ?? []) progress.advance(4, 'mobile', describeMobile(m));

  const samples = smsSamples();
  const prices = loadPrices();
  // The main stack's log lines and the learned rule's (the fixed rule's stack was never counted).
  const logs = await system.call<Record<string, number>>('logCounts');
  if (mobileThreads) {
    const learnedLogs = await mobileThreads.learned.call<Record<string, number>>('logCounts');
    for (const [k, n] of Object.entries(learnedLogs)) logs[k] = (logs[k] ?? 0) + n;
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    mode: opts.quick ? 'quick' : 'full',
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      loadBefore: [],
      loadAfter: [],
    },
    settings: {
      users: opts.users,
      online: opts.online,
      concurrency: opts.concurrency,
      socketCap: opts.socketCap,
      durationMs: opts.durationMs,
      warmupMs: opts.warmupMs,
      conversation: opts.conversation,
      ackTimeoutMsInCells: Number(stackEnv.ACK_TIMEOUT_MS),
      initRuns: opts.initRuns,
    },
    durationSeconds: 0,
    cells,
    fallback,
    mobile,
    bundles,
    sms: { samples, costs: smsCosts(samples, cells, prices) },
    profiles,
    logs,
    scansByUs: SYSTEM.reduce((n, c) => n + total(throughputCounts, c, ['Scan']), 0),
    ...checkFigures(throughputCounts),
  };
}

/** Reads per fired delivery check, and the local timer's requests per scheduled check, over the whole run. */
function checkFigures(c: Counts): {
  checkReads: number;
  checkReadUnits: number;
  checksFired: number;
  timerPerMessage: number;
} {
  // Route checks (an inbound text's, due at once: all fired within the run) read nothing; their rows are deleted
  // with the others, so they are taken out of the checks fired.
  const routeChecks = c.routeCheck.PutItem.ok;
  const fired = Math.max(0, c.timer.DeleteItem.ok + c.timerRows.DeleteItem.ok - routeChecks);
  const scheduled = c.timer.PutItem.ok + routeChecks;
  return {
    checkReads: fired ? total(c, 'deliveryCheck') / fired : NaN,
    checkReadUnits: fired ? readUnits(c, 'deliveryCheck') / fired : NaN,
    checksFired: fired,
    timerPerMessage: scheduled ? (total(c, 'timer') + total(c, 'routeCheck')) / scheduled : NaN,
  };
}

/** The mobile phase's table: its two stacks share it, apart from the main stack's (counted apart too). */
const MOBILE_TABLE = 'imsms-mobile';

/** The mobile phase's threads: one per rule, a stack each (a stack reads its settings once). */
interface MobileThreads {
  learned: WorkerRpc;
  fixed: WorkerRpc;
  /** The request counters of the mobile table (the database thread's second set). */
  counters: Int32Array;
}

/** Starts the two stacks, one per rule, each in its thread; their URLs. */
async function startMobileStacks(
  threads: MobileThreads,
  dataDir: string,
  stackEnv: Record<string, string>,
  o: { ackTimeoutMs: number },
): Promise<{ learned: string; fixed: string }> {
  const env = { ...stackEnv, ACK_TIMEOUT_MS: String(o.ackTimeoutMs) };
  const [learned, fixed] = await Promise.all([
    threads.learned.call<{ url: string }>('startStack', {
      dataDir: path.join(dataDir, 'learned'),
      env: { ...env, ACK_WAIT: 'learned' },
    }),
    threads.fixed.call<{ url: string }>('startStack', {
      dataDir: path.join(dataDir, 'fixed'),
      env: { ...env, ACK_WAIT: 'fixed' },
    }),
  ]);
  return { learned: learned.url, fixed: fixed.url };
}

/** Each rule's links, registered and connected to its stack. */
async function prepareMobile(
  stacks: { learned: string; fixed: string },
  population: Population,
  o: Options['mobile'],
): Promise<PreparedMobileRule[]> {
  // One after the other: both register through the same population.
  const l = await prepareMobileRule('learned', population, stacks.learned, o);
  const f = await prepareMobileRule('fixed', population, stacks.fixed, o);
  return [l, f];
}

/**
 * Both rules at once on their prepared links, with the replay computed beforehand (`replay`); stops both stacks
 * at the end. `learned` settles when the learned rule has its figures (its sockets closed); the fixed rule's
 * sockets close once `holdFixed` settles.
 */
function runMobile(
  mobileThreads: MobileThreads,
  prepared: PreparedMobileRule[],
  o: Options['mobile'] & { ackTimeoutMs: number },
  replay: MobileReport['replay'],
  holdFixed?: () => Promise<unknown>,
): { learned: Promise<unknown>; report: Promise<MobileReport> } {
  const before = snapshot(mobileThreads.counters);
  const runs = prepared.map((p) => runPreparedRule(p, o, p.rule === 'fixed' ? holdFixed : undefined));
  const report = (async (): Promise<MobileReport> => {
    try {
      const rules = await Promise.all(runs);
      // Only the learned rule writes link stats (a fixed wait never moves), so the table's link-stats writes over
      // the phase are the learned rule's.
      const linkStatsWrites = total(diff(snapshot(mobileThreads.counters), before), 'linkStats');
      return {
        model: MOBILE,
        phaseMs: o.phaseMs,
        messageEveryMs: o.messageEveryMs,
        rules,
        replay,
        linkStatsWrites,
      };
    } finally {
      await mobileThreads.learned.call('stopStack');
      await mobileThreads.fixed.call('stopStack');
    }
  })();
  const learned = runs[prepared.findIndex((p) => p.rule === 'learned')] ?? Promise.resolve();
  return { learned, report };
}

function describeMobile(m: MobileRuleReport): string {
  return (
    `${m.rule}: dead link → SMS p50 ${m.deadFirst.p50.toFixed(0)} ms, p95 ${m.deadFirst.p95.toFixed(0)} ms; ` +
    `false fallbacks ${m.falseFallbacks}/${m.acked}`
  );
}

function describeFallback(f: FallbackReport): string {
  return `ACK_TIMEOUT_MS ${f.ackTimeoutMs}: p50 ${f.latency.p50.toFixed(0)} ms, p95 ${f.latency.p95.toFixed(0)} ms (${f.samples - f.failed}/${f.samples})`;
}

function write(opts: Options, report: Report): void {
  mkdirSync(opts.outDir, { recursive: true });
  writeFileSync(path.join(opts.outDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(path.join(opts.outDir, 'latest.md'), renderMarkdown(report, loadPrices()));
  const subtitle =
    `${report.date}, ${report.mode} run, ${report.machine.cpus} CPUs, ${report.settings.concurrency} senders in flight, ` +
    `${Math.round(opts.online * 100)}% online in the four paths; latency to the end of each path`;
  // A run without the throughput part (--only / --skip) leaves the last chart as it was. Cells that count requests
  // only have no rates to plot.
  const timed = report.cells.filter((c) => !c.countsOnly);
  if (timed.length)
    writeFileSync(path.join(opts.outDir, 'latency-throughput.svg'), chartSvg(timed, subtitle));
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
