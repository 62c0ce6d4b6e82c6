/**
 * Secrets that rotate: the runtime reads them through Powertools Parameters' SecretsProvider with a max age, so a
 * value put into the secret is used once the cached copy expires, without a redeploy. A real SecretsManagerClient
 * talks to a local fake of Secrets Manager's GetSecretValue (JSON 1.1 protocol over HTTP); only Date is faked.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, loadConfig } from '../../shared/config';
import {
  DEFAULT_SECRETS_MAX_AGE_SECONDS,
  loadSecrets,
  secretsMaxAgeSeconds,
  secretsProviderReader,
} from '../../shared/runtime/secrets';
import { FakeSecretsManager } from '../support/fake-secrets-manager';

const JWT_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:JwtSecret-abc123';
const TWILIO_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:TwilioSecret-def456';
const SID = 'AC' + '0'.repeat(31) + '1';

const fake = new FakeSecretsManager();
let endpoint: string;
const T0 = Date.parse('2026-11-30T00:00:00Z');

beforeAll(async () => {
  endpoint = await fake.start();
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.calls.length = 0;
  fake.values.set(JWT_ARN, 'j'.repeat(40));
  fake.values.set(TWILIO_ARN, JSON.stringify({ accountSid: SID, authToken: 'token-one' }));
  // Only Date: the SDK's sockets and timers stay real.
  jest.useFakeTimers({
    now: T0,
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'requestAnimationFrame',
      'cancelAnimationFrame',
      'requestIdleCallback',
      'cancelIdleCallback',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
});
afterEach(() => jest.useRealTimers());

function reader(maxAgeSeconds = 60) {
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return secretsProviderReader(new SecretsProvider({ awsSdkV3Client: client }), maxAgeSeconds);
}

const config = () =>
  loadConfig({ AWS_REGION: 'us-east-1', JWT_SECRET_ARN: JWT_ARN, TWILIO_SECRET_ARN: TWILIO_ARN });

describe('secrets read through an expiring cache', () => {
  it('uses a rotated Twilio token once the cached copy is older than the max age, and not before', async () => {
    const secrets = await loadSecrets(config(), reader(60));
    expect(secrets.rotates).toBe(true);
    expect(secrets.twilioAuthToken).toBe('token-one');
    expect(secrets.twilioAccountSid).toBe(SID);
    expect(fake.calls).toEqual([`GetSecretValue ${JWT_ARN}`, `GetSecretValue ${TWILIO_ARN}`]);

    fake.values.set(TWILIO_ARN, JSON.stringify({ accountSid: SID, authToken: 'token-two' }));
    jest.setSystemTime(T0 + 59_000);
    await secrets.refresh();
    expect(secrets.twilioAuthToken).toBe('token-one');
    expect(fake.calls).toHaveLength(2); // served from the cache: no call to Secrets Manager

    jest.setSystemTime(T0 + 61_000);
    await secrets.refresh();
    expect(secrets.twilioAuthToken).toBe('token-two');
    expect(fake.calls).toEqual(
      [JWT_ARN, TWILIO_ARN, JWT_ARN, TWILIO_ARN].map((arn) => `GetSecretValue ${arn}`),
    );
  });

  it('carries previousAuthToken while a rotation is under way, and drops it when the secret no longer has it', async () => {
    const secrets = await loadSecrets(config(), reader(60));
    expect(secrets.twilioPreviousAuthToken).toBeUndefined();
    fake.values.set(
      TWILIO_ARN,
      JSON.stringify({ accountSid: SID, authToken: 'token-two', previousAuthToken: 'token-one' }),
    );
    jest.setSystemTime(T0 + 61_000);
    await secrets.refresh();
    expect([secrets.twilioAuthToken, secrets.twilioPreviousAuthToken]).toEqual(['token-two', 'token-one']);
    fake.values.set(TWILIO_ARN, JSON.stringify({ accountSid: SID, authToken: 'token-two' }));
    jest.setSystemTime(T0 + 122_000);
    await secrets.refresh();
    expect([secrets.twilioAuthToken, secrets.twilioPreviousAuthToken]).toEqual(['token-two', undefined]);
  });

  it('keeps the values it has when a rotated secret is unreadable, and says why', async () => {
    const secrets = await loadSecrets(config(), reader(60));
    fake.values.set(TWILIO_ARN, 'not json');
    jest.setSystemTime(T0 + 61_000);
    await expect(secrets.refresh()).rejects.toThrow(ConfigError);
    await expect(secrets.refresh()).rejects.toThrow(/TWILIO_SECRET_ARN/);
    expect(secrets.twilioAuthToken).toBe('token-one');
    expect(secrets.jwtSecret).toBe('j'.repeat(40));
  });

  it('refuses a short JWT secret at the first read, and keeps the old one when a rotation brings one', async () => {
    fake.values.set(JWT_ARN, 'short');
    await expect(loadSecrets(config(), reader(60))).rejects.toThrow(/at least 32 characters/);
    fake.values.set(JWT_ARN, 'k'.repeat(40));
    const secrets = await loadSecrets(config(), reader(60));
    fake.values.set(JWT_ARN, 'short');
    jest.setSystemTime(T0 + 61_000);
    await expect(secrets.refresh()).rejects.toThrow(/at least 32 characters/);
    expect(secrets.jwtSecret).toBe('k'.repeat(40));
  });

  it('a secret that is not JSON {"accountSid","authToken"} is a clear error at start', async () => {
    fake.values.set(TWILIO_ARN, JSON.stringify({ authToken: 42 }));
    await expect(loadSecrets(config(), reader())).rejects.toThrow(
      'Invalid TWILIO_SECRET_ARN: the secret must be JSON {"accountSid","authToken"}',
    );
  });

  it('locally (no ARNs) the values come from the environment and refresh reads nothing', async () => {
    const secrets = await loadSecrets(
      loadConfig({ JWT_SECRET: 'l'.repeat(40), TWILIO_AUTH_TOKEN: 'local-token' }),
      reader(),
    );
    await secrets.refresh();
    expect(secrets.twilioAuthToken).toBe('local-token');
    expect(secrets.rotates).toBe(false); // so the runtime does not even await refresh()
    expect(fake.calls).toEqual([]);
  });
});

describe('the max age', () => {
  it('is POWERTOOLS_PARAMETERS_MAX_AGE when set to a number, else the default', () => {
    expect(secretsMaxAgeSeconds({})).toBe(DEFAULT_SECRETS_MAX_AGE_SECONDS);
    expect(secretsMaxAgeSeconds({ POWERTOOLS_PARAMETERS_MAX_AGE: '300' })).toBe(300);
    expect(secretsMaxAgeSeconds({ POWERTOOLS_PARAMETERS_MAX_AGE: 'soon' })).toBe(
      DEFAULT_SECRETS_MAX_AGE_SECONDS,
    );
    expect(secretsMaxAgeSeconds({ POWERTOOLS_PARAMETERS_MAX_AGE: '-1' })).toBe(
      DEFAULT_SECRETS_MAX_AGE_SECONDS,
    );
  });
});
