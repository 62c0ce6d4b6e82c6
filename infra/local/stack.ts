import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import path from 'node:path';
import { createDynamoClient } from '../../shared/adapters/aws-clients';
import { ensureTable } from '../../shared/adapters/dynamo-table';
import { createLogger, describeError, setLogSink, type LogLevel } from '../../shared/adapters/logger';
import { ConfigError, loadConfig, type Config } from '../../shared/config';
import { onAckTimeout } from '../../shared/core/delivery/ack-timeout';
import { checkedMessageId } from '../../shared/core/delivery/check-key';
import { LogEvent } from '../../shared/core/log-events';
import { getDeps, injectDeps, registerLocalAckFactory } from '../../shared/runtime/deps';
import { forInvocation } from '../../shared/runtime/invocation';
import '../../shared/runtime/sms';
import { functions } from '../functions';
import { serveConsole, type ConsoleSettings } from './console/serve';
import { DurableAckTimer } from './durable-ack-timer';
import { startEmbeddedDynamo, type EmbeddedDynamo } from './embedded-dynamo';
import { LocalGateway } from './gateway';
import { createLambdaContext } from './gateway/lambda-context';
import { TwilioSandbox } from './sandbox';

const ROOT = path.resolve(__dirname, '..', '..');

/** The function that runs due delivery checks on AWS (the ack-timeout queue's consumer), as deployed. */
const ACK_SPEC = functions.find((f) => f.trigger.kind === 'queue' && f.trigger.queue === 'ack-timeout')!;
const ACK_FUNCTION = ACK_SPEC.name;

/**
 * The most handler invocations the local stack runs at once (HTTP and WebSocket routes, due checks); the others
 * wait, by {@link LOCAL_PRIORITY}. On an idle machine about two run at a time at 44 messages a second, so this is
 * rarely reached there; on a starved one it keeps each round of the one event loop short, so an invocation that
 * starts finishes soon.
 */
export const LOCAL_MAX_CONCURRENT_INVOCATIONS = 8;

/**
 * WebSocket routes the local gateway runs in a second lane beside each connection's ordered queue (API Gateway
 * runs every frame at once): an ack is about work already done, and must not wait behind the same client's queued
 * sends (an ack that waits is an SMS sent for nothing). Its answer (an `error`) may come after a later frame's.
 * Acks are not counted by the frame rate limit, whose blocks assume one connection's frames are checked one at a
 * time; a `ping` is, so it keeps its place in the queue.
 */
export const LOCAL_UNORDERED_ROUTES: readonly string[] = ['ack'];

/**
 * Which invocations start first when the local stack is short of CPU (higher first; any function not named: 1).
 * A text's or a call's webhook first: Twilio gives it 15 s and does not retry, so a late answer loses the text.
 * Then what ends messages already under way: acks and pings (an ack in time saves an SMS), the SMS status
 * callbacks, the due checks. Then everything else; new sends last, since their senders are told when each is
 * accepted and wait for nothing else. Names are the manifest's (infra/functions.ts); a test checks each exists.
 */
export const LOCAL_PRIORITY: Readonly<Record<string, number>> = {
  'twilio-sms': 6,
  'twilio-voice': 6,
  'twilio-voice-gather': 6,
  'twilio-voice-whisper': 6,
  'twilio-voice-dial-status': 5,
  'ws-ack': 5,
  'ws-ping': 5,
  'twilio-sms-status': 4,
  'ack-timeout': 3,
  'ws-send-message': 0,
};

export interface LocalStackOptions {
  /** 0 picks a free port. Default: PORT, else 3000. */
  port?: number;
  /** Default 127.0.0.1 (HOST). */
  host?: string;
  /** Default: DATA_DIR, else ./.data. */
  dataDir?: string;
  /** Settings on top of process.env (tests pass theirs here). */
  env?: Record<string, string | undefined>;
  /** No banner, and warn-level logs unless LOG_LEVEL says otherwise. */
  quiet?: boolean;
  /** Receives every log line (JSON) instead of stdout: the privacy tests read them all. */
  onLog?: (line: string) => void;
}

