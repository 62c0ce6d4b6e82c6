import { REPLIES } from '../../shared/core/im-sms/receive';
import { MAX_SMS_CHARS } from '../../shared/core/conversion/sms-encoding';
import { eventually, http, inbox, signUp, type E2eUser } from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * Issue 14, SMS side, through the whole local stack: real HTTP, real WebSockets, the sandbox's simulated phones
 * and its signed webhooks, and the sandbox's Twilio REST API, which refuses what Twilio refuses.
 */
const e2e = useLocalStack('e2e-sms');

let n = 600;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;
const connect = (user: E2eUser) => e2e.connect(user);
/** A simulated phone texts a service number; the sandbox calls the signed webhook and returns the replies. */
const phoneTexts = async (from: string, body: string, to?: string) => {
  const res = await http(e2e.base, 'POST', '/sandbox/sms', {
    from,
    to: to ?? e2e.stack.config.serviceNumbers[0],
    body,
  });
  expect(res.status).toBeLessThan(300);
  return res.json as {
    webhookStatus: number;
    replies: Array<{ body: string }>;
  };
};
const bodies = async (phone: string) => (await inbox(e2e.base, phone)).map((m) => m.body);

describe('the opt-out gate (item 1)', () => {
  it('after STOP nothing reaches the phone (help, auto-replies, codes, messages) until START', async () => {
    const alice = await signUp(e2e.base, newPhone(), 'gatea');
    const bob = await signUp(e2e.base, newPhone(), 'gateb');
    const stop = await phoneTexts(bob.phone, 'STOP');
    // The app confirms, but Twilio's own opt-out refuses any text from the number that got the STOP (21610); with
    // Twilio, its automatic reply confirms instead (docs/deploy.md).
    expect(stop.replies).toEqual([]);
    expect(stop.webhookStatus).toBe(200);
    const before = (await bodies(bob.phone)).length;

    for (const body of ['HELP', 'info', '@99999999 hello?', '@nobody_here hi', 'no prefix'])
      expect((await phoneTexts(bob.phone, body)).replies).toEqual([]);
    const code = await http(e2e.base, 'POST', '/auth/start', {
      phone: bob.phone,
    });
    expect(code.status).toBe(403);
    const a = await connect(alice);
    a.send({
      action: 'sendMessage',
      to: bob.imNumber,
      text: 'are you there?',
      clientId: 'gate-1',
    });
    const failed = await a.waitFor((f) => f.type === 'receipt' && f.status === 'failed');
    expect(failed.reason).toBe('opted_out');
    expect(await bodies(bob.phone)).toHaveLength(before);

    const start = await phoneTexts(bob.phone, 'START');
    expect(start.replies.map((r) => r.body)).toEqual([REPLIES.start]);
    expect((await phoneTexts(bob.phone, 'HELP')).replies.map((r) => r.body)).toEqual([REPLIES.help]);
  });
});

describe('a text to yourself (the SMS side of sendMessage to yourself)', () => {
  it.each([
    ['@<own imNumber>', (u: E2eUser) => `@${u.imNumber} note to self`],
    ['@<own name>', (u: E2eUser) => `@${u.name} note to self`],
  ])('%s gets one reply, and nothing is stored, pushed or texted back', async (_label, body) => {
    const me = await signUp(e2e.base, newPhone(), `selfy${++n}`);
    const other = await connect(me);
    const before = await bodies(me.phone);
    const answer = await phoneTexts(me.phone, body(me));
    expect(answer.webhookStatus).toBe(200);
    expect(answer.replies.map((r) => r.body)).toEqual([REPLIES.self]);
    // The phone got only that reply, and no message frame reached the user's own socket.
    other.send({ action: 'ping' });
    await other.waitFor((f) => f.type === 'pong');
    expect(other.frames.some((f) => f.type === 'message')).toBe(false);
    expect(await bodies(me.phone)).toEqual([...before, REPLIES.self]);
  });
});

describe('phone input with invisible format characters (item 4)', () => {
  it('signs in with "\\u202d+1 415 555 0123\\u202c" as copied from a contact card', async () => {
    const start = await http(e2e.base, 'POST', '/auth/start', {
      phone: '\u202d+1 415 555 0123\u202c',
    });
    expect(start.status).toBe(202);
    const sms = await eventually(async () => (await inbox(e2e.base, '+14155550123'))[0]);
    const code = /\b(\d{6})\b/.exec(sms.body)![1];
    const verify = await http(e2e.base, 'POST', '/auth/verify', {
      phone: '\u2066+1\u200b415\u200e5550123\u2069',
      code,
    });
    expect(verify.status).toBe(200);
    expect(verify.json.user.phone).toBe('+14155550123');
  });
});

describe('SMS bodies within Twilio’s limit (item 5)', () => {
  it('the sandbox refuses a body over 1,600 UTF-16 units with 21617, as Twilio does', async () => {
    const account = e2e.stack.config.twilioAccountSid;
    // The stack puts its Twilio auth token in the environment, as Lambda's configuration would.
    const token = process.env.TWILIO_AUTH_TOKEN;
    expect(token).toBeTruthy();
    const to = newPhone();
    const res = await fetch(`${e2e.base}/2010-04-01/Accounts/${account}/Messages.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${account}:${token}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        To: to,
        From: e2e.stack.config.serviceNumbers[0],
        Body: '😀'.repeat(1000),
      }).toString(),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: number }).code).toBe(21617);
    expect(await inbox(e2e.base, to)).toEqual([]);
  });

  it('1,000 emoji to an offline user arrive, cut to 1,600 UTF-16 units, and the message is sent', async () => {
    const alice = await signUp(e2e.base, newPhone(), 'emojia');
    const bob = await signUp(e2e.base, newPhone(), 'emojib');
    const a = await connect(alice);
    a.send({
      action: 'sendMessage',
      to: bob.imNumber,
      text: '😀'.repeat(1000),
      clientId: 'emoji-1',
    });
    const receipt = await a.waitFor(
      (f) => f.type === 'receipt' && ['sent_sms', 'failed'].includes(f.status as string),
    );
    expect(receipt.status).toBe('sent_sms');
    const sms = await eventually(async () =>
      (await inbox(e2e.base, bob.phone)).find((m) => m.body.includes('😀')),
    );
    expect(sms.body.length).toBeLessThanOrEqual(MAX_SMS_CHARS);
    expect(sms.body.endsWith(' (truncated)')).toBe(true);
  });
});

describe('service numbers are not people (item 6)', () => {
  it('a service number cannot sign in: 403 service_number, and no code goes out', async () => {
    const second = e2e.stack.config.serviceNumbers[1];
    const res = await http(e2e.base, 'POST', '/auth/start', { phone: second });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('service_number');
    expect((await bodies(second)).filter((b) => b.startsWith('Your IM code'))).toEqual([]);
  });

  it('a text from a service number is not routed and gets an empty answer', async () => {
    const bob = await signUp(e2e.base, newPhone(), 'svcb');
    const b = await connect(bob);
    const [first, second] = e2e.stack.config.serviceNumbers;
    for (const body of [`@${bob.imNumber} loop?`, 'HELP', 'hello'])
      expect(await phoneTexts(second, body, first)).toMatchObject({
        webhookStatus: 200,
        replies: [],
      });
    // A message sent after reaches bob first: nothing from the service number came before it.
    const carol = await signUp(e2e.base, newPhone(), 'svcc');
    await phoneTexts(carol.phone, `@${bob.imNumber} after`);
    await b.waitFor((f) => f.type === 'message');
    expect(b.of('message').map((m) => m.text)).toEqual(['after']);
  });
});
