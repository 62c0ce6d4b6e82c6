import * as z from 'zod/mini';
import { SMS_RESEND_AFTER_MIN_MS } from './core/delivery/sms-fence';
import { E164_PATTERN } from './core/provisioning/e164';
import { fieldOf, issueRule } from './runtime/validation-message';

/**
 * Configuration, read from the environment once per container and validated up front.
 * A bad or missing value throws at start with the variable's name, never later on a message path.
 *
 * Secrets: locally `JWT_SECRET` and `TWILIO_AUTH_TOKEN` come from the environment. On AWS they come from
 * Secrets Manager (`JWT_SECRET_ARN`, `TWILIO_SECRET_ARN`), read by the runtime through Powertools Parameters with
 * a cache that expires (shared/runtime/secrets.ts: POWERTOOLS_PARAMETERS_MAX_AGE, default 60 s), so a rotated
 * value is used without a redeploy; if a re-read fails, the values read before stay in use.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

// zod/mini: the same validation as zod's classic API, at ~20 KB instead of ~440 KB in every Lambda bundle.
const e164 = z.string().check(z.regex(E164_PATTERN, 'must be E.164, like +14155550100'));
/**
 * An endpoint setting: an absolute http:// or https:// URL with a host. `URL.canParse` alone let through values
 * a client later fails on without naming the setting: `localhost:8000` parses (as the scheme `localhost:`), and
 * the SDK then failed with a bare "UnknownError". The message names the value's problem (endpoints are not secret).
 */
const url = z.string().check(
  z.superRefine((v, ctx) => {
    const problem = urlProblem(v);
    if (problem)
      ctx.issues.push({
        code: 'custom',
        message: `must be an http:// or https:// URL: ${problem}`,
        input: v,
      });
  }),
);

/** What is wrong with an endpoint URL, or undefined when it is a usable http(s) URL. */
function urlProblem(v: string): string | undefined {
  if (v.trim() === '') return 'it is empty';
  if (!URL.canParse(v)) return `"${v.slice(0, 80)}" is not a URL (write it like http://localhost:8000)`;
  const u = new URL(v);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    // `localhost:8000` parses with the scheme `localhost:`: most likely the http:// was left out.
    const guess = v.includes('//') ? '' : ` (did you mean http://${v.slice(0, 80)}?)`;
    return `it starts with "${u.protocol}"${guess}`;
  }
  if (!u.hostname) return 'it has no host';
  return undefined;
}
const arn = z.string().check(z.startsWith('arn:', 'must be an ARN'));

const intFrom = (def: number, min: number, max: number, why?: string) =>
  z.pipe(
    z.optional(z.string()),
    z.transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      // Plain decimal digits only: Number() would also take '0x50', '1e3' and ' 12 ', silently.
      const n = /^\d+$/.test(v) ? Number(v) : NaN;
      if (!Number.isInteger(n) || n < min || n > max) {
        const got = JSON.stringify(v.slice(0, 40));
        ctx.issues.push({
          code: 'custom',
          message: `must be an integer from ${min} to ${max} (got ${got})${why ? `: ${why}` : ''}`,
          input: v,
        });
        return def;
      }
      return n;
    }),
  );

const list = (item: z.ZodMiniString<string>) =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((v: string) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      ),
    ),
    z.array(item).check(
      z.minLength(1, 'must list at least one'),
      z.refine(
        (items: string[]) => new Set(items).size === items.length,
        'must not list the same value twice',
      ),
    ),
  );

/** The sandbox's default pool of service numbers (US 555-01xx numbers are reserved for fiction). */
export const DEFAULT_SANDBOX_NUMBERS = ['+15005550100', '+15005550101', '+15005550102'];

