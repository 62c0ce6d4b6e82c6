import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, type Config } from '../config';
import type { Secrets } from '../core/ports';

/**
 * Loads the secrets once per container. On AWS they live in Secrets Manager (never in the template or plain
 * environment): JWT_SECRET_ARN holds the signing secret, TWILIO_SECRET_ARN a JSON {"accountSid","authToken"}.
 * Locally they come from JWT_SECRET and TWILIO_AUTH_TOKEN.
 */
export async function loadSecrets(config: Config): Promise<Secrets> {
  const client =
    config.jwtSecretArn || config.twilioSecretArn
      ? new SecretsManagerClient({ region: config.region })
      : undefined;
  const read = async (arn: string) => {
    const out = await client!.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!out.SecretString) throw new ConfigError(`Secret ${arn} has no string value`);
    return out.SecretString;
  };
  const jwtSecret = config.jwtSecretArn ? await read(config.jwtSecretArn) : config.jwtSecret;
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    throw new ConfigError('Invalid JWT_SECRET: must be at least 32 characters');
  }
  let twilioAccountSid = config.twilioAccountSid;
  let twilioAuthToken = config.twilioAuthToken;
  if (config.twilioSecretArn) {
    let parsed: { accountSid?: string; authToken?: string };
    try {
      parsed = JSON.parse(await read(config.twilioSecretArn));
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError('Invalid TWILIO_SECRET_ARN: the secret must be JSON {"accountSid","authToken"}');
    }
    twilioAccountSid = parsed.accountSid ?? twilioAccountSid;
    twilioAuthToken = parsed.authToken ?? twilioAuthToken;
  }
  return {
    // Only the functions that sign or verify tokens are given the secret; the others never read it.
    get jwtSecret(): string {
      if (!jwtSecret)
        throw new ConfigError('Invalid JWT_SECRET: set JWT_SECRET (32+ characters) or JWT_SECRET_ARN');
      return jwtSecret;
    },
    twilioAccountSid,
    twilioAuthToken,
  };
}
