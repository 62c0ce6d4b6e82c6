import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TwilioSandbox } from '../../infra/local/sandbox';
import { FLAGS, USAGE } from '../../scripts/twilio-wire';
import { FakeSecretsManager } from '../support/fake-secrets-manager';

/**
 * `npm run twilio:wire` end to end, as a child process against the Twilio sandbox's IncomingPhoneNumbers API:
 * a dry run shows the changes and makes none, --apply makes them, and a second run has nothing to change.
 * --put-secret and --rotate run against a local fake of Secrets Manager (AWS_ENDPOINT_URL_SECRETS_MANAGER).
 */
const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const ACCOUNT_SID = 'AC' + 'fedcba9876543210'.repeat(2);
const AUTH_TOKEN = 'wire-test-auth-token';
const NUMBERS = ['+15005550100', '+15005550101'];
const BASE = 'https://abc123.execute-api.eu-west-1.amazonaws.com';

let server: http.Server;
let sandbox: TwilioSandbox;
let apiBase: string;
let dir: string;
let outputsFile: string;

beforeAll(async () => {
  sandbox = new TwilioSandbox({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    serviceNumbers: NUMBERS,
    publicUrl: 'http://127.0.0.1:9',
    deliverTo: 'http://127.0.0.1:9',
  });
  server = http.createServer((req, res) => {
    void sandbox.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = mkdtempSync(path.join(os.tmpdir(), 'imsms-wire-'));
  outputsFile = path.join(dir, 'cdk-outputs.json');
  writeFileSync(
    outputsFile,
    JSON.stringify({
      Imsms: {
        SmsWebhookUrl: `${BASE}/twilio/sms`,
        VoiceWebhookUrl: `${BASE}/twilio/voice`,
        HttpApiUrl: BASE,
      },
    }),
  );
});

afterAll(async () => {
  await sandbox.close();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function wire(...extra: string[]) {
  return wireNumbers(NUMBERS.join(','), ...extra);
}

async function wireNumbers(numbers: string, ...extra: string[]) {
  return wireWith(outputsFile, numbers, ...extra);
}

async function wireWith(outputs: string, numbers: string, ...extra: string[]) {
  const args = ['--import', 'tsx', 'scripts/twilio-wire.ts', '--outputs', outputs, '--api-base', apiBase];
  args.push('--numbers', numbers, ...extra);
  const env = { ...process.env, TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN };
  return run(process.execPath, args, { cwd: ROOT, env });
}

/** Sets fields of a number straight through the sandbox's IncomingPhoneNumbers API, as the Twilio console would. */
async function updateNumber(phone: string, fields: Record<string, string>): Promise<void> {
  const { sid } = await numberOf(phone);
  const res = await fetch(`${apiBase}/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers/${sid}.json`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(fields).toString(),
  });
  expect(res.status).toBe(200);
}

async function numberOf(phone: string): Promise<Record<string, string>> {
  const res = await fetch(
    `${apiBase}/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(phone)}`,
    { headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}` } },
  );
  const body = (await res.json()) as { incoming_phone_numbers: Record<string, string>[] };
  expect(body.incoming_phone_numbers).toHaveLength(1);
  return body.incoming_phone_numbers[0];
}

describe('npm run twilio:wire against the sandbox', () => {
  it('dry run, then the change, then a run that changes nothing', async () => {
    const dry = await wire();
    for (const n of NUMBERS) {
      expect(dry.stdout).toContain(`${n} SmsUrl: (empty) → ${BASE}/twilio/sms`);
      expect(dry.stdout).toContain(`${n} VoiceUrl: (empty) → ${BASE}/twilio/voice`);
      expect((await numberOf(n)).sms_url).toBe('');
    }
    expect(dry.stdout).toContain('Dry run');
    // Only SMS and voice: the number's call status callback is not the stack's (scripts/twilio-wire.ts says why).
    expect(dry.stdout).not.toContain('StatusCallback');

    const applied = await wire('--apply');
    expect(applied.stdout).toContain('Changed 4 field(s).');
    for (const n of NUMBERS) {
      expect(await numberOf(n)).toMatchObject({
        phone_number: n,
        sms_url: `${BASE}/twilio/sms`,
        sms_method: 'POST',
        voice_url: `${BASE}/twilio/voice`,
        voice_method: 'POST',
      });
    }

    const again = await wire('--apply');
    expect(again.stdout).toContain('nothing to change');
    expect(again.stdout).not.toContain('→');
  }, 60_000);

  it('refuses a number the account does not have, and bad input, changing nothing', async () => {
    const before = await numberOf(NUMBERS[0]);
    await expect(
      run(
        process.execPath,
        ['--import', 'tsx', 'scripts/twilio-wire.ts', '--outputs', outputsFile, '--api-base', apiBase],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            TWILIO_ACCOUNT_SID: ACCOUNT_SID,
            TWILIO_AUTH_TOKEN: AUTH_TOKEN,
            SERVICE_NUMBERS: '+15005550199',
          },
        },
      ),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('not a number of this Twilio account'),
    });
    await expect(wireNumbers('not-a-phone', '--apply')).rejects.toMatchObject({ code: 2 });
    expect(await numberOf(NUMBERS[0])).toEqual(before);
  }, 60_000);

  it('an API base nothing listens on is named with its cause (it printed only "TypeError")', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise((r) => closed.close(r));
    const args = ['--outputs', outputsFile, '--api-base', `http://127.0.0.1:${port}`];
    await expect(
      run(process.execPath, ['--import', 'tsx', 'scripts/twilio-wire.ts', ...args], {
        cwd: ROOT,
        env: {
          ...process.env,
          TWILIO_ACCOUNT_SID: ACCOUNT_SID,
          TWILIO_AUTH_TOKEN: AUTH_TOKEN,
          SERVICE_NUMBERS: NUMBERS.join(','),
        },
      }),
    ).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('fetch failed (ECONNREFUSED)') });
  }, 60_000);

  it('leaves the number’s call StatusCallback as the operator set it (no route takes call status)', async () => {
    const operatorHook = 'https://ops.example.test/call-status';
    for (const n of NUMBERS) await updateNumber(n, { StatusCallback: operatorHook, SmsUrl: '' });
    const dry = await wire();
    expect(dry.stdout).not.toContain('StatusCallback');
    await wire('--apply');
    for (const n of NUMBERS)
      expect(await numberOf(n)).toMatchObject({
        status_callback: operatorHook,
        sms_url: `${BASE}/twilio/sms`,
      });
    // An outputs file that still names a VoiceStatusCallbackUrl (an older stack's) changes nothing more.
    const withStatus = path.join(dir, 'with-status.json');
    writeFileSync(
      withStatus,
      JSON.stringify({
        Imsms: {
          SmsWebhookUrl: `${BASE}/twilio/sms`,
          VoiceWebhookUrl: `${BASE}/twilio/voice`,
          VoiceStatusCallbackUrl: `${BASE}/twilio/voice/status`,
        },
      }),
    );
    const again = await wireWith(withStatus, NUMBERS.join(','), '--apply');
    expect(again.stdout).toContain('nothing to change');
    expect((await numberOf(NUMBERS[0])).status_callback).toBe(operatorHook);
  }, 90_000);
});

