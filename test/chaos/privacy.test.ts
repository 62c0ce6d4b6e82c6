import { eventually, http, type E2eUser } from '../support/e2e-client';
import {
  chatOf,
  connect,
  inboxOf,
  phoneTexts,
  postWebhook,
  signUp,
  startChaosStack,
  twilioForm,
  newSid,
  type ChaosStack,
} from './support/chaos-stack';
import { crashes, findLeaks, marker, Secrets } from './support/privacy';

/**
 * Privacy: a representative run of the whole local stack at LOG_LEVEL=debug (sign-up, the four paths, the
 * fallback, STOP and START, HELP and the other replies, bad input of every kind), then every line it logged
 * is searched for the phone numbers, OTP codes and message texts it was given. The other chaos suites run the
 * same search over their own logs (crash-restart.chaos.ts over the child process's stdout and stderr).
 */

let cs: ChaosStack;
beforeAll(async () => {
  cs = await startChaosStack({ env: { ACK_TIMEOUT_MS: '500' } });
});
afterAll(() => cs.stop());

describe('the scanner itself', () => {
  it('finds a phone (E.164, digits, national), a code, a text and a marker planted in log lines', () => {
    const secrets = new Secrets();
    secrets.phone('+14155550123');
    secrets.code('482913');
    const text = secrets.text(`meet me at 6 ${marker()}`);
    const lines = [
      '{"event":"x","to":"+14155550123"}',
      '{"event":"x","path":"/sandbox/phones/%2B14155550123/messages"}',
      '{"event":"x","n":"(415) 5550123"}',
      '{"event":"x","national":"4155550123"}',
      '{"event":"x","code":"482913"}',
      `{"event":"x","body":${JSON.stringify(text)}}`,
      `{"event":"x","part":"${text.slice(-14)}"}`,
      '{"event":"x","sms":"Your IM code is ######"}',
      '{"event":"clean","messageId":"mAbC-_xyz0123456789abcde","imNumber":"48291300","windowMs":600000}',
    ];

    const leaks = findLeaks(lines, secrets);

    expect([...new Set(leaks.map((l) => l.line))].sort()).toEqual([0, 1, 3, 4, 5, 6, 7]);
    expect(new Set(leaks.map((l) => l.kind))).toEqual(
      new Set(['phone', 'code', 'text', 'marker', 'sms-body']),
    );
  });
});