const schema = z.object({
  /** DynamoDB's table-name rule: 3 to 255 of a-z, A-Z, 0-9, `_`, `-`, `.` (DynamoDB Developer Guide, naming rules). */
  TABLE_NAME: z._default(
    z.string().check(z.regex(/^[A-Za-z0-9_.-]{3,255}$/, 'must be 3 to 255 letters, digits, _ - or .')),
    'imsms',
  ),
  AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  DYNAMODB_ENDPOINT: z.optional(url),
  /** The WebSocket API's @connections endpoint, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/prod */
  WS_ENDPOINT: z.optional(url),
  PUBLIC_URL: z._default(url, 'http://localhost:3000'),
  SMS_PROVIDER: z._default(z.enum(['sandbox', 'twilio', 'sns']), 'sandbox'),
  /** Where the sandbox's Twilio-compatible REST API listens (local only). Defaults to PUBLIC_URL. */
  SANDBOX_URL: z.optional(url),
  TWILIO_ACCOUNT_SID: z.optional(
    z.string().check(z.regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC + 32 hex digits')),
  ),
  TWILIO_AUTH_TOKEN: z.optional(z.string().check(z.minLength(8, 'must be at least 8 characters'))),
  TWILIO_SECRET_ARN: z.optional(arn),
  JWT_SECRET: z.optional(z.string().check(z.minLength(32, 'must be at least 32 characters'))),
  JWT_SECRET_ARN: z.optional(arn),
  SERVICE_NUMBERS: z.optional(list(e164)),
  ACK_TIMEOUT_MS: intFrom(15000, 100, 900000),
  /**
   * How long a secret read from Secrets Manager is cached, in seconds (Powertools Parameters' own variable, read
   * by shared/runtime/secrets.ts; default 60). Checked here so `abc` or `-5` stops the start instead of
   * silently becoming 60.
   */
  POWERTOOLS_PARAMETERS_MAX_AGE: intFrom(60, 0, 86400),
  /**
   * How long a pushed message waits for its ack: `learned` per connection, at most ACK_TIMEOUT_MS
   * (docs/design.md, "The ack wait"), or `fixed`: always ACK_TIMEOUT_MS, the rule before it.
   */
  ACK_WAIT: z._default(z.enum(['learned', 'fixed']), 'learned'),
  ACK_QUEUE_URL: z.optional(url),
  SMS_COUNTRIES: z._default(
    list(z.string().check(z.regex(/^[1-9]\d{0,2}$/, 'country calling codes, like 1,86'))),
    ['1', '86'],
  ),
  /** How long a connection counts as live after its last connect or ping. */
  CONNECTION_TTL_SECONDS: intFrom(660, 30, 7200),
  /**
   * An SMS send claimed this long ago and still unconfirmed is taken as interrupted (a crash, a timeout) and
   * resumed, asking the provider first. At least a whole send with its retries and the fence's margin
   * (shared/core/delivery/sms-fence.ts): the tries of a claim stop 10 s before its resume may ask.
   */
  SMS_RESEND_AFTER_MS: intFrom(
    60000,
    SMS_RESEND_AFTER_MIN_MS,
    3600000,
    'a resume must wait longer than a send with its retries (22.5 s) and the 10 s margin after its deadline',
  ),
  /** Codes one client address may request per 10 minutes (and 5× that per day). */
  OTP_IP_LIMIT: intFrom(10, 1, 100000),
  /** SMS segments one sender's messages may cost per UTC day; past it, messages fail with `sms_budget`. */
  SMS_DAILY_SEGMENTS: intFrom(150, 1, 100000),
  /** SMS one sender's messages may send to any one phone per UTC day; past it, `sms_budget`. */
  SMS_DAILY_PER_PHONE: intFrom(50, 1, 100000),
  /** The window (s) the WebSocket frame limits count in. */
  WS_RATE_WINDOW_SECONDS: intFrom(10, 1, 3600),
  /** Frames one connection may send per window; past it each gets an `error` frame `rate_limited`. */
  WS_FRAMES_PER_CONNECTION: intFrom(100, 1, 1000000),
  /** Frames one user may send per window over all their connections. */
  WS_FRAMES_PER_USER: intFrom(300, 1, 1000000),
  /** Live connections one user may hold; a further $connect is refused with 429. */
  WS_MAX_CONNECTIONS_PER_USER: intFrom(10, 1, 1000),
  LOG_LEVEL: z._default(z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
});

export type Env = z.infer<typeof schema>;

export interface Config {
  tableName: string;
  region: string;
  dynamodbEndpoint?: string;
  wsEndpoint?: string;
  publicUrl: string;
  smsProvider: 'sandbox' | 'twilio' | 'sns';
  sandboxUrl: string;
  twilioAccountSid: string;
  twilioAuthToken?: string;
  twilioSecretArn?: string;
  jwtSecret?: string;
  jwtSecretArn?: string;
  serviceNumbers: string[];
  ackTimeoutMs: number;
  ackWait: 'learned' | 'fixed';
  ackQueueUrl?: string;
  smsCountries: string[];
  connectionTtlSeconds: number;
  otpIpLimit: number;
  smsResendAfterMs: number;
  smsDailySegments: number;
  smsDailyPerPhone: number;
  wsRateWindowSeconds: number;
  wsFramesPerConnection: number;
  wsFramesPerUser: number;
  wsMaxConnectionsPerUser: number;
  logLevel: Env['LOG_LEVEL'];
}

/** A made-up account SID for the sandbox, in Twilio's format. */
export const SANDBOX_ACCOUNT_SID = 'AC00000000000000000000000000000000';

/** Reads and validates the configuration. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Rules worded as every validation message is (shared/runtime/validation-message.ts), after the setting's name.
  const parsed = schema.safeParse(env, { error: issueRule });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`Invalid ${fieldOf(issue.path, 'environment')}: ${issue.message}`);
  }
  const v = parsed.data;
  const serviceNumbers =
    v.SERVICE_NUMBERS ?? (v.SMS_PROVIDER === 'sandbox' ? DEFAULT_SANDBOX_NUMBERS : undefined);
  if (!serviceNumbers)
    throw new ConfigError(`Invalid SERVICE_NUMBERS: required when SMS_PROVIDER=${v.SMS_PROVIDER}`);
  const onLambda = Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
  // On Lambda only the functions that talk to Twilio get its secret (least privilege), so these checks are for
  // the local runtime; there, a function that needs Twilio fails with the variable's name when it loads it.
  const twilioLocally = !onLambda && v.SMS_PROVIDER === 'twilio' && !v.TWILIO_SECRET_ARN;
  if (twilioLocally && !v.TWILIO_ACCOUNT_SID) {
    throw new ConfigError('Invalid TWILIO_ACCOUNT_SID: required when SMS_PROVIDER=twilio');
  }
  if (twilioLocally && !v.TWILIO_AUTH_TOKEN) {
    throw new ConfigError(
      'Invalid TWILIO_AUTH_TOKEN: required (or TWILIO_SECRET_ARN) when SMS_PROVIDER=twilio',
    );
  }
  if (onLambda && !v.ACK_QUEUE_URL) {
    throw new ConfigError('Invalid ACK_QUEUE_URL: required on Lambda (the durable ack timer)');
  }
  return {
    tableName: v.TABLE_NAME,
    region: v.AWS_REGION,
    dynamodbEndpoint: v.DYNAMODB_ENDPOINT,
    wsEndpoint: v.WS_ENDPOINT,
    publicUrl: v.PUBLIC_URL.replace(/\/+$/, ''),
    smsProvider: v.SMS_PROVIDER,
    sandboxUrl: (v.SANDBOX_URL ?? v.PUBLIC_URL).replace(/\/+$/, ''),
    twilioAccountSid: v.TWILIO_ACCOUNT_SID ?? SANDBOX_ACCOUNT_SID,
    twilioAuthToken: v.TWILIO_AUTH_TOKEN,
    twilioSecretArn: v.TWILIO_SECRET_ARN,
    jwtSecret: v.JWT_SECRET,
    jwtSecretArn: v.JWT_SECRET_ARN,
    serviceNumbers,
    ackTimeoutMs: v.ACK_TIMEOUT_MS,
    ackWait: v.ACK_WAIT,
    ackQueueUrl: v.ACK_QUEUE_URL,
    smsCountries: v.SMS_COUNTRIES,
    connectionTtlSeconds: v.CONNECTION_TTL_SECONDS,
    otpIpLimit: v.OTP_IP_LIMIT,
    smsResendAfterMs: v.SMS_RESEND_AFTER_MS,
    smsDailySegments: v.SMS_DAILY_SEGMENTS,
    smsDailyPerPhone: v.SMS_DAILY_PER_PHONE,
    wsRateWindowSeconds: v.WS_RATE_WINDOW_SECONDS,
    wsFramesPerConnection: v.WS_FRAMES_PER_CONNECTION,
    wsFramesPerUser: v.WS_FRAMES_PER_USER,
    wsMaxConnectionsPerUser: v.WS_MAX_CONNECTIONS_PER_USER,
    logLevel: v.LOG_LEVEL,
  };
}