export interface LocalStack {
  /** The console and API base URL, e.g. http://localhost:3000 */
  url: string;
  port: number;
  dataDir: string;
  config: Config;
  stop(): Promise<void>;
}

/**
 * The whole system on one machine, on one port: the same Lambda handlers behind a local API Gateway (HTTP,
 * WebSocket; its @connections API on a loopback port of its own that only the handlers know), the real SDK
 * clients pointed at an embedded DynamoDB (dynalite, on disk under DATA_DIR), a Twilio-compatible sandbox reached
 * through the same Twilio REST client as on AWS, a durable local ack timer, and
 * the console at /.
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const env = { ...process.env, ...(opts.env ?? {}) };
  // Checked before anything starts, so a bad PORT changes nothing and is named as such.
  const requested = opts.port ?? parsePort(env.PORT);
  const host = opts.host ?? parseHost(env.HOST);
  const dataDir = path.resolve(opts.dataDir ?? env.DATA_DIR ?? '.data');
  const logLevel = (env.LOG_LEVEL ?? (opts.quiet ? 'warn' : 'info')) as LogLevel;
  // Every setting, the data folder and the port are checked before anything is made: a bad one stops the start
  // with its name and leaves no folder, database or secrets behind.
  checkSettings(env, requested, logLevel);
  checkDataDir(dataDir);
  if (requested !== 0) {
    await probePort(requested, host).catch((err: unknown) => {
      throw listenError(err, host, requested);
    });
  }
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (err) {
    throw new ConfigError(`Invalid DATA_DIR: ${dataDir} cannot be created (${failureOf(err)})`);
  }
  const restoreLogSink = opts.onLog ? setLogSink(opts.onLog) : () => undefined;
  const log = createLogger(logLevel, undefined, { component: 'local' });

  let dynamo: EmbeddedDynamo | undefined;
  if (!env.DYNAMODB_ENDPOINT)
    dynamo = await startEmbeddedDynamo({ path: path.join(dataDir, 'dynamodb'), thread: true });
  const server = createServer();
  // The port is settled first but listened on last, once everything is ready: a request (a reconnecting
  // client, a Twilio webhook) never reaches a server that cannot answer it yet.
  let port: number;
  try {
    port = requested === 0 ? await freePort(host) : requested;
  } catch (err) {
    await dynamo?.close();
    throw listenError(err, host, requested);
  }
  const localUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const gateway = new LocalGateway({
    functions,
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loadHandler: async (spec) => require(path.join(ROOT, spec.entry)).handler,
    wsStage: 'local',
    // Webhooks, acks and due checks stay prompt when the machine is short of CPU: acks never wait behind a
    // client's queued sends, and new sends wait for everything else (docs/reliability.md, finding 16).
    unorderedRoutes: LOCAL_UNORDERED_ROUTES,
    scheduling: {
      maxConcurrent: LOCAL_MAX_CONCURRENT_INVOCATIONS,
      priorityOf: (spec) => LOCAL_PRIORITY[spec.name] ?? 1,
    },
    log: (event, fields) => log.debug(`gateway.${event}`, fields),
    onError: (err, where) => log.error('gateway.handler_failed', { where, ...describeError(err) }),
  });
  // @connections answers on a loopback listener of its own that only the handlers are told about (WS_ENDPOINT);
  // the public port, which browsers and webhooks reach, never serves it.
  const connectionsEndpoint = await gateway.listenConnections();

  const secrets = localSecrets(dataDir);
  // The handlers read their configuration from the environment, exactly as on Lambda. What the stack sets
  // is put back on stop, so a restart in the same process starts from the caller's settings again.
  const restoreEnv = setEnv({
    ...(opts.env ?? {}),
    PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${port}`,
    DYNAMODB_ENDPOINT: env.DYNAMODB_ENDPOINT ?? dynamo!.endpoint,
    WS_ENDPOINT: connectionsEndpoint,
    // An outside sandbox (SANDBOX_URL) stands in for Twilio when a test must outlive this process.
    SANDBOX_URL: env.SANDBOX_URL ?? localUrl,
    JWT_SECRET: env.JWT_SECRET ?? secrets.jwtSecret,
    TWILIO_AUTH_TOKEN: env.TWILIO_AUTH_TOKEN ?? secrets.twilioAuthToken,
    LOG_LEVEL: logLevel,
    OTP_IP_LIMIT: env.OTP_IP_LIMIT ?? LOCAL_OTP_IP_LIMIT,
  });
  const undo = async () => {
    restoreEnv();
    restoreLogSink();
    await gateway.close();
    await dynamo?.close();
  };
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    await undo();
    throw err;
  }
  const dynamoClient = createDynamoClient(config);
  try {
    await ensureTable(dynamoClient, config.tableName);
  } catch (err) {
    dynamoClient.destroy();
    await undo();
    // Only a DYNAMODB_ENDPOINT the user gave can be wrong here; name it, and what the SDK said (a code, not a message).
    if (!env.DYNAMODB_ENDPOINT) throw err;
    throw new ConfigError(
      `Invalid DYNAMODB_ENDPOINT: ${config.dynamodbEndpoint} did not answer as DynamoDB (${failureOf(err)}); ` +
        'leave it unset for the embedded one',
    );
  }

  let timer: DurableAckTimer | undefined;
  registerLocalAckFactory((cfg, handlerLog) => {
    // A due check (an IM's ack wait, or the routing of a stored inbound text) is what the ack-timeout function
    // runs on AWS, so its lines carry that function's Lambda keys, as the gateway's handlers do; its
    // correlation_id is the message id (there is no SQS message here; an inbound text's id comes from its
    // MessageSid, so the check ties back to its webhook). Checks that failed are logged on the same keys.
    const logged = new WeakSet<object>();
    const runCheck = async (messageId: string) => {
      const deps = forInvocation(
        await getDeps({ sms: true }),
        createLambdaContext(ACK_FUNCTION),
        // A text's route check is keyed `route:…:<message id>` (shared/core/delivery/check-key.ts).
        checkedMessageId(messageId),
      );
      try {
        await onAckTimeout(deps, messageId);
      } catch (err) {
        deps.log.error(LogEvent.AckCheckFailed, { messageId, ...describeError(err) });
        if (err && typeof err === 'object') logged.add(err);
        throw err;
      }
    };
    timer = new DurableAckTimer(
      dynamoClient,
      cfg.tableName,
      // Each check takes its turn among the gateway's invocations, as the queue's consumer would be one more.
      (messageId) => gateway.schedule(ACK_SPEC, () => runCheck(messageId)),
      (err, messageId) => {
        if (!(err && typeof err === 'object' && logged.has(err)))
          handlerLog.error(LogEvent.AckCheckFailed, { messageId, ...describeError(err) });
      },
    );
    return timer;
  });
  injectDeps(undefined);
  await getDeps({ sms: true });

  const sandbox =
    config.smsProvider === 'sandbox' && !env.SANDBOX_URL
      ? new TwilioSandbox({
          accountSid: config.twilioAccountSid,
          authToken: process.env.TWILIO_AUTH_TOKEN!,
          serviceNumbers: config.serviceNumbers,
          publicUrl: config.publicUrl,
          deliverTo: localUrl,
          dataDir: path.join(dataDir, 'sandbox'),
          // The sandbox's events are named `sandbox.…` already.
          log: (event, fields) => log.debug(event, fields),
        })
      : undefined;
  server.on('request', (req, res) => {
    dispatch(req, res, gateway, sandbox, { ackTimeoutMs: config.ackTimeoutMs }).catch((err) => {
      log.error('local.request_failed', describeError(err));
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: 'internal error' } }));
    });
  });
  gateway.attach(server);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // The gateway first: its sockets close, frames that have not started are not run (a send would find its
      // recipient's sockets closing and go by SMS), and what runs finishes while this server still answers the
      // handlers' SMS creates and the sandbox's callbacks. Then the sandbox: status steps not yet due stay for the
      // next start (none posted to a closed port). The server stops listening last.
      await gateway.close();
      await sandbox?.close();
      await timer?.stop();
      await closeServer(server);
      dynamoClient.destroy();
      await dynamo?.close();
      injectDeps(undefined);
      restoreEnv();
      restoreLogSink();
    })());
  try {
    await listen(server, port, host).catch((err: unknown) => {
      throw listenError(err, host, port);
    });
    // Checks left from an earlier run are armed once the server answers: an overdue one fires at once, and
    // its SMS may go through this very server's sandbox.
    const recovered = await timer!.recover();
    if (recovered) log.info('local.ack_checks_recovered', { count: recovered });
    // Likewise the sandbox's status steps that the last stop cut short: their callbacks come to this server.
    sandbox?.resume();
  } catch (err) {
    await stop();
    throw err;
  }
  const url = config.publicUrl;
  if (!opts.quiet) {
    process.stdout.write(
      `\nIM ⇄ SMS is running.\n  Console:   ${url}/\n  WebSocket: ${url.replace(/^http/, 'ws')}/ws?token=…\n  Data:      ${dataDir}\n  SMS:       ${config.smsProvider}\n\n`,
    );
  }
  return { url, port, dataDir, config, stop };
}

async function dispatch(
  req: IncomingMessage,
  res: ServerResponse,
  gateway: LocalGateway,
  sandbox: TwilioSandbox | undefined,
  consoleSettings: ConsoleSettings,
): Promise<void> {
  const pathname = (req.url ?? '/').split('?')[0];
  if (pathname === '/healthz') {
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    } else {
      res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' });
      res.end(
        JSON.stringify({ error: { code: 'method_not_allowed', message: '/healthz answers GET only' } }),
      );
    }
    return;
  }
  if (sandbox && (await sandbox.handle(req, res))) return;
  if (await gateway.handleHttp(req, res)) return;
  if (serveConsole(req, res, consoleSettings)) return;
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'not_found', message: 'no such path' } }));
}

/**
 * The PORT setting: unset or empty means 3000, 0 means any free port, else an integer from 1 to 65535.
 * @throws ConfigError naming PORT for anything else (`abc`, `-1`, `70000`, `80.5`).
 */
