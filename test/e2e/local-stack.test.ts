import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { messageIdFor } from '../../shared/core/ids';
import { eventually, http, ImClient, inbox, signUp, type E2eUser } from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

const ACK_TIMEOUT_MS = 1500;
const e2e = useLocalStack('e2e', { env: { ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS) } });

let n = 400;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;
const connect = (user: E2eUser) => e2e.connect(user);
/** A simulated phone texts a service number through the sandbox, which calls the signed webhook. */
const phoneTexts = (from: string, body: string, to?: string, messageSid?: string) =>
  http(e2e.base, 'POST', '/sandbox/sms', {
    from,
    to: to ?? e2e.stack.config.serviceNumbers[0],
    body,
    ...(messageSid ? { messageSid } : {}),
  });
const chat = async (phone: string) =>
  (await inbox(e2e.base, phone)).filter((m) => !m.body.startsWith('Your IM code'));

describe('the local runtime', () => {
  it('answers /healthz and serves the console', async () => {
    expect((await http(e2e.base, 'GET', '/healthz')).json).toEqual({ ok: true });
    const page = await http(e2e.base, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html');
  });

  it('answers every HTTP error in the documented shape: unknown path 404, wrong method 405 with Allow', async () => {
    const unknown = await fetch(`${e2e.base}/no/such/path`);
    const wrongMethod = await fetch(`${e2e.base}/auth/start`);
    const badJson = await fetch(`${e2e.base}/auth/start`, { method: 'POST', body: 'not json' });

    const shape = { error: { code: expect.any(String), message: expect.any(String) } };
    expect([unknown.status, await unknown.json()]).toEqual([404, shape]);
    expect([wrongMethod.status, wrongMethod.headers.get('allow'), await wrongMethod.json()]).toEqual([
      405,
      'POST',
      { error: { code: 'method_not_allowed', message: '/auth/start takes POST' } },
    ]);
    expect([badJson.status, await badJson.json()]).toEqual([
      400,
      { error: { code: 'bad_json', message: expect.any(String) } },
    ]);
  });

  it.each([
    ['GET', '/console/nope.js', 404, null],
    ['GET', '/console/', 404, null],
    ['POST', '/', 405, 'GET, HEAD'],
    ['DELETE', '/console/app.js', 405, 'GET, HEAD'],
    ['POST', '/console/rules.js', 405, 'GET, HEAD'],
    ['POST', '/healthz', 405, 'GET, HEAD'],
  ])(
    '%s %s: %i in the same shape, from the console and health paths too',
    async (method, path, status, allow) => {
      const res = await fetch(`${e2e.base}${path}`, { method });
      expect([res.status, res.headers.get('allow'), res.headers.get('content-type')]).toEqual([
        status,
        allow,
        expect.stringMatching(/^application\/json/),
      ]);
      expect(await res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    },
  );

  it('refuses a WebSocket without a valid token with 401', async () => {
    await expect(ImClient.connect(e2e.base, undefined)).rejects.toThrow('HTTP 401');
    await expect(ImClient.connect(e2e.base, 'forged.token.value')).rejects.toThrow('HTTP 401');
  });
});

describe('the four paths over real sockets and the sandbox', () => {
  it('IM → IM: delivered, acked, receipts accepted then delivered', async () => {
    const [alice, bob] = [
      await signUp(e2e.base, newPhone(), 'amy'),
      await signUp(e2e.base, newPhone(), 'ben'),
    ];
    const [a, b] = [await connect(alice), await connect(bob)];
    a.send({ action: 'sendMessage', to: bob.imNumber, text: 'hello over IM', clientId: 'p1' });
    const msg = await b.waitFor((f) => f.type === 'message');
    expect(msg).toMatchObject({ from: alice.imNumber, fromName: 'amy', text: 'hello over IM', via: 'im' });
    await a.waitFor((f) => f.type === 'receipt' && f.status === 'delivered');
    expect(a.of('receipt').map((r) => r.status)).toEqual(['accepted', 'delivered']);
  });

  it('IM → SMS: an offline recipient gets an SMS; the status callback brings delivered_sms', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone(), 'bo')];
    const a = await connect(alice);
    a.send({ action: 'sendMessage', to: bob.imNumber, text: 'you are offline', clientId: 'p2' });
    const [sms] = await eventually(async () =>
      (await chat(bob.phone)).length ? chat(bob.phone) : undefined,
    );
    expect(sms.body).toBe(`@${alice.imNumber}: you are offline`);
    await a.waitFor((f) => f.type === 'receipt' && f.status === 'delivered_sms');
    expect(a.of('receipt').map((r) => r.status)).toEqual(['accepted', 'sent_sms', 'delivered_sms']);
  });

  it('SMS → IM: a phone texts @imNumber and the online user gets it with via sms', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone(), 'cat'), await signUp(e2e.base, newPhone())];
    const b = await connect(bob);
    const res = await phoneTexts(alice.phone, `@${bob.imNumber} from my phone`);
    expect(res.json.webhookStatus).toBe(200);
    const msg = await b.waitFor((f) => f.type === 'message');
    expect(msg).toMatchObject({ from: alice.imNumber, fromName: 'cat', text: 'from my phone', via: 'sms' });
  });

  it('SMS → SMS: both offline, the message and the reply without prefix go by SMS', async () => {
    const [alice, bob] = [
      await signUp(e2e.base, newPhone(), 'dee'),
      await signUp(e2e.base, newPhone(), 'eve'),
    ];
    await phoneTexts(alice.phone, `@eve lunch?`);
    const [toBob] = await eventually(async () =>
      (await chat(bob.phone)).length ? chat(bob.phone) : undefined,
    );
    expect(toBob.body).toBe(`dee @${alice.imNumber}: lunch?`);
    await phoneTexts(bob.phone, 'sure, 1pm', toBob.from);
    const [toAlice] = await eventually(async () =>
      (await chat(alice.phone)).length ? chat(alice.phone) : undefined,
    );
    expect(toAlice.body).toBe(`eve @${bob.imNumber}: sure, 1pm`);
  });

  it('falls back to SMS when the socket stops acking, and the late ack changes nothing', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const [a, b] = [await connect(alice), await connect(bob)];
    b.autoAck = false;
    a.send({ action: 'sendMessage', to: bob.imNumber, text: 'half-open?', clientId: 'p5' });
    const pushed = await b.waitFor((f) => f.type === 'message');
    await a.waitFor((f) => f.type === 'receipt' && f.status === 'sent_sms', ACK_TIMEOUT_MS + 10_000);
    expect((await chat(bob.phone)).map((m) => m.body)).toEqual([`@${alice.imNumber}: half-open?`]);
    b.send({ action: 'ack', id: pushed.id });
    await a.waitFor((f) => f.type === 'receipt' && f.status === 'delivered_sms');
    expect(a.of('receipt').map((r) => r.status)).toEqual(['accepted', 'sent_sms', 'delivered_sms']);
  });
});

