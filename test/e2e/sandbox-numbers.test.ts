import { useLocalStack } from '../support/e2e-stack';
import { eventually, http } from '../support/e2e-client';

/**
 * The sandbox inside `npm start`: the IncomingPhoneNumbers webhook settings that `npm run twilio:wire` makes are
 * kept across a restart on the same DATA_DIR (`<DATA_DIR>/sandbox/numbers.json`), as the phones' inboxes and
 * calls are; and its log events are named `sandbox.…` once, not `sandbox.sandbox.…`.
 */

const events: string[] = [];
const e2e = useLocalStack('sandbox-numbers', {
  env: { LOG_LEVEL: 'debug' },
  onLog: (line) => events.push(String((JSON.parse(line) as { event?: unknown }).event)),
});

/** A REST call to the sandbox's Twilio API with the stack's own account credentials. */
async function rest(method: string, resource: string, form?: Record<string, string>) {
  const { config } = e2e.stack;
  const auth = Buffer.from(`${config.twilioAccountSid}:${config.twilioAuthToken}`).toString('base64');
  const res = await fetch(`${e2e.base}/2010-04-01/Accounts/${config.twilioAccountSid}/${resource}`, {
    method,
    headers: {
      authorization: `Basic ${auth}`,
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

it('a number’s wiring (SmsUrl, VoiceUrl) survives a restart of the local stack', async () => {
  const phone = e2e.stack.config.serviceNumbers[0];
  const listed = await rest('GET', `IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(phone)}`);
  const number = listed.json.incoming_phone_numbers[0];
  expect(number.sms_url).toBe('');
  const wired = await rest('POST', `IncomingPhoneNumbers/${number.sid}.json`, {
    SmsUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/twilio/sms',
    VoiceUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/twilio/voice',
    VoiceMethod: 'POST',
  });
  expect(wired.status).toBe(200);

  await e2e.restart();

  const after = await rest('GET', `IncomingPhoneNumbers.json?PhoneNumber=${encodeURIComponent(phone)}`);
  expect(after.json.incoming_phone_numbers).toEqual([
    expect.objectContaining({
      sid: number.sid,
      sms_url: 'https://abc.execute-api.eu-west-1.amazonaws.com/twilio/sms',
      voice_url: 'https://abc.execute-api.eu-west-1.amazonaws.com/twilio/voice',
      voice_method: 'POST',
    }),
  ]);
  // The other numbers stay unwired.
  const all = await rest('GET', 'IncomingPhoneNumbers.json');
  expect(all.json.incoming_phone_numbers.filter((n: { sms_url: string }) => n.sms_url !== '')).toHaveLength(
    1,
  );
}, 120_000);

it('names its log events sandbox.… once', async () => {
  const res = await http(e2e.base, 'POST', '/auth/start', { phone: '+14155550181' });
  expect(res.status).toBe(202);
  await eventually(() => (events.some((e) => e === 'sandbox.message.status') ? true : undefined));
  expect(events.filter((e) => e.startsWith('sandbox.')).length).toBeGreaterThan(0);
  expect(events.filter((e) => e.startsWith('sandbox.sandbox.'))).toEqual([]);
}, 60_000);
