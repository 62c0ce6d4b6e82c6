import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, type Config } from '../config';
import type { Secrets } from '../core/ports';
import { traceAwsClient } from '../adapters/aws-clients';

/**
 * How long a secret read from Secrets Manager is used before it is read again, in seconds, unless
 * POWERTOOLS_PARAMETERS_MAX_AGE (Powertools Parameters' own variable, set by the stack) says otherwise.
 * A rotated value reaches every warm container within this time; each container reads each secret at most once
 * per period (one GetSecretValue call, about $0.05 per 10,000).
 */
export const DEFAULT_SECRETS_MAX_AGE_SECONDS = 60;

/** Reads one secret's string value by ARN, from a cache that expires (Powertools Parameters' SecretsProvider). */
export interface SecretReader {
  get(arn: string): Promise<string | undefined>;
}

/** The secrets the handlers read, plus `refresh()`, which re-reads whatever has expired. */
export interface LiveSecrets extends Secrets {
  /** True when the values come from Secrets Manager (and may change); false locally, where they never do. */
  readonly rotates: boolean;
  /**
   * Re-reads the secrets whose cached value is older than the max age (a no-op in between, and always locally).
   * On a failure the values read before stay in use and the error is thrown for the caller to log.
   */
  refresh(): Promise<void>;
}

/** The max age in seconds: POWERTOOLS_PARAMETERS_MAX_AGE when it is a non-negative number, else the default. */
export function secretsMaxAgeSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.POWERTOOLS_PARAMETERS_MAX_AGE;
  const n = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_SECRETS_MAX_AGE_SECONDS;
}

/**
 * A SecretReader over a Powertools SecretsProvider: a value is served from the provider's in-memory cache until
 * `maxAgeSeconds` after it was read, then read again from Secrets Manager. Tests pass a provider whose client
 * points at a local fake.
 */
export function secretsProviderReader(provider: SecretsProvider, maxAgeSeconds: number): SecretReader {
  return {
    get: async (arn) => {
      const value = await provider.get(arn, { maxAge: maxAgeSeconds });
      return typeof value === 'string' ? value : undefined;
    },
  };
}

/** The reader the runtime uses on AWS: Secrets Manager in the config's region, its calls traced. */
function defaultReader(config: Config): SecretReader {
  const client = traceAwsClient(new SecretsManagerClient({ region: config.region }));
  return secretsProviderReader(new SecretsProvider({ awsSdkV3Client: client }), secretsMaxAgeSeconds());
}

/**
 * Loads the secrets and keeps them fresh. On AWS they live in Secrets Manager (never in the template or plain
 * environment): JWT_SECRET_ARN holds the signing secret, TWILIO_SECRET_ARN a JSON {"accountSid","authToken"}
 * (plus "previousAuthToken" while a rotation is under way: see docs/deploy.md);
 * they are read through an expiring cache, and the runtime calls `refresh()` at the start of every invocation,
 * so a value put into the secret (a rotated Twilio token) is used within the max age, without a redeploy.
 * Locally they come from JWT_SECRET and TWILIO_AUTH_TOKEN and never change.
 * @throws ConfigError when a secret is missing, not a string, or (Twilio) not that JSON; or a JWT secret under
 *   32 characters. Errors of the first read are thrown; later ones keep the values already read (see refresh).
 */
export async function loadSecrets(config: Config, reader?: SecretReader): Promise<LiveSecrets> {
  const remote = Boolean(config.jwtSecretArn || config.twilioSecretArn);
  const source = remote ? (reader ?? defaultReader(config)) : undefined;
  let jwtSecret = config.jwtSecret;
  let twilioAccountSid = config.twilioAccountSid;
  let twilioAuthToken = config.twilioAuthToken;
  let twilioPreviousAuthToken: string | undefined;

  const read = async (arn: string) => {
    const value = await source!.get(arn);
    if (!value) throw new ConfigError(`Secret ${arn} has no string value`);
    return value;
  };
  const refresh = async () => {
    if (!source) return;
    // Read and check everything first, then swap: a bad new value never replaces a good one halfway.
    const jwt = config.jwtSecretArn ? await read(config.jwtSecretArn) : jwtSecret;
    if (jwt !== undefined && jwt.length < 32) {
      throw new ConfigError('Invalid JWT_SECRET: must be at least 32 characters');
    }
    let sid = twilioAccountSid;
    let token = twilioAuthToken;
    let previous = twilioPreviousAuthToken;
    if (config.twilioSecretArn) {
      const parsed = parseTwilioSecret(await read(config.twilioSecretArn));
      sid = parsed.accountSid ?? config.twilioAccountSid;
      token = parsed.authToken ?? config.twilioAuthToken;
      previous = parsed.previousAuthToken || undefined;
    }
    jwtSecret = jwt;
    twilioAccountSid = sid;
    twilioAuthToken = token;
    twilioPreviousAuthToken = previous;
  };
  if (!remote && jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('Invalid JWT_SECRET: must be at least 32 characters');
  }
  await refresh();

  return {
    // Only the functions that sign or verify tokens are given the secret; the others never read it.
    get jwtSecret(): string {
      if (!jwtSecret)
        throw new ConfigError('Invalid JWT_SECRET: set JWT_SECRET (32+ characters) or JWT_SECRET_ARN');
      return jwtSecret;
    },
    get twilioAccountSid(): string {
      return twilioAccountSid;
    },
    get twilioAuthToken(): string | undefined {
      return twilioAuthToken;
    },
    get twilioPreviousAuthToken(): string | undefined {
      return twilioPreviousAuthToken;
    },
    rotates: remote,
    refresh,
  };
}

/** The Twilio secret's JSON: {"accountSid","authToken","previousAuthToken"?}, each a string when present. */
function parseTwilioSecret(text: string): {
  accountSid?: string;
  authToken?: string;
  previousAuthToken?: string;
} {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const { accountSid, authToken, previousAuthToken } = parsed as Record<string, unknown>;
      const optionalString = (v: unknown): v is string | undefined =>
        v === undefined || typeof v === 'string';
      if (optionalString(accountSid) && optionalString(authToken) && optionalString(previousAuthToken)) {
        return { accountSid, authToken, previousAuthToken };
      }
    }
  } catch {
    // falls through to the error below
  }
  throw new ConfigError(
    'Invalid TWILIO_SECRET_ARN: the secret must be JSON {"accountSid","authToken"} (and "previousAuthToken" during a rotation)',
  );
}