describe('sending to yourself', () => {
  it('is refused with invalid_recipient: nothing stored, pushed to your other devices, or texted', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone(), 'solo'), await signUp(e2e.base, newPhone())];
    const [a1, a2] = [await connect(alice), await connect(alice)];
    a1.send({ action: 'sendMessage', to: alice.imNumber, text: 'note to self', clientId: 'self-1' });
    const error = await a1.waitFor((f) => f.type === 'error');
    expect(error).toEqual({
      type: 'error',
      code: 'invalid_recipient',
      message: 'to must be another user; you cannot message yourself',
      clientId: 'self-1',
    });
    expect(await e2e.storedMessage(messageIdFor('im', alice.imNumber, 'self-1'))).toBeNull();
    // A message from bob, sent after, is the first and only one alice's other device gets.
    const b = await connect(bob);
    b.send({ action: 'sendMessage', to: alice.imNumber, text: 'from bob', clientId: 'self-2' });
    await a2.waitFor((f) => f.type === 'message');
    expect(a2.of('message').map((m) => m.text)).toEqual(['from bob']);
    expect(a1.of('receipt')).toEqual([]);
    expect(await chat(alice.phone)).toEqual([]);
  });
});

describe('webhook safety', () => {
  it('drops a duplicate webhook (same MessageSid)', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const b = await connect(bob);
    const sid = 'SM' + 'd'.repeat(32);
    await phoneTexts(alice.phone, `@${bob.imNumber} only once`, undefined, sid);
    await phoneTexts(alice.phone, `@${bob.imNumber} only once`, undefined, sid);
    await b.waitFor((f) => f.type === 'message');
    await new Promise((r) => setTimeout(r, 300));
    expect(b.of('message')).toHaveLength(1);
  });

  it('refuses a forged signature with 403 and delivers nothing', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const b = await connect(bob);
    const params = {
      MessageSid: 'SM' + 'f'.repeat(32),
      From: alice.phone,
      To: e2e.stack.config.serviceNumbers[0],
      Body: `@${bob.imNumber} forged`,
    };
    const forged = getExpectedTwilioSignature(
      'not-the-auth-token',
      `${e2e.stack.config.publicUrl}/twilio/sms`,
      params,
    );
    const res = await fetch(`${e2e.base}/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': forged },
      body: new URLSearchParams(params).toString(),
    });
    expect(res.status).toBe(403);
    await new Promise((r) => setTimeout(r, 300));
    expect(b.of('message')).toHaveLength(0);
  });
});

describe('persistence', () => {
  it('keeps accounts, tokens and history across a restart with the same DATA_DIR', async () => {
    const [alice, bob] = [
      await signUp(e2e.base, newPhone(), 'fay'),
      await signUp(e2e.base, newPhone(), 'gus'),
    ];
    const [a, b] = [await connect(alice), await connect(bob)];
    a.send({ action: 'sendMessage', to: bob.imNumber, text: 'before restart', clientId: 'r1' });
    const before = await b.waitFor((f) => f.type === 'message');
    await a.waitFor((f) => f.type === 'receipt' && f.status === 'delivered');
    await Promise.all([a.close(), b.close()]);

    await e2e.restart();

    const [a2, b2] = [await connect(alice), await connect(bob)];
    a2.send({ action: 'sendMessage', to: bob.imNumber, text: 'before restart', clientId: 'r1' });
    const receipt = await a2.waitFor((f) => f.type === 'receipt');
    expect(receipt).toMatchObject({ id: before.id, status: 'delivered' });
    b2.send({ action: 'sendMessage', to: 'not-a-number', text: 'x', clientId: 'r2' });
    await b2.waitFor((f) => f.type === 'error');
    const login = await signUp(e2e.base, alice.phone);
    expect(login).toMatchObject({ imNumber: alice.imNumber, name: 'fay' });
  });
});