export function parsePort(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 3000;
  const port = /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new ConfigError('Invalid PORT: must be an integer from 0 to 65535 (0 picks a free port)');
  }
  return port;
}

/**
 * The HOST setting: unset means 127.0.0.1; else an IP address or a host name (letters, digits, `-`, `.`).
 * @throws ConfigError naming HOST for an empty value, a dotted number that is no IPv4 address (`999.1.1.1`), or
 * anything that is neither (whether a name resolves is known only when listening: {@link listenError}).
 */
export function parseHost(value: string | undefined): string {
  if (value === undefined) return '127.0.0.1';
  const host = value.trim();
  const got = JSON.stringify(value.slice(0, 60));
  if (host === '')
    throw new ConfigError('Invalid HOST: must be an IP address or host name to listen on (got "")');
  if (isIP(host)) return host;
  if (
    /^[\d.]+$/.test(host) ||
    !/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(
      host,
    )
  ) {
    throw new ConfigError(`Invalid HOST: must be an IP address or host name to listen on (got ${got})`);
  }
  return host;
}

/**
 * A listen failure named by its setting: a HOST that does not resolve or is no address of this machine, a PORT
 * in use or not allowed. Other errors are returned as they are.
 */
function listenError(err: unknown, host: string, port: number): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const got = JSON.stringify(host.slice(0, 60));
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME')
    return new ConfigError(`Invalid HOST: ${got} does not resolve to an address (${code})`);
  if (code === 'EADDRNOTAVAIL')
    return new ConfigError(`Invalid HOST: ${got} is not an address of this machine (${code})`);
  if (code === 'EADDRINUSE')
    return new ConfigError(
      `Invalid PORT: ${port} is already in use on ${got} (${code}); stop what listens there or set another PORT`,
    );
  if (code === 'EACCES')
    return new ConfigError(
      `Invalid PORT: ${port} may not be listened on by this user (${code}); set PORT above 1023`,
    );
  return err;
}

