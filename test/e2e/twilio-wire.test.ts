import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TwilioSandbox } from '../../infra/local/sandbox';

/**
 * `npm run twilio:wire` end to end, as a child process against the Twilio sandbox's IncomingPhoneNumbers API:
 * a dry run shows the changes and makes none, --apply makes them, and a second run has nothing to change.
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
    // No VoiceStatusCallbackUrl output: the number's call status callback is left alone.
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

  it('sets the call status callback when the stack outputs VoiceStatusCallbackUrl: dry run, change, no change', async () => {
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
    const numbers = NUMBERS.join(',');
    await wireWith(withStatus, numbers, '--apply'); // whatever the other tests left, SMS and voice now point here
    // Reset the callback through the API, then wire again.
    for (const n of NUMBERS) {
      const { sid } = await numberOf(n);
      const res = await fetch(
        `${apiBase}/2010-04-01/Accounts/${ACCOUNT_SID}/IncomingPhoneNumbers/${sid}.json`,
        {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ StatusCallback: '' }).toString(),
        },
      );
      expect(res.status).toBe(200);
    }
    const dry = await wireWith(withStatus, numbers);
    for (const n of NUMBERS) {
      expect(dry.stdout).toContain(`${n} StatusCallback: (empty) → ${BASE}/twilio/voice/status`);
      expect((await numberOf(n)).status_callback).toBe('');
    }
    expect(dry.stdout).not.toContain('SmsUrl');

    const applied = await wireWith(withStatus, numbers, '--apply');
    expect(applied.stdout).toContain('Changed 2 field(s).');
    for (const n of NUMBERS) {
      expect(await numberOf(n)).toMatchObject({
        status_callback: `${BASE}/twilio/voice/status`,
        status_callback_method: 'POST',
        sms_url: `${BASE}/twilio/sms`,
      });
    }
    const again = await wireWith(withStatus, numbers, '--apply');
    expect(again.stdout).toContain('nothing to change');
  }, 90_000);

  it('refuses a VoiceStatusCallbackUrl that is not an http(s) URL, changing nothing', async () => {
    const bad = path.join(dir, 'bad-status.json');
    writeFileSync(
      bad,
      JSON.stringify({
        Imsms: {
          SmsWebhookUrl: `${BASE}/twilio/sms`,
          VoiceWebhookUrl: `${BASE}/twilio/voice`,
          VoiceStatusCallbackUrl: 'ftp://example.test/status',
        },
      }),
    );
    const before = await numberOf(NUMBERS[0]);
    await expect(wireWith(bad, NUMBERS.join(','), '--apply')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('VoiceStatusCallbackUrl'),
    });
    expect(await numberOf(NUMBERS[0])).toEqual(before);
  }, 60_000);
});
