import { LogFormatter, LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';
import type { Logger } from '../core/ports';
import { describeError } from './error-description';
import { METRICS_SERVICE, metricsOf, writeEmf } from './metrics';

const LEVELS = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', silent: 'SILENT' } as const;
export type LogLevel = keyof typeof LEVELS;

/** The `service` key of every log line and the default dimension of every metric. */
export const SERVICE_NAME = METRICS_SERVICE;

/**
 * JSON-lines logs through Powertools Logger (CloudWatch parses them). Callers pass ids and outcomes only; an
 * error goes in through describeError (./error-description.ts), never wholesale, because SDK errors can echo
 * request parameters such as phone numbers: its name, scrubbed message, stack frames and cause chain.
 */
type LogSink = (line: string) => void;
const stdout: LogSink = (line) => process.stdout.write(line + '\n');
let sink: LogSink = stdout;

/**
 * Where loggers made without their own writer send lines (stdout by default). The local runtime lets tests
 * collect every line, to check that none carries personal data. Returns a function that restores the previous.
 */
export function setLogSink(next: LogSink | undefined): () => void {
  const previous = sink;
  sink = next ?? stdout;
  return () => {
    sink = previous;
  };
}

/**
 * The keys one invocation adds to each of its lines: the Lambda context's (absent in the local ack timer) and the
 * correlation id. Held by the invocation's port and handed to the formatter for the one synchronous call that
 * prints a line, so invocations running at once in one process (the local runtime) never share them.
 */
interface InvocationKeys {
  coldStart: boolean;
  context?: Context;
  correlationId?: string;
}

/**
 * One log line: `level` (lower case), `event` (a `LogEvent` name), `timestamp` (ISO 8601), `service`, the
 * Lambda keys of the invocation (`cold_start`, `function_name`, `function_request_id`, `function_arn`,
 * `function_memory_size`), `xray_trace_id` when tracing is on, the logger's `base` keys, `correlation_id` (the
 * API Gateway request id, or Twilio's MessageSid / CallSid), then the caller's fields.
 */
class EventLineFormatter extends LogFormatter {
  /** The invocation whose line is being formatted right now (set by SinkLogger around each print). */
  current: InvocationKeys | undefined;

  constructor(private readonly baseKeys: ReadonlySet<string>) {
    super();
  }

  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const inv = this.current;
    const ctx = inv?.context;
    const item = new LogItem({
      attributes: {
        level: attributes.logLevel.toLowerCase(),
        event: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: ctx ? inv.coldStart : undefined,
        function_name: ctx?.functionName,
        function_request_id: ctx?.awsRequestId,
        function_arn: ctx?.invokedFunctionArn,
        function_memory_size: ctx?.memoryLimitInMB,
        xray_trace_id: attributes.xRayTraceId,
      },
    });
    if (inv?.correlationId === undefined) return item.addAttributes(additional);
    // The base keys come first in `additional` (Powertools puts persistent keys before the call's), then the
    // correlation id, then the caller's fields.
    const base: LogAttributes = {};
    const rest: LogAttributes = {};
    for (const [k, v] of Object.entries(additional)) (this.baseKeys.has(k) ? base : rest)[k] = v;
    return item.addAttributes(base).addAttributes({ correlation_id: inv.correlationId }).addAttributes(rest);
  }
}

/** Function names that have had their first invocation in this process (the cold start is the first). */
const warmFunctions = new Set<string>();

/** True for the first invocation of `functionName` in this process, unless it runs on provisioned concurrency. */
function takeColdStart(functionName: string): boolean {
  if (warmFunctions.has(functionName)) return false;
  warmFunctions.add(functionName);
  return process.env.AWS_LAMBDA_INITIALIZATION_TYPE !== 'provisioned-concurrency';
}

/**
 * Powertools Logger printing through `write` (the sink) instead of its own console. One per process: an
 * invocation's keys ride along with each of its lines (`printFor`) rather than on a child logger per
 * invocation, whose construction (options, environment reads, a Console) cost more than the lines it printed.
 */
class SinkLogger extends PowertoolsLogger {
  private write: LogSink = (line) => sink(line);
  private formatter: EventLineFormatter | undefined;

  static make(level: LogLevel, write: LogSink, base: Record<string, unknown>): SinkLogger {
    const formatter = new EventLineFormatter(new Set(Object.keys(base)));
    const logger = new SinkLogger({
      serviceName: SERVICE_NAME,
      logLevel: LEVELS[level],
      logFormatter: formatter,
      persistentKeys: base,
    });
    logger.write = write;
    logger.formatter = formatter;
    return logger;
  }

  /** Prints one line (if its level passes) with `invocation`'s keys; the formatting is synchronous. */
  printFor(
    invocation: InvocationKeys,
    lvl: Exclude<LogLevel, 'silent'>,
    event: string,
    fields: Record<string, unknown>,
  ): void {
    const formatter = this.formatter!;
    const previous = formatter.current;
    formatter.current = invocation;
    try {
      this[lvl](event, fields);
    } finally {
      formatter.current = previous;
    }
  }

  protected override createLogger(
    options?: ConstructorParameters<typeof PowertoolsLogger>[0],
  ): PowertoolsLogger {
    const logger = new SinkLogger(options);
    logger.write = this.write;
    return logger;
  }

  protected override printLog(_level: number, log: LogItem): void {
    log.prepareForPrint();
    this.write(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }
}

/** Who one invocation is: its Lambda context (absent in the local ack timer) and its correlation id. */
export interface InvocationInfo {
  context?: Context;
  /** The API Gateway request id, or Twilio's MessageSid / CallSid. Ids only, never personal data. */
  correlationId?: string;
}

/** The Logger port, plus a child per invocation that carries the request's keys on every line. */
export interface ServiceLogger extends Logger {
  forInvocation(info: InvocationInfo): Logger;
}

/**
 * A Logger (the core's port) on Powertools Logger. Each event also feeds the metrics derived from it
 * (shared/adapters/metrics.ts), written as CloudWatch EMF lines through the same writer.
 * `write` defaults to the log sink (setLogSink); `base` keys go on every line (e.g. `{ component: 'local' }`).
 */
export function createLogger(
  level: LogLevel,
  write: LogSink = (line) => sink(line),
  base: Record<string, unknown> = {},
): ServiceLogger {
  return portOf(SinkLogger.make(level, write, base), write);
}

function portOf(logger: SinkLogger, write: LogSink, invocation?: InvocationKeys): ServiceLogger {
  const emit =
    (lvl: Exclude<LogLevel, 'silent'>) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      if ('err' in fields) {
        const { err, ...rest } = fields;
        fields = { ...rest, ...describeError(err) };
      }
      if (invocation) logger.printFor(invocation, lvl, event, fields);
      else logger[lvl](event, fields);
      const points = metricsOf(event, fields);
      if (points.length > 0) writeEmf(points, write);
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    forInvocation: ({ context, correlationId }) =>
      portOf(logger, write, {
        coldStart: context ? takeColdStart(context.functionName) : false,
        context,
        correlationId,
      }),
  };
}

/** The per-invocation logger when `log` is a ServiceLogger; `log` itself otherwise (tests' recorders). */
export function invocationLogger(log: Logger, info: InvocationInfo): Logger {
  const service = log as Partial<ServiceLogger>;
  return typeof service.forInvocation === 'function' ? service.forInvocation(info) : log;
}

/** The fields a log line carries about an error, scrubbed of personal data: shared/adapters/error-description.ts. */
export { describeError, scrubText, type ErrorDescription } from './error-description';