describe('npm run twilio:wire: its flags', () => {
  const bare = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/twilio-wire.ts', ...args], {
      cwd: ROOT,
      // No Twilio credentials: --help needs none, and a bad flag is refused before they are looked at.
      env: { ...process.env, TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '' },
    });

  it('--help (and -h) lists every flag, with the environment and exit codes, and exits 0', async () => {
    for (const flag of ['--help', '-h']) {
      const { stdout } = await bare(flag);
      expect(stdout).toBe(USAGE);
    }
    for (const name of Object.keys(FLAGS)) expect(USAGE).toMatch(new RegExp(`(^|\\s)--${name}\\b`, 'm'));
    for (const word of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'SERVICE_NUMBERS', 'Exit codes'])
      expect(USAGE).toContain(word);
  }, 60_000);

  it.each([
    ['an unknown flag (a typo of --apply)', ['--outputs', 'x.json', '--aply'], "Unknown option '--aply'"],
    ['a flag without its value', ['--outputs'], "Option '--outputs <value>' argument missing"],
    [
      'a stray argument (apply without its dashes)',
      ['--outputs', 'x.json', 'apply'],
      "Unexpected argument 'apply'",
    ],
    [
      'a value given to a switch',
      ['--outputs', 'x.json', '--apply=yes'],
      "Option '--apply' does not take an argument",
    ],
    ['both --outputs and --stack-json', ['--outputs', 'x.json', '--stack-json', 'y.json'], 'not both'],
  ])(
    'refuses %s: exit 2, a clear error naming it, pointing at --help',
    async (_what, args, message) => {
      const refused = await bare(...args).then(
        () => undefined,
        (err: { code: number; stdout: string; stderr: string }) => err,
      );
      expect(refused).toMatchObject({ code: 2, stdout: '' });
      expect(refused!.stderr).toContain(message);
      expect(refused!.stderr.trim()).toMatch(/^twilio:wire: .* \(see --help\)$/);
    },
    60_000,
  );

  it('a refused flag changes nothing on the numbers', async () => {
    const before = await Promise.all(NUMBERS.map(numberOf));
    await expect(wire('--apply', '--dry-run')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("Unknown option '--dry-run' (see --help)"),
    });
    expect(await Promise.all(NUMBERS.map(numberOf))).toEqual(before);
  }, 60_000);
});