describe('a representative run', () => {
  let alice: E2eUser;
  let bob: E2eUser;
  let carol: E2eUser;
  const text = (t: string) => cs.secrets.text(`${t} ${marker()}`);

  it('signs up three users, with a wrong code, a taken name and a bad name on the way', async () => {
    alice = await signUp(cs.base, cs.phones, cs.secrets, '+14155551001', 'alice');
    const phone = cs.secrets.phone('+14155551002');
    await http(cs.base, 'POST', '/auth/start', { phone });
    const code = cs.secrets.code(/(\d{6})/.exec((await inboxOf(cs.phones, phone))[0].body)![1]);
    const wrong = await http(cs.base, 'POST', '/auth/verify', {
      phone,
      code: code === '000000' ? '111111' : '000000',
    });
    const taken = await http(cs.base, 'POST', '/auth/verify', { phone, code, name: 'alice' });
    const bad = await http(cs.base, 'POST', '/auth/verify', { phone, code, name: '<b>' });
    const verified = await http(cs.base, 'POST', '/auth/verify', { phone, code, name: 'bob' });
    bob = { token: verified.json.token, ...verified.json.user };
    carol = await signUp(cs.base, cs.phones, cs.secrets, '+8613800138001', 'carol');

    expect([wrong.status, taken.status, bad.status]).toEqual([401, 409, 400]);
    expect(bob.phone).toBe(phone);
  });

  it('refuses bad phones, bad JSON and countries off the list, without logging what was sent', async () => {
    cs.secrets.phone('+14155551003');
    cs.secrets.phone('+447700900123');
    const answers = [];
    for (const body of [{ phone: '4155551003' }, { phone: '+447700900123' }, '{"phone":', { phone: 42 }]) {
      answers.push((await http(cs.base, 'POST', '/auth/start', body)).status);
    }

    expect(answers).toEqual([400, 403, 400, 400]);
  });

  it('runs the four paths and the fallback', async () => {
    const [a, b] = [await connect(cs, alice), await connect(cs, bob)];
    a.send({ action: 'sendMessage', to: bob.imNumber, text: text('im to im'), clientId: 'p1' });
    await a.waitFor((f) => f.clientId === 'p1' && f.status === 'delivered', 60_000);
    a.send({ action: 'sendMessage', to: carol.imNumber, text: text('im to sms'), clientId: 'p2' });
    await a.waitFor((f) => f.clientId === 'p2' && f.status === 'delivered_sms', 60_000);
    await phoneTexts(cs, carol.phone, `@bob ${text('sms to im')}`);
    await b.waitFor((f) => f.type === 'message' && f.via === 'sms', 60_000);
    const toCarol = await phoneTexts(cs, alice.phone, `@carol ${text('sms to sms')}`);
    b.autoAck = false;
    a.send({ action: 'sendMessage', to: bob.imNumber, text: text('fallback'), clientId: 'p3' });
    await a.waitFor((f) => f.clientId === 'p3' && f.status === 'delivered_sms', 60_000);

    expect(toCarol.json.webhookStatus).toBe(200);
    // The text to carol goes on from its routing check, after the webhook answered.
    await eventually(
      async () => ((await chatOf(cs.phones, carol.phone)).length >= 2 ? true : undefined),
      60_000,
    );
    expect((await chatOf(cs.phones, carol.phone)).length).toBe(2);
  }, 180_000);

  it('answers STOP, START, HELP, unaddressed texts, unknown users, empty messages', async () => {
    const stranger = cs.secrets.phone('+14155551009');
    const replies = [];
    for (const [from, body] of [
      [carol.phone, 'STOP'],
      [carol.phone, 'start'],
      [bob.phone, 'help'],
      [stranger, text('who are you')],
      [alice.phone, `@nobody ${text('lost')}`],
      [bob.phone, '@alice'],
      [bob.phone, text('no prefix on a fresh number')],
    ]) {
      replies.push(
        (await phoneTexts(cs, from, body, { to: cs.stack.config.serviceNumbers[2] })).json.replies.length,
      );
    }

    // STOP's confirmation is refused by Twilio's own opt-out of that number (21610), as with Twilio.
    expect(replies).toEqual([0, 1, 1, 1, 1, 1, 0]);
  });

  it('fails a message to an opted-out phone, and refuses bad frames and forged webhooks', async () => {
    await phoneTexts(cs, carol.phone, 'STOP');
    const a = await connect(cs, alice);
    a.send({ action: 'sendMessage', to: carol.imNumber, text: text('opted out'), clientId: 'p4' });
    await a.waitFor((f) => f.clientId === 'p4' && f.status === 'failed');
    for (const raw of [
      '{"action":',
      '{"action":"sendMessage","to":"x","text":"' + text('bad to') + '","clientId":"e1"}',
    ]) {
      a.ws.send(raw);
    }
    await a.waitFor((f) => f.type === 'error' && f.clientId === 'e1');
    const forged = twilioForm(
      cs,
      '/twilio/sms',
      { MessageSid: newSid(), From: alice.phone, To: '+15005550100', Body: text('forged') },
      { authToken: 'not-the-token' },
    );

    expect((await postWebhook(cs, forged)).status).toBe(403);
    expect(a.of('error').map((e) => e.code)).toEqual(['bad_json', 'invalid_recipient']);
  });

  it('logged all of it without a phone number, a code or a message text', () => {
    const events = new Set(cs.logs.map((l) => JSON.parse(l).event));

    expect(cs.logs.length).toBeGreaterThan(100);
    for (const e of [
      'auth.code_sent',
      'auth.wrong_code',
      'message.sent_sms',
      'sms.keyword',
      'twilio.bad_signature',
    ]) {
      expect(events).toContain(e);
    }
    expect(cs.secrets.phones.size).toBeGreaterThanOrEqual(6);
    expect(cs.secrets.codes.size).toBeGreaterThanOrEqual(3);
    expect(findLeaks(cs.logs, cs.secrets)).toEqual([]);
    expect(crashes(cs.logs)).toEqual([]);
  });
});
