import twilio from 'twilio';
import { sandboxHttpClient } from '../../infra/local/sandbox';
import { TwilioSmsProvider } from '../../shared/adapters/twilio-sms';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  call,
  eventually,
  inboxPath,
  PHONE,
  SERVICE_NUMBERS,
  startSandbox,
  withSandbox,
} from './support/harness';

const FROM = SERVICE_NUMBERS[0];

describe('REST Messages resource', () => {
  const ctx = withSandbox();

  const sdk = (sid = ACCOUNT_SID, token = AUTH_TOKEN) =>
    twilio(sid, token, { httpClient: sandboxHttpClient(ctx.net.url) });

  /** Posts to the Messages resource the way the SDK would, for cases the SDK refuses to send. */
  const postMessage = (form: Record<string, string>, auth = `${ACCOUNT_SID}:${AUTH_TOKEN}`) =>
    fetch(`${ctx.net.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
      headers: {
        Authorization: 'Basic ' + Buffer.from(auth).toString('base64'),
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(form).toString(),
    });

  it('sends a message through the real twilio SDK and returns it queued', async () => {
    const message = await sdk().messages.create({ to: PHONE, from: FROM, body: 'Hello from the app' });

    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message).toMatchObject({
      status: 'queued',
      to: PHONE,
      from: FROM,
      body: 'Hello from the app',
      numSegments: '1',
      accountSid: ACCOUNT_SID,
      direction: 'outbound-api',
      uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${message.sid}.json`,
    });
    expect(message.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(message.dateCreated.getTime())).toBe(false);
  });

  it('puts an SDK-sent message in the recipient phone inbox', async () => {
    const message = await sdk().messages.create({ to: PHONE, from: FROM, body: 'Your code is 123456' });

    const inbox = await call(ctx.net.url, 'GET', inboxPath(PHONE));

    expect(inbox.status).toBe(200);
    expect(inbox.body.messages).toEqual([
      { sid: message.sid, from: FROM, to: PHONE, body: 'Your code is 123456', sentAt: expect.any(String) },
    ]);
    expect(new Date(inbox.body.messages[0].sentAt).toISOString()).toBe(inbox.body.messages[0].sentAt);
  });

  it('fetches a message by SID through the SDK, status moved on to delivered', async () => {
    const created = await sdk().messages.create({ to: PHONE, from: FROM, body: 'fetch me' });
    await eventually(() =>
      ctx.net.events.some((e) => e.event === 'sandbox.message.status' && e.fields.status === 'delivered'),
    );

    const fetched = await sdk().messages(created.sid).fetch();

    expect(fetched).toMatchObject({ sid: created.sid, status: 'delivered', body: 'fetch me' });
    expect(fetched.dateSent).toBeInstanceOf(Date);
  });

  it('refuses a wrong auth token with 401 in Twilio error shape', async () => {
    const attempt = sdk(ACCOUNT_SID, 'wrong-token').messages.create({ to: PHONE, from: FROM, body: 'x' });

    await expect(attempt).rejects.toMatchObject({ status: 401, code: 20003 });
  });

  it('answers a request without credentials with the JSON body Twilio sends', async () => {
    const response = await fetch(`${ctx.net.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
      method: 'POST',
    });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      code: 20003,
      message: expect.any(String),
      more_info: 'https://www.twilio.com/docs/errors/20003',
      status: 401,
    });
  });

  it('answers 404 for another account SID, even with valid credentials', async () => {
    const otherSid = 'AC' + 'f'.repeat(32);
    const response = await fetch(`${ctx.net.url}/2010-04-01/Accounts/${otherSid}/Messages.json`, {
      headers: { Authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64') },
    });

    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ code: 20404, status: 404 });
  });

  it('answers 404 for an unknown message SID', async () => {
    const attempt = sdk()
      .messages('SM' + '0'.repeat(32))
      .fetch();

    await expect(attempt).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('rejects a To that is not E.164 with 400 code 21211 and stores nothing', async () => {
    const attempt = sdk().messages.create({ to: '415-555-0123', from: FROM, body: 'x' });

    await expect(attempt).rejects.toMatchObject({ status: 400, code: 21211 });
    expect((await call(ctx.net.url, 'GET', '/sandbox')).body.phones).toEqual([]);
  });

  it('rejects a From the account does not own with code 21606', async () => {
    const attempt = sdk().messages.create({ to: PHONE, from: '+15005550999', body: 'x' });

    await expect(attempt).rejects.toMatchObject({ status: 400, code: 21606 });
  });

  it.each([
    ['no To', 21604, { From: FROM, Body: 'x' }],
    ['no Body', 21602, { To: PHONE, From: FROM }],
    ['no From and no Messaging Service', 21603, { To: PHONE, Body: 'x' }],
    ['a body over 1600 characters', 21617, { To: PHONE, From: FROM, Body: 'x'.repeat(1601) }],
    // 1,000 code points but 2,000 UTF-16 units: Twilio counts the units.
    ['1,000 emoji (2,000 UTF-16 units)', 21617, { To: PHONE, From: FROM, Body: '😀'.repeat(1000) }],
    [
      'a StatusCallback that is not a URL',
      21609,
      { To: PHONE, From: FROM, Body: 'x', StatusCallback: 'nope' },
    ],
  ])('rejects %s with Twilio code %d', async (_name, code, form) => {
    const response = await postMessage(form as Record<string, string>);

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code, status: 400 });
  });

  it('picks a pool number when only a Messaging Service SID is given', async () => {
    const messagingServiceSid = 'MG' + 'a'.repeat(32);

    const message = await sdk().messages.create({ to: PHONE, messagingServiceSid, body: 'pooled' });

    expect(SERVICE_NUMBERS).toContain(message.from);
    expect(message.messagingServiceSid).toBe(messagingServiceSid);
  });

  it('posts signed status callbacks sent then delivered, over the callback URL with its query', async () => {
    const statusCallback = `${ctx.app.publicUrl}/twilio/sms/status?ref=abc`;
    const message = await sdk().messages.create({ to: PHONE, from: FROM, body: 'track me', statusCallback });

    const hooks = await ctx.app.waitFor('/twilio/sms/status', 2);

    expect(hooks.map((h) => h.params.MessageStatus)).toEqual(['sent', 'delivered']);
    expect(hooks.every((h) => h.signatureValid && h.url === '/twilio/sms/status?ref=abc')).toBe(true);
    expect(hooks[1].params).toEqual({
      MessageSid: message.sid,
      MessageStatus: 'delivered',
      AccountSid: ACCOUNT_SID,
      From: FROM,
      To: PHONE,
      SmsSid: message.sid,
      SmsStatus: 'delivered',
      ApiVersion: '2010-04-01',
    });
  });

  it('keeps each message callbacks in order when many messages are in flight', async () => {
    const statusCallback = `${ctx.app.publicUrl}/twilio/sms/status`;
    const client = sdk();
    const sids = await Promise.all(
      [1, 2, 3, 4, 5].map(
        async (n) =>
          (await client.messages.create({ to: PHONE, from: FROM, body: `m${n}`, statusCallback })).sid,
      ),
    );

    const hooks = await ctx.app.waitFor('/twilio/sms/status', 10);

    for (const sid of sids) {
      expect(hooks.filter((h) => h.params.MessageSid === sid).map((h) => h.params.MessageStatus)).toEqual([
        'sent',
        'delivered',
      ]);
    }
  });

  it('ends a message to the undeliverable range undelivered (30003), outside any inbox', async () => {
    const unreachable = '+14155550099';
    const statusCallback = `${ctx.app.publicUrl}/twilio/sms/status`;

    await sdk().messages.create({ to: unreachable, from: FROM, body: 'lost', statusCallback });
    const hooks = await ctx.app.waitFor('/twilio/sms/status', 2);

    expect(hooks.map((h) => h.params.MessageStatus)).toEqual(['sent', 'undelivered']);
    expect(hooks[1].params.ErrorCode).toBe('30003');
    expect((await call(ctx.net.url, 'GET', inboxPath(unreachable))).body.messages).toEqual([]);
  });

  it('makes a phone unreachable on request, and reachable again', async () => {
    const off = await call(ctx.net.url, 'PUT', `/sandbox/phones/${encodeURIComponent(PHONE)}`, {
      reachable: false,
    });
    await sdk().messages.create({ to: PHONE, from: FROM, body: 'while off' });
    await call(ctx.net.url, 'PUT', `/sandbox/phones/${encodeURIComponent(PHONE)}`, { reachable: true });
    await sdk().messages.create({ to: PHONE, from: FROM, body: 'back on' });

    const inbox = await call(ctx.net.url, 'GET', inboxPath(PHONE));

    expect(off.body).toEqual({ phone: PHONE, reachable: false });
    expect(inbox.body.messages.map((m: { body: string }) => m.body)).toEqual(['back on']);
  });

  it('lists messages newest first through the SDK, filtered by To', async () => {
    const client = sdk();
    await client.messages.create({ to: PHONE, from: FROM, body: 'first' });
    await client.messages.create({ to: PHONE, from: FROM, body: 'second' });
    await client.messages.create({ to: '+14155550124', from: FROM, body: 'elsewhere' });

    const listed = await client.messages.list({ to: PHONE });

    expect(listed.map((m) => m.body)).toEqual(['second', 'first']);
  });

  it('lists by To and From together, and by the DateSent filters the SDK sends (date, <, >)', async () => {
    const client = sdk();
    const other = SERVICE_NUMBERS[1];
    const statusCallback = `${ctx.app.publicUrl}/twilio/sms/status`;
    const a = await client.messages.create({ to: PHONE, from: FROM, body: 'a', statusCallback });
    await client.messages.create({ to: PHONE, from: other, body: 'from another number' });
    // date_sent is set once a message is sent (statusDelayMs 0 here: at once, after the create).
    await ctx.app.waitFor('/twilio/sms/status', 2);
    const sent = (await client.messages(a.sid).fetch()).dateSent!;
    const later = new Date(sent.getTime() + 2000);

    const bodies = async (filter: Parameters<ReturnType<typeof sdk>['messages']['list']>[0]) =>
      (await client.messages.list(filter)).map((m) => m.body);

    expect(await bodies({ to: PHONE, from: FROM })).toEqual(['a']);
    expect(await bodies({ to: PHONE, from: FROM, dateSentAfter: sent })).toEqual(['a']);
    expect(await bodies({ to: PHONE, from: FROM, dateSentAfter: later })).toEqual([]);
    expect(await bodies({ to: PHONE, from: FROM, dateSentBefore: later })).toEqual(['a']);
    expect(await bodies({ to: PHONE, from: FROM, dateSentBefore: new Date(sent.getTime() - 2000) })).toEqual(
      [],
    );
    expect(await bodies({ to: PHONE, from: FROM, dateSent: sent })).toEqual(['a']);
    // A day given as YYYY-MM-DD (the documented form): that GMT day, or on or after its midnight.
    const ymd = sent.toISOString().slice(0, 10);
    const listed = async (query: string) => {
      const res = await fetch(`${ctx.net.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json?${query}`, {
        headers: { Authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64') },
      });
      return {
        status: res.status,
        json: (await res.json()) as { messages?: Array<{ body: string }>; code?: number },
      };
    };
    const to = `To=${encodeURIComponent(PHONE)}&From=${encodeURIComponent(FROM)}`;
    expect((await listed(`${to}&DateSent=${ymd}`)).json.messages!.map((m) => m.body)).toEqual(['a']);
    expect((await listed(`${to}&DateSent>=${ymd}`)).json.messages!.map((m) => m.body)).toEqual(['a']);
    expect((await listed(`${to}&DateSent<=${ymd}`)).json.messages).toEqual([]);
    expect(await listed(`${to}&DateSent=yesterday`)).toMatchObject({ status: 400, json: { code: 20001 } });
  });

  it("the app's Twilio adapter finds an SMS it sent by To, body and time, from any service number, queued or not", async () => {
    const slow = await startSandbox({ deliverTo: ctx.app.address, statusDelayMs: 60_000 });
    try {
      const app = new TwilioSmsProvider({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        baseUrl: slow.url,
      });
      const before = Date.now() - 5000;
      const sms = { from: FROM, to: PHONE, body: 'Ann @123: see you' };
      expect(await app.find(sms, before)).toBeNull();
      const { sid } = await app.send(sms);
      await app.send({ ...sms, body: 'Ann @123: another' });
      expect(await app.find(sms, before)).toEqual({ sid });
      // A try of the same SMS from another service number (the thread's number can change between tries) is
      // the same SMS to the phone: found too, the newest first.
      const other = await app.send({ ...sms, from: SERVICE_NUMBERS[1] });
      expect(await app.find(sms, before)).toEqual({ sid: other.sid });
      expect(await app.find({ ...sms, body: 'Ann @123: see yo' }, before)).toBeNull();
      expect(await app.find({ ...sms, to: '+14155550124' }, before)).toBeNull();
      // Created before `since` (beyond the allowance for clock skew): another, earlier SMS.
      expect(await app.find(sms, Date.now() + 60_000)).toBeNull();
      const wrong = new TwilioSmsProvider({ accountSid: ACCOUNT_SID, authToken: 'wrong', baseUrl: slow.url });
      await expect(wrong.find(sms, before)).rejects.toMatchObject({ name: 'SmsSendError', retryable: true });
    } finally {
      await slow.close();
    }
  });

  it("pages a long list as Twilio does: the SDK's list(), next_page_uri with its filters and page token, and the app's lookup", async () => {
    const LONG = '+14155550177';
    const send = async (body: string) => {
      const res = await postMessage({ To: LONG, From: FROM, Body: body });
      expect(res.status).toBe(201);
      return ((await res.json()) as { sid: string }).sid;
    };
    const get = async (uri: string) => {
      const res = await fetch(new URL(uri, ctx.net.url), {
        headers: { Authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64') },
      });
      return (await res.json()) as { messages: Array<{ body: string }>; next_page_uri: string | null };
    };
    const sought = await send('Ann @123: the one');
    for (let i = 0; i < 150; i++) await send(`later ${i}`);
    const later = (n: number) => Array.from({ length: n }, (_, i) => `later ${n - 1 - i}`);

    // The SDK follows next_page_uri: every message once, newest first.
    const listed = await sdk().messages.list({ to: LONG, pageSize: 50 });
    expect(listed.map((m) => m.body)).toEqual([...later(150), 'Ann @123: the one']);

    // The next page keeps the filters, and its token keeps its place while a newer message arrives.
    const first = await get(
      `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json?To=${encodeURIComponent(LONG)}&PageSize=100`,
    );
    expect(first.messages).toHaveLength(100);
    expect(first.next_page_uri).toContain(`To=${encodeURIComponent(LONG)}`);
    await send('newest');
    const second = await get(first.next_page_uri!);
    expect(second.messages.map((m) => m.body)).toEqual([...later(50), 'Ann @123: the one']);
    expect(second.next_page_uri).toBeNull();

    // The app's lookup (a resume asks it before sending again) finds an SMS beyond the first page.
    const app = new TwilioSmsProvider({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      baseUrl: ctx.net.url,
    });
    const found = await app.find({ from: FROM, to: LONG, body: 'Ann @123: the one' }, Date.now() - 60_000);
    expect(found).toEqual({ sid: sought });
  });

  it('leaves a message not sent yet out of any DateSent filter, and in the list without one', async () => {
    const slow = await startSandbox({ deliverTo: ctx.app.address, statusDelayMs: 60_000 });
    try {
      const client = twilio(ACCOUNT_SID, AUTH_TOKEN, { httpClient: sandboxHttpClient(slow.url) });
      const queued = await client.messages.create({ to: PHONE, from: FROM, body: 'queued' });

      expect(queued.dateSent).toBeNull();
      expect((await client.messages.list({ to: PHONE, from: FROM })).map((m) => m.sid)).toEqual([queued.sid]);
      expect(await client.messages.list({ to: PHONE, dateSentAfter: new Date(Date.now() - 60_000) })).toEqual(
        [],
      );
    } finally {
      await slow.close();
    }
  });

  it('stops status callbacks on close without leaving timers behind', async () => {
    const slow = await startSandbox({ deliverTo: ctx.app.address, statusDelayMs: 60_000 });
    const client = twilio(ACCOUNT_SID, AUTH_TOKEN, { httpClient: sandboxHttpClient(slow.url) });
    await client.messages.create({
      to: PHONE,
      from: FROM,
      body: 'never sent',
      statusCallback: `${ctx.app.publicUrl}/s`,
    });
    const started = Date.now();

    await slow.close();

    expect(Date.now() - started).toBeLessThan(1000);
    expect(ctx.app.received('/s')).toEqual([]);
  });
});
