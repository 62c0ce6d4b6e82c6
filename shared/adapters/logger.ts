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
 * One log line: `level` (lower case), `event` (a `LogEvent` name), `timestamp` (ISO 8601), `service`, the
 * Lambda keys Powertools fills once a context is added (`cold_start`, `function_name`, `function_request_id`,
 * `function_arn`, `function_memory_size`), `xray_trace_id` when tracing is on, `correlation_id` (the API Gateway
 * request id, or Twilio's MessageSid / CallSid), then the caller's fields.
 */
class EventLineFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const ctx = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel.toLowerCase(),
        event: attributes.message,
        timestamp: this.formatTimestamp(attributes.timestamp),
        service: attributes.serviceName,
        cold_start: ctx?.coldStart,
        function_name: ctx?.functionName,
        function_request_id: ctx?.awsRequestId,
        function_arn: ctx?.invokedFunctionArn,
        function_memory_size: ctx?.memoryLimitInMB,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additional);
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

/** Powertools Logger printing through `write` (the sink) instead of its own console. */
class SinkLogger extends PowertoolsLogger {
  private write: LogSink = (line) => sink(line);
  private coldStartOverride: boolean | undefined;

  static make(level: LogLevel, write: LogSink, base: Record<string, unknown>): SinkLogger {
    const logger = new SinkLogger({
      serviceName: SERVICE_NAME,
      logLevel: LEVELS[level],
      logFormatter: new EventLineFormatter(),
      persistentKeys: base,
    });
    logger.write = write;
    return logger;
  }

  /** A child for one invocation, with this one's writer and level, and the cold-start flag decided here. */
  forInvocation(coldStart: boolean): SinkLogger {
    const child = this.createChild() as SinkLogger;
    child.write = this.write;
    child.coldStartOverride = coldStart;
    return child;
  }

  override getColdStart(): boolean {
    return this.coldStartOverride ?? false;
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

function portOf(logger: SinkLogger, write: LogSink): ServiceLogger {
  const emit =
    (lvl: Exclude<LogLevel, 'silent'>) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      if ('err' in fields) {
        const { err, ...rest } = fields;
        fields = { ...rest, ...describeError(err) };
      }
      logger[lvl](event, fields);
      const points = metricsOf(event, fields);
      if (points.length > 0) writeEmf(points, write);
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    forInvocation: ({ context, correlationId }) => {
      const child = logger.forInvocation(context ? takeColdStart(context.functionName) : false);
      if (context) child.addContext(context);
      if (correlationId) child.setCorrelationId(correlationId);
      return portOf(child, write);
    },
  };
}

/** The per-invocation logger when `log` is a ServiceLogger; `log` itself otherwise (tests' recorders). */
export function invocationLogger(log: Logger, info: InvocationInfo): Logger {
  const service = log as Partial<ServiceLogger>;
  return typeof service.forInvocation === 'function' ? service.forInvocation(info) : log;
}

/** The fields a log line carries about an error, scrubbed of personal data: shared/adapters/error-description.ts. */
export { describeError, scrubText, type ErrorDescription } from './error-description';