describe('npm run twilio:wire --put-secret / --rotate against a fake Secrets Manager', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:TwilioSecret-AbCdEf';
  const NEW_TOKEN = 'wire-test-auth-token-secondary';
  const secretsManager = new FakeSecretsManager();
  let smEndpoint: string;
  let secretOutputs: string;
  // Twilio accepts the secondary token for REST calls before it is promoted; this sandbox stands for that.
  let secondary: TwilioSandbox;
  let secondaryServer: http.Server;
  let secondaryBase: string;

  beforeAll(async () => {
    smEndpoint = await secretsManager.start();
    secretsManager.values.set(
      ARN,
      JSON.stringify({ accountSid: 'AC_SET_ME', authToken: 'placeholder-0123' }),
    );
    secretOutputs = path.join(dir, 'with-secret.json');
    writeFileSync(
      secretOutputs,
      JSON.stringify({
        Imsms: {
          SmsWebhookUrl: `${BASE}/twilio/sms`,
          VoiceWebhookUrl: `${BASE}/twilio/voice`,
          TwilioSecretArn: ARN,
        },
      }),
    );
    secondary = new TwilioSandbox({
      accountSid: ACCOUNT_SID,
      authToken: NEW_TOKEN,
      serviceNumbers: NUMBERS,
      publicUrl: 'http://127.0.0.1:9',
      deliverTo: 'http://127.0.0.1:9',
    });
    secondaryServer = http.createServer((req, res) => {
      void secondary.handle(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => secondaryServer.listen(0, '127.0.0.1', resolve));
    secondaryBase = `http://127.0.0.1:${(secondaryServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await secretsManager.stop();
    await secondary.close();
    await new Promise((resolve) => secondaryServer.close(resolve));
  });

  async function wireSecret(token: string, base: string, ...extra: string[]) {
    const args = [
      '--import',
      'tsx',
      'scripts/twilio-wire.ts',
      '--outputs',
      secretOutputs,
      '--api-base',
      base,
    ];
    args.push('--numbers', NUMBERS.join(','), ...extra);
    const env = {
      ...process.env,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: token,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: smEndpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'eu-west-1',
    };
    const out = await run(process.execPath, args, { cwd: ROOT, env });
    // Never a token on the screen.
    for (const t of [AUTH_TOKEN, NEW_TOKEN, 'placeholder-0123'])
      expect(out.stdout + out.stderr).not.toContain(t);
    return out;
  }
  const secret = () => JSON.parse(secretsManager.values.get(ARN)!) as Record<string, string>;
  const puts = () => secretsManager.calls.filter((c) => c.startsWith('PutSecretValue')).length;

  it('shows the write first, writes with --apply, and a second run writes nothing', async () => {
    const dry = await wireSecret(AUTH_TOKEN, apiBase, '--put-secret');
    expect(dry.stdout).toContain(`Secret ${ARN}: would write the Twilio credentials (pass --apply).`);
    expect(secret().accountSid).toBe('AC_SET_ME');
    expect(puts()).toBe(0);

    const applied = await wireSecret(AUTH_TOKEN, apiBase, '--put-secret', '--apply');
    expect(applied.stdout).toContain(`Secret ${ARN}: wrote the Twilio credentials.`);
    expect(secret()).toEqual({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });

    const again = await wireSecret(AUTH_TOKEN, apiBase, '--put-secret', '--apply');
    expect(again.stdout).toContain('already holds these Twilio credentials');
    expect(puts()).toBe(1);
  }, 90_000);

  it('--rotate keeps the old token as previousAuthToken; after the promotion --put-secret drops it', async () => {
    const rotated = await wireSecret(NEW_TOKEN, secondaryBase, '--rotate', '--apply');
    expect(rotated.stdout).toContain('keeping the previous auth token');
    expect(secret()).toEqual({
      accountSid: ACCOUNT_SID,
      authToken: NEW_TOKEN,
      previousAuthToken: AUTH_TOKEN,
    });
    const again = await wireSecret(NEW_TOKEN, secondaryBase, '--rotate', '--apply');
    expect(again.stdout).toContain('nothing to write');

    const finished = await wireSecret(NEW_TOKEN, secondaryBase, '--put-secret', '--apply');
    expect(finished.stdout).toContain('wrote the Twilio credentials.');
    expect(secret()).toEqual({ accountSid: ACCOUNT_SID, authToken: NEW_TOKEN });
  }, 90_000);

  it('a Secrets Manager error is named (exit 1) and changes nothing', async () => {
    const missing = path.join(dir, 'missing-secret.json');
    writeFileSync(
      missing,
      JSON.stringify({
        Imsms: {
          SmsWebhookUrl: `${BASE}/twilio/sms`,
          VoiceWebhookUrl: `${BASE}/twilio/voice`,
          TwilioSecretArn: `${ARN}-gone`,
        },
      }),
    );
    const before = secretsManager.values.get(ARN);
    const args = ['--import', 'tsx', 'scripts/twilio-wire.ts', '--outputs', missing, '--api-base', apiBase];
    const env = {
      ...process.env,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: smEndpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'eu-west-1',
    };
    await expect(
      run(process.execPath, [...args, '--numbers', NUMBERS.join(','), '--put-secret', '--apply'], {
        cwd: ROOT,
        env,
      }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Secrets Manager: ResourceNotFoundException'),
    });
    expect(secretsManager.values.get(ARN)).toBe(before);
  }, 60_000);
});
