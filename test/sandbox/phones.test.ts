import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  call,
  FakeApp,
  inboxPath,
  OTHER_PHONE,
  PHONE,
  SERVICE_NUMBERS,
  startSandbox,
  withSandbox,
} from './support/harness';

const SERVICE = SERVICE_NUMBERS[0];

describe('simulated phones texting service numbers', () => {
  const ctx = withSandbox();

  it('posts Twilio inbound SMS webhook to /twilio/sms, form-encoded and correctly signed', async () => {
    const sent = await call(ctx.net.url, 'POST', '/sandbox/sms', {
      from: PHONE,
      to: SERVICE,
      body: '@1001 hi there',
    });

    const [hook] = ctx.app.received('/twilio/sms');
    expect(sent.status).toBe(201);
    expect(sent.body).toEqual({
      sid: expect.stringMatching(/^SM[0-9a-f]{32}$/),
      webhookStatus: 200,
      replies: [],
    });
    expect(hook.method).toBe('POST');
    expect(hook.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(hook.signatureValid).toBe(true);
    expect(hook.params).toEqual({
      ToCountry: 'US',
      ToState: '',
      SmsMessageSid: sent.body.sid,
      NumMedia: '0',
      ToCity: '',
      FromZip: '',
      SmsSid: sent.body.sid,
      FromState: '',
      SmsStatus: 'received',
      FromCity: '',
      Body: '@1001 hi there',
      FromCountry: 'US',
      To: SERVICE,
      ToZip: '',
      NumSegments: '1',
      MessageSid: sent.body.sid,
      AccountSid: ACCOUNT_SID,
      From: PHONE,
      ApiVersion: '2010-04-01',
    });
  });

  it('delivers each TwiML <Message> reply to the sender, from the number texted', async () => {
    ctx.app.on('/twilio/sms', {
      body: '<?xml version="1.0"?><Response><Message>Sent to Ann &amp; Bo</Message></Response>',
    });

    const sent = await call(ctx.net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'hello' });
    const inbox = await call(ctx.net.url, 'GET', inboxPath(PHONE));

    expect(inbox.body.messages).toEqual([
      {
        sid: sent.body.replies[0].sid,
        from: SERVICE,
        to: PHONE,
        body: 'Sent to Ann & Bo',
        sentAt: expect.any(String),
      },
    ]);
  });

  it('delivers a <Message to="…"> reply to that phone, keeping line breaks in the body', async () => {
    ctx.app.on('/twilio/sms', {
      body: `<Response><Message to="${OTHER_PHONE}"><Body>Ann: hi
second line</Body></Message><Message>ok</Message></Response>`,
    });

    const sent = await call(ctx.net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'hello' });
    const other = await call(ctx.net.url, 'GET', inboxPath(OTHER_PHONE));
    const own = await call(ctx.net.url, 'GET', inboxPath(PHONE));

    expect(sent.body.replies).toHaveLength(2);
    expect(other.body.messages.map((m: { body: string; from: string }) => [m.from, m.body])).toEqual([
      [SERVICE, 'Ann: hi\nsecond line'],
    ]);
    expect(own.body.messages.map((m: { body: string }) => m.body)).toEqual(['ok']);
  });

  it('sends a text/plain answer as the reply, as Twilio does', async () => {
    ctx.app.on('/twilio/sms', { contentType: 'text/plain', body: 'plain reply' });

    await call(ctx.net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'hello' });
    const inbox = await call(ctx.net.url, 'GET', inboxPath(PHONE));

    expect(inbox.body.messages.map((m: { body: string }) => m.body)).toEqual(['plain reply']);
  });

  it('reports the webhook status and sends no reply when the app fails', async () => {
    ctx.app.on('/twilio/sms', { status: 500, body: '<Response><Message>never</Message></Response>' });

    const sent = await call(ctx.net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'hello' });
    const inbox = await call(ctx.net.url, 'GET', inboxPath(PHONE));

    expect(sent.body).toMatchObject({ webhookStatus: 500, webhookError: { code: 11200 }, replies: [] });
    expect(inbox.body.messages).toEqual([]);
  });

  it('reports a TwiML parse failure as error 12100', async () => {
    ctx.app.on('/twilio/sms', { body: '<Response><Message>unclosed</Response>' });

    const sent = await call(ctx.net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'hello' });

    expect(sent.body).toMatchObject({ webhookStatus: 200, webhookError: { code: 12100 }, replies: [] });
  });

  it('answers webhookStatus null when the app cannot be reached', async () => {
    const offline = await startSandbox({ deliverTo: 'http://127.0.0.1:9' });

    const sent = await call(offline.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'hello' });
    await offline.close();

    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ webhookStatus: null, webhookError: { code: 11200 } });
  });

  it('replays a given MessageSid, so the app can be tested against duplicate deliveries', async () => {
    const messageSid = 'SM' + 'd'.repeat(32);

    await call(ctx.net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'once', messageSid });
    const second = await call(ctx.net.url, 'POST', '/sandbox/sms', {
      from: PHONE,
      to: SERVICE,
      body: 'once',
      messageSid,
    });

    expect(second.body.sid).toBe(messageSid);
    expect(ctx.app.received('/twilio/sms').map((h) => h.params.MessageSid)).toEqual([messageSid, messageSid]);
  });

  it.each([
    ['bad JSON', '{"from":', 'bad_json'],
    ['a JSON array', '[]', 'bad_json'],
    ['a from that is not E.164', { from: '4155550123', to: SERVICE, body: 'x' }, 'invalid_request'],
    ['a to that is not a service number', { from: PHONE, to: OTHER_PHONE, body: 'x' }, 'invalid_request'],
    ['an empty body', { from: PHONE, to: SERVICE, body: '' }, 'invalid_request'],
    ['a body over 1600 characters', { from: PHONE, to: SERVICE, body: 'x'.repeat(1601) }, 'invalid_request'],
    ['a body that is not a string', { from: PHONE, to: SERVICE, body: 42 }, 'invalid_request'],
    ['a malformed messageSid', { from: PHONE, to: SERVICE, body: 'x', messageSid: 'SM1' }, 'invalid_request'],
    ['an empty media list', { from: PHONE, to: SERVICE, body: 'x', media: [] }, 'invalid_request'],
    [
      'eleven media',
      { from: PHONE, to: SERVICE, body: '', media: Array(11).fill('image/jpeg') },
      'invalid_request',
    ],
    [
      'a media item that is no content type',
      { from: PHONE, to: SERVICE, body: '', media: ['jpeg'] },
      'invalid_request',
    ],
  ])('rejects %s with 400, calling no webhook and storing nothing', async (_name, body, code) => {
    const response = await call(ctx.net.url, 'POST', '/sandbox/sms', body);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: { code, message: expect.any(String) } });
    expect(ctx.app.hooks).toEqual([]);
    expect((await call(ctx.net.url, 'GET', '/sandbox')).body.phones).toEqual([]);
  });

  it('sends an MMS as Twilio posts one: an MM sid, NumMedia, and a MediaUrl and content type per item', async () => {
    const sent = await call(ctx.net.url, 'POST', '/sandbox/sms', {
      from: PHONE,
      to: SERVICE,
      body: '',
      media: ['image/jpeg', 'video/mp4'],
    });

    expect(sent.status).toBe(201);
    expect(sent.body.sid).toMatch(/^MM[0-9a-f]{32}$/);
    const [hook] = ctx.app.received('/twilio/sms');
    expect(hook.signatureValid).toBe(true);
    const mediaUrl = `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sent.body.sid}/Media/`;
    expect(hook.params).toMatchObject({
      MessageSid: sent.body.sid,
      Body: '',
      NumMedia: '2',
      MediaContentType0: 'image/jpeg',
      MediaUrl0: expect.stringMatching(new RegExp(`^${mediaUrl}ME[0-9a-f]{32}$`)),
      MediaContentType1: 'video/mp4',
      MediaUrl1: expect.stringMatching(new RegExp(`^${mediaUrl}ME[0-9a-f]{32}$`)),
    });
    expect(hook.params.MediaUrl2).toBeUndefined();
  });

  it('names the offending field in a validation error', async () => {
    const response = await call(ctx.net.url, 'POST', '/sandbox/sms', {
      from: PHONE,
      to: OTHER_PHONE,
      body: 'x',
    });

    expect(response.body.error.message).toMatch(/^to must /);
    // The README's example is the message the sandbox actually gives, word for word.
    const readme = readFileSync(path.resolve(__dirname, '../../infra/local/sandbox/README.md'), 'utf8');
    const example = /field, e\.g\. `"([^"]+)"`/.exec(readme)?.[1];
    expect(response.body.error.message).toBe(example);
  });

  it('keeps what a phone texted in the service number inbox', async () => {
    await call(ctx.net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'to the service' });

    const inbox = await call(ctx.net.url, 'GET', inboxPath(SERVICE));

    expect(inbox.body.messages.map((m: { from: string; body: string }) => [m.from, m.body])).toEqual([
      [PHONE, 'to the service'],
    ]);
  });

  it('lists only messages after ?since=<sid>, oldest first', async () => {
    ctx.app.on('/twilio/sms', (hook) => ({
      body: `<Response><Message>re: ${hook.params.Body}</Message></Response>`,
    }));
    const first = await call(ctx.net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'a' });
    await call(ctx.net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'b' });
    await call(ctx.net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'c' });

    const since = await call(ctx.net.url, 'GET', `${inboxPath(PHONE)}?since=${first.body.replies[0].sid}`);

    expect(since.body.messages.map((m: { body: string }) => m.body)).toEqual(['re: b', 're: c']);
  });

  it('rejects a ?since that is neither a SID in the inbox nor a time', async () => {
    const response = await call(ctx.net.url, 'GET', `${inboxPath(PHONE)}?since=SM${'0'.repeat(32)}`);

    expect(response).toEqual({
      status: 400,
      body: { error: { code: 'invalid_since', message: expect.any(String) } },
    });
  });

  it('clears an inbox on DELETE', async () => {
    ctx.app.on('/twilio/sms', { body: '<Response><Message>hi</Message></Response>' });
    await call(ctx.net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'hello' });

    const cleared = await call(ctx.net.url, 'DELETE', inboxPath(PHONE));
    const inbox = await call(ctx.net.url, 'GET', inboxPath(PHONE));

    expect(cleared.body).toEqual({ cleared: 1 });
    expect(inbox.body.messages).toEqual([]);
  });

  it('describes itself at GET /sandbox', async () => {
    const response = await call(ctx.net.url, 'GET', '/sandbox');

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ serviceNumbers: SERVICE_NUMBERS });
  });

  it('declines paths that are not its own, and answers unknown sandbox paths 404', async () => {
    const other = await fetch(`${ctx.net.url}/twilio/sms`, { method: 'POST' });
    const unknown = await call(ctx.net.url, 'GET', '/sandbox/nothing-here');

    expect(other.headers.get('x-not-sandbox')).toBe('1');
    expect(unknown.status).toBe(404);
  });

  it('never logs phone numbers or message bodies', async () => {
    ctx.app.on('/twilio/sms', { body: '<Response><Message>secret reply</Message></Response>' });

    await call(ctx.net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'secret body' });

    const logged = JSON.stringify(ctx.net.events);
    expect(ctx.net.events.length).toBeGreaterThan(0);
    expect(logged).not.toMatch(/secret|\+1415|\+1500/);
  });
});

describe('signing over the public URL', () => {
  it('signs over publicUrl while delivering to deliverTo', async () => {
    const app = await FakeApp.start();
    app.publicUrl = 'https://imsms.example.test';
    const deliveredTo = app.address;
    const net = await startSandbox({ deliverTo: deliveredTo, publicUrl: 'https://imsms.example.test/' });

    await call(net.url, 'POST', '/sandbox/sms', { from: PHONE, to: SERVICE, body: 'hello' });
    await net.close();
    await app.close();

    const [hook] = app.received('/twilio/sms');
    const signature = String(hook.headers['x-twilio-signature']);
    expect(hook.signatureValid).toBe(true);
    expect(signature).toBe(
      getExpectedTwilioSignature(AUTH_TOKEN, 'https://imsms.example.test/twilio/sms', hook.params),
    );
    expect(signature).not.toBe(
      getExpectedTwilioSignature(AUTH_TOKEN, `${deliveredTo}/twilio/sms`, hook.params),
    );
    expect(hook.headers.host).toBe('imsms.example.test');
  });
});
