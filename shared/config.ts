import { z } from 'zod';

/**
 * Configuration, read from the environment once per container and validated up front.
 * A bad or missing value throws at start with the variable's name, never later on a message path.
 *
 * Secrets: locally `JWT_SECRET` and `TWILIO_AUTH_TOKEN` come from the environment. On AWS they come from
 * Secrets Manager (`JWT_SECRET_ARN`, `TWILIO_SECRET_ARN`) and are loaded once per container by the runtime.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be E.164, like +14155550100');

const intFrom = (def: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });

const list = (item: z.ZodString) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(item).min(1));

/** The sandbox's default pool of service numbers (US 555-01xx numbers are reserved for fiction). */
export const DEFAULT_SANDBOX_NUMBERS = ['+15005550100', '+15005550101', '+15005550102'];

const schema = z.object({
  TABLE_NAME: z.string().min(1).default('imsms'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  DYNAMODB_ENDPOINT: z.string().url().optional(),
  /** The WebSocket API's @connections endpoint, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/prod */
  WS_ENDPOINT: z.string().url().optional(),
  PUBLIC_URL: z.string().url().default('http://localhost:3000'),
  SMS_PROVIDER: z.enum(['sandbox', 'twilio', 'sns']).default('sandbox'),
  /** Where the sandbox's Twilio-compatible REST API listens (local only). Defaults to PUBLIC_URL. */
  SANDBOX_URL: z.string().url().optional(),
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC + 32 hex digits')
    .optional(),
  TWILIO_AUTH_TOKEN: z.string().min(8).optional(),
  TWILIO_SECRET_ARN: z.string().startsWith('arn:').optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_SECRET_ARN: z.string().startsWith('arn:').optional(),
  SERVICE_NUMBERS: list(e164).optional(),
  ACK_TIMEOUT_MS: intFrom(15000, 100, 900000),
  ACK_QUEUE_URL: z.string().url().optional(),
  SMS_COUNTRIES: list(z.string().regex(/^[1-9]\d{0,2}$/, 'country calling codes, like 1,86')).default([
    '1',
    '86',
  ]),
  /** How long a connection counts as live after its last connect or ping. */
  CONNECTION_TTL_SECONDS: intFrom(660, 30, 7200),
  /** Codes one client address may request per 10 minutes (and 5× that per day). */
  OTP_IP_LIMIT: intFrom(10, 1, 100000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
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
  ackQueueUrl?: string;
  smsCountries: string[];
  connectionTtlSeconds: number;
  otpIpLimit: number;
  logLevel: Env['LOG_LEVEL'];
}

/** A made-up account SID for the sandbox, in Twilio's format. */
export const SANDBOX_ACCOUNT_SID = 'AC00000000000000000000000000000000';

/** Reads and validates the configuration. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid ${name}: ${issue.message}`);
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
    ackQueueUrl: v.ACK_QUEUE_URL,
    smsCountries: v.SMS_COUNTRIES,
    connectionTtlSeconds: v.CONNECTION_TTL_SECONDS,
    otpIpLimit: v.OTP_IP_LIMIT,
    logLevel: v.LOG_LEVEL,
  };
}
