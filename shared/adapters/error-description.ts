/**
 * What a log line may say about an error: enough to find the fault (its name, a scrubbed message, the stack's
 * frames, the `cause` chain, an AWS SDK error's HTTP status, fault side and request id), and never the personal
 * data an error message can echo from its input (phone numbers, sign-in codes, tokens, message texts).
 */

/** The most of a scrubbed message kept, in code points; longer ones end with `…`. */
export const MAX_ERROR_MESSAGE_CHARS = 300;
/** The most stack frames kept per error (the innermost first, as the stack lists them). */
export const MAX_STACK_FRAMES = 12;
/** The most links of the `cause` chain described below the error itself. */
export const MAX_CAUSE_DEPTH = 3;

const REDACTED = '[redacted]';

/** Keys whose value, written `key=value` or `key: value` in a message, is input: redacted whatever it looks like. */
const SENSITIVE_KEY =
  /\b(text|body|message|msg|code|otp|token|password|secret|authorization|auth|phone|to|from|digits|name|signature|apikey|api_key)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&)\]}]+)/gi;
/** A quoted span: "…", '…', `…` or typographic quotes. Messages quote the values they echo. */
const QUOTED = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|“[^”]*”|‘[^’]*’/g;
/** A quoted code identifier kept as is: camelCase, PascalCase with a second capital, snake_case or $-names. */
const CODE_IDENTIFIER = /^[A-Za-z_$][\w$]{0,63}$/;
const JWT = /\beyJ[\w-]*\.[\w-]+\.[\w-]*/g;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
/** A run that may be a token or key: 16+ characters of base64/base64url/hex, redacted when it has a digit or + / =. */
const TOKEN_LIKE = /[A-Za-z0-9+/=_-]{16,}/g;
/** An error constant written in a message (`ERR_HTTP2_STREAM_ERROR`): upper-case words joined by `_`, kept. */
const ERROR_CONSTANT = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
/** Digits, with the separators phone numbers are written with; redacted from 4 digits on (codes, phones, ids). */
const NUMBER = /\+?\(?\d(?:[\s().-]{0,2}\d)+/g;

function scrubQuoted(quoted: string): string {
  const inner = quoted.slice(1, -1);
  const isCodeName = CODE_IDENTIFIER.test(inner) && /[A-Z_$]/.test(inner.slice(1));
  return isCodeName ? quoted : `${quoted[0]}${REDACTED}${quoted[quoted.length - 1]}`;
}

/**
 * `text` with what may be personal data replaced: the value of any `key=value` / `key: value` whose key names
 * input (text, body, code, token, phone, to, from, name, …); every quoted span except a code identifier
 * (`'connectionId'` stays, `"hello there"` goes); JWTs; e-mail addresses; token-like runs (16+ base64 characters
 * with a digit or + / =); and every number of 4 digits or more, separators included (phones, codes, imNumbers).
 * Whitespace runs become one space; the result is cut to MAX_ERROR_MESSAGE_CHARS code points.
 *
 * It is a pattern filter, so it cannot recognise a message text written bare into an error message: code that
 * throws must never put input there unquoted (the core throws DomainErrors, which are answered, not logged).
 */
export function scrubText(text: string): string {
  const scrubbed = text
    .replace(SENSITIVE_KEY, (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`)
    .replace(QUOTED, scrubQuoted)
    .replace(JWT, REDACTED)
    .replace(EMAIL, REDACTED)
    .replace(TOKEN_LIKE, (run) => (!ERROR_CONSTANT.test(run) && /[\d+/=]/.test(run) ? REDACTED : run))
    .replace(NUMBER, (run) => (run.replace(/\D/g, '').length >= 4 ? REDACTED : run))
    .replace(/\s+/g, ' ')
    .trim();
  const points = [...scrubbed];
  return points.length > MAX_ERROR_MESSAGE_CHARS
    ? points.slice(0, MAX_ERROR_MESSAGE_CHARS).join('') + '…'
    : scrubbed;
}

/**
 * One part of a dotted code name: a JavaScript identifier (`AwsJson1_0Protocol`, `Http2Session`, `_onTimeout`,
 * `$fn`, `张三`) or V8's `<anonymous>`. A part that does not start like an identifier (a phone, a number, a
 * quoted or spaced text made a computed function name) is not one.
 */
const NAME_PART = /^(?:[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*|<anonymous>)$/u;
const isCodeName = (name: string) => name.split('.').every((part) => NAME_PART.test(part));
/**
 * The part of a V8 frame before its location: `at`, then `async`/`new`, a function name (`Class.method`), an
 * optional `[as alias]`, and for locations without a file `(index N)`, `(<anonymous>)` or `(native)`.
 */
const FRAME_HEAD =
  /^at\s+(?:(?:async|new)\s+)*(\S+?)(?:\s+\[as\s+([^\s\]]+)\])?(?:\s+\((?:index \d+|<anonymous>|native)\))?$/;

/**
 * A stack frame (`at fn (file:line:col)`): the code location kept as is, and the function's name when it is
 * code (class and function names are identifiers, never personal data: `at AwsJson1_0Protocol.handleError`
 * stays, where scrubText would take an identifier with digits for a token). Anything else there, such as a
 * computed name made of data, is scrubbed like a message.
 */
function scrubFrame(line: string): string {
  const frame = line.trim();
  const at = /^(.*?)(\(?[^\s()]+:\d+:\d+\)?)?$/.exec(frame)!;
  const head = at[1].trim();
  const parts = FRAME_HEAD.exec(head);
  const code = parts !== null && isCodeName(parts[1]) && (parts[2] === undefined || isCodeName(parts[2]));
  const rest = code || head === 'at' || /^at\s+async$/.test(head) ? head : scrubText(head);
  return at[2] ? (rest ? `${rest} ${at[2]}` : at[2]) : rest;
}

/**
 * An error's name or code as logged: kept when it is a code identifier (`ResourceNotFoundException`,
 * `ERR_HTTP2_STREAM_ERROR`, `ECONNRESET`) or a provider's error number of up to 5 digits (Twilio's 21211),
 * scrubbed like a message otherwise (a 6-digit sign-in code or a phone is never kept).
 */
function scrubIdentifier(value: string): string {
  if (/^\d{1,5}$/.test(value)) return value;
  return value.length <= 128 && isCodeName(value) && !/^<anonymous>$/.test(value) ? value : scrubText(value);
}

/** The frames of a V8 stack (its `    at …` lines; the message lines above them are left out). */
function framesOf(stack: unknown): string[] | undefined {
  if (typeof stack !== 'string') return undefined;
  const frames = stack
    .split('\n')
    .filter((l) => /^\s+at\s/.test(l))
    .slice(0, MAX_STACK_FRAMES)
    .map(scrubFrame);
  return frames.length > 0 ? frames : undefined;
}

/** One error, as a log line carries it. Every string in it has been through scrubText. */
// A type, not an interface, so it spreads into a log line's Record<string, unknown>.
export type ErrorDescription = {
  /** The error's name (`TypeError`, `ConditionalCheckFailedException`, …); for a thrown non-error, its type. */
  error: string;
  /** Its `code` (or AWS's `Code`), when it has one: `ECONNRESET`, a Twilio error number, … */
  code?: string;
  /** Its message, scrubbed (scrubText) and cut to MAX_ERROR_MESSAGE_CHARS. */
  errorMessage?: string;
  /** The stack's frames, innermost first, at most MAX_STACK_FRAMES, each `at fn (file:line:col)`, scrubbed. */
  stack?: string[];
  /** An AWS SDK error's `$metadata.httpStatusCode`. */
  httpStatusCode?: number;
  /** An AWS SDK error's `$fault`: `client` or `server`. */
  fault?: string;
  /** An AWS SDK error's `$metadata.requestId` (AWS's id of the request, for a support case). */
  requestId?: string;
  /** How many times the SDK tried (`$metadata.attempts`), when it retried. */
  attempts?: number;
  /** The `cause` it wraps, described the same way (without its stack), at most MAX_CAUSE_DEPTH deep. */
  cause?: ErrorDescription;
};

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  code?: unknown;
  Code?: unknown;
  cause?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown; requestId?: unknown; attempts?: unknown };
}

function describe(err: unknown, depth: number, withStack: boolean): ErrorDescription {
  if (!err || typeof err !== 'object') {
    const out: ErrorDescription = { error: err === null ? 'null' : typeof err };
    if (typeof err === 'string' || typeof err === 'number') out.errorMessage = scrubText(String(err));
    return out;
  }
  const e = err as ErrorLike;
  const name = typeof e.name === 'string' && e.name ? scrubIdentifier(e.name).slice(0, 128) : 'Error';
  const out: ErrorDescription = { error: name };
  const code = e.code ?? e.Code;
  if (typeof code === 'string' || typeof code === 'number') out.code = scrubIdentifier(String(code));
  if (typeof e.message === 'string' && e.message) out.errorMessage = scrubText(e.message);
  const frames = withStack ? framesOf(e.stack) : undefined;
  if (frames) out.stack = frames;
  const meta = e.$metadata;
  if (meta && typeof meta === 'object') {
    if (typeof meta.httpStatusCode === 'number') out.httpStatusCode = meta.httpStatusCode;
    // AWS's own id (a response header), not input: kept when it has an id's shape.
    if (typeof meta.requestId === 'string' && /^[\w-]{1,128}$/.test(meta.requestId))
      out.requestId = meta.requestId;
    if (typeof meta.attempts === 'number' && meta.attempts > 1) out.attempts = meta.attempts;
  }
  if (e.$fault === 'client' || e.$fault === 'server') out.fault = e.$fault;
  if (e.cause !== undefined && e.cause !== null && depth < MAX_CAUSE_DEPTH)
    out.cause = describe(e.cause, depth + 1, false);
  return out;
}

/**
 * The fields a log line carries about `err` (spread them into the line: `log.error(event, { where,
 * ...describeError(err) })`): see ErrorDescription. Never throws, whatever was thrown (a string, null, an
 * object with odd getters aside).
 */
export function describeError(err: unknown): ErrorDescription {
  try {
    return describe(err, 0, true);
  } catch {
    return { error: 'Error' };
  }
}
