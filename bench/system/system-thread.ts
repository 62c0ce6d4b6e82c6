import '../../infra/local/node-env';
import { setLogSink } from '../../shared/adapters/logger';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { startBaselineRouter, type BaselineRouter } from '../baseline/router';
import { ThreadProfiler } from '../lib/profiler';
import { serveRpc } from '../lib/threads';

/**
 * The system under test, on its own thread: the local stack (handlers, local API Gateway, Twilio sandbox,
 * durable ack timer) and, beside it, the baseline router. The driver runs on the main thread, the database on
 * a third, so neither the load generator nor dynalite shares this event loop.
 */
let stack: LocalStack | undefined;
let baseline: BaselineRouter | undefined;
const logCounts = new Map<string, number>();
const profiler = new ThreadProfiler();

// Settings from the caller's shell that would change what is measured; the benchmark sets its own.
for (const name of [
  'PORT',
  'HOST',
  'DATA_DIR',
  'PUBLIC_URL',
  'SANDBOX_URL',
  'SMS_PROVIDER',
  'SERVICE_NUMBERS',
  'SMS_COUNTRIES',
  'TWILIO_ACCOUNT_SID',
  'TWILIO_SECRET_ARN',
  'JWT_SECRET_ARN',
  'ACK_QUEUE_URL',
  'LOG_LEVEL',
  'TABLE_NAME',
]) {
  delete process.env[name];
}

// The handlers log JSON lines; the benchmark keeps only their level and event name, and prints nothing. The
// metrics go through the same writer as CloudWatch EMF lines (no level, no event): counted as `metrics:emf`.
const countLog = (line: string) => {
  let key = 'unparsed';
  try {
    const parsed = JSON.parse(line) as { level?: string; event?: string; _aws?: unknown };
    key = parsed._aws !== undefined ? 'metrics:emf' : `${parsed.level}:${parsed.event}`;
  } catch {
    // keep 'unparsed'
  }
  logCounts.set(key, (logCounts.get(key) ?? 0) + 1);
};
setLogSink(countLog);

serveRpc(
  {
    startStack: async (args: { dataDir: string; env: Record<string, string> }) => {
      if (stack) throw new Error('a stack is already running');
      stack = await startLocalStack({
        port: 0,
        dataDir: args.dataDir,
        quiet: true,
        env: { LOG_LEVEL: 'warn', ...args.env },
        onLog: countLog,
      });
      return { url: `http://127.0.0.1:${stack.port}`, serviceNumbers: stack.config.serviceNumbers };
    },
    stopStack: async () => {
      await stack?.stop();
      stack = undefined;
    },
    startBaseline: async (args: { dynamoEndpoint: string; table: string }) => {
      baseline ??= await startBaselineRouter(args);
      return { url: baseline.url };
    },
    resetBaseline: async () => baseline?.resetTable(),
    baselineStats: () => baseline?.stats(),
    stopBaseline: async () => {
      await baseline?.close();
      baseline = undefined;
    },
    logCounts: () => Object.fromEntries(logCounts),
    profileStart: () => profiler.start(),
    profileStop: () => profiler.stop(),
  },
  async () => {
    await baseline?.close();
    await stack?.stop();
  },
);
