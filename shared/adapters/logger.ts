import type { Logger } from '../core/ports';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/**
 * JSON-lines logs (CloudWatch parses them). Callers pass ids and outcomes only; this never serialises errors
 * wholesale, because SDK errors can echo request parameters such as phone numbers.
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

export function createLogger(
  level: LogLevel,
  write: LogSink = (line) => sink(line),
  base: Record<string, unknown> = {},
): Logger {
  const threshold = LEVELS[level];
  const emit =
    (lvl: Exclude<LogLevel, 'silent'>) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      if (LEVELS[lvl] < threshold) return;
      write(JSON.stringify({ t: new Date().toISOString(), level: lvl, event, ...base, ...fields }));
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** The name and code of an error, safe to log (never its message, which may carry input). */
export function describeError(err: unknown): { error: string; code?: string } {
  if (err && typeof err === 'object') {
    const e = err as { name?: string; code?: unknown; Code?: unknown };
    const code = e.code ?? e.Code;
    return { error: e.name ?? 'Error', ...(code !== undefined ? { code: String(code) } : {}) };
  }
  return { error: typeof err };
}