/** A short, data-free name of why a request failed: its code (ECONNREFUSED, ENOTFOUND, …) or error name. */
function failureOf(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  return typeof e?.name === 'string' ? e.name.slice(0, 60) : 'no answer';
}

/** Secrets made once per DATA_DIR, so tokens stay valid across restarts. Never printed. */
function localSecrets(dataDir: string): { jwtSecret: string; twilioAuthToken: string } {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = {
    jwtSecret: randomBytes(32).toString('base64url'),
    twilioAuthToken: randomBytes(16).toString('hex'),
  };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

/** Sets environment variables; returns a function that puts the previous values back. */
function setEnv(values: Record<string, string | undefined>): () => void {
  const previous = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(values)) if (v !== undefined) process.env[k] = v;
  return () => {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** Every local client is 127.0.0.1, so the per-address code limit would be shared by all of them. */
const LOCAL_OTP_IP_LIMIT = '1000';

/**
 * The settings as the handlers will read them, checked before the stack makes anything. What the stack provides
 * itself (the embedded database's and the @connections endpoints, the generated secrets) stands in as a valid
 * placeholder; the real values are checked again once they exist.
 * @throws ConfigError naming the first bad setting; also for `JWT_SECRET_ARN` / `TWILIO_SECRET_ARN`, which are
 *   Secrets Manager ARNs for AWS: the local stack has no AWS credentials, and would fail at the first request.
 */
function checkSettings(env: NodeJS.ProcessEnv, port: number, logLevel: LogLevel): void {
  const plainOf = { JWT_SECRET_ARN: 'JWT_SECRET', TWILIO_SECRET_ARN: 'TWILIO_AUTH_TOKEN' } as const;
  for (const [name, plain] of Object.entries(plainOf)) {
    if (env[name]) {
      throw new ConfigError(
        `Invalid ${name}: Secrets Manager is read on AWS only; locally set ${plain}, or leave both unset ` +
          '(generated into DATA_DIR)',
      );
    }
  }
  const placeholder = 'http://127.0.0.1:9';
  loadConfig({
    ...env,
    PUBLIC_URL: env.PUBLIC_URL ?? `http://localhost:${port || 3000}`,
    DYNAMODB_ENDPOINT: env.DYNAMODB_ENDPOINT ?? placeholder,
    WS_ENDPOINT: placeholder,
    SANDBOX_URL: env.SANDBOX_URL ?? placeholder,
    JWT_SECRET: env.JWT_SECRET ?? 'x'.repeat(32),
    TWILIO_AUTH_TOKEN: env.TWILIO_AUTH_TOKEN ?? 'x'.repeat(32),
    LOG_LEVEL: logLevel,
    OTP_IP_LIMIT: env.OTP_IP_LIMIT ?? LOCAL_OTP_IP_LIMIT,
  });
}

/** @throws ConfigError when DATA_DIR names something that is not a folder (a file, say). */
function checkDataDir(dataDir: string): void {
  let stat;
  try {
    stat = statSync(dataDir);
  } catch {
    return; // Not there yet: made next.
  }
  if (!stat.isDirectory()) throw new ConfigError(`Invalid DATA_DIR: ${dataDir} exists and is not a folder`);
}

/** Resolves when `port` can be listened on at `host` right now; rejects with the listen error (EADDRINUSE…). */
async function probePort(port: number, host: string): Promise<void> {
  const probe = createServer();
  await listen(probe, port, host);
  await closeServer(probe);
}

/** A port free right now on this host, for PORT=0. */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  await listen(probe, 0, host);
  const { port } = probe.address() as AddressInfo;
  await closeServer(probe);
  return port;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * How long a stop lets requests under way finish before it cuts every connection left (ms): a webhook being
 * answered, but also a client that connected and sent nothing or half a request, which Node counts as neither
 * idle nor done and which kept `npm start` running after Ctrl-C for as long as that client stayed.
 */
export const CLOSE_GRACE_MS = 2_000;

/** Stops taking connections; resolves once none is left (idle ones closed at once, the rest after the grace). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
