import { ACCOUNT_SID, call, OTHER_PHONE, PHONE, SERVICE_NUMBERS, withSandbox } from './support/harness';

const SERVICE = SERVICE_NUMBERS[0];

const twiml = (inner: string) => ({
  body: `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`,
});

describe('simulated calls', () => {
  const ctx = withSandbox();

  const placeCall = () => call(ctx.net.url, 'POST', '/sandbox/calls', { from: PHONE, to: SERVICE });
  const press = (sid: string, digits: string) =>
    call(ctx.net.url, 'POST', `/sandbox/calls/${sid}/digits`, { digits });

  /** The IVR the project will build: greet, gather an IM number, dial the contact. */
  const ivr = () => {
    ctx.app.on(
      '/twilio/voice',
      twiml(
        '<Say>Welcome to IM SMS.</Say>' +
          '<Gather action="/twilio/voice/contact" numDigits="6">' +
          '<Say>Enter the IM number, then pound.</Say>' +
          '</Gather>' +
          '<Say>We did not get that.</Say>',
      ),
    );
    ctx.app.on('/twilio/voice/contact', (hook) =>
      twiml(
        `<Say>Connecting you to ${hook.params.Digits}.</Say>` +
          `<Dial callerId="${SERVICE}"><Number>${OTHER_PHONE}</Number></Dial>`,
      ),
    );
  };

  it('posts a signed voice webhook with Twilio call parameters', async () => {
    const placed = await placeCall();

    const [hook] = ctx.app.received('/twilio/voice');
    expect(placed.status).toBe(201);
    expect(hook.signatureValid).toBe(true);
    expect(hook.params).toEqual({
      CallSid: placed.body.sid,
      AccountSid: ACCOUNT_SID,
      From: PHONE,
      To: SERVICE,
      CallStatus: 'ringing',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
      Caller: PHONE,
      Called: SERVICE,
    });
  });

  it('speaks, then waits in a Gather with its nested Say spoken', async () => {
    ivr();

    const placed = await placeCall();

    expect(placed.body).toEqual({
      sid: expect.stringMatching(/^CA[0-9a-f]{32}$/),
      from: PHONE,
      to: SERVICE,
      status: 'in-progress',
      said: ['Welcome to IM SMS.', 'Enter the IM number, then pound.'],
    });
  });

  it('posts digits to the Gather action and runs Say then Dial', async () => {
    ivr();
    const placed = await placeCall();

    const after = await press(placed.body.sid, '1001#');

    const [hook] = ctx.app.received('/twilio/voice/contact');
    expect(hook.signatureValid).toBe(true);
    expect(hook.params).toMatchObject({ CallSid: placed.body.sid, Digits: '1001', FinishedOnKey: '#' });
    expect(hook.params.CallStatus).toBe('in-progress');
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({
      status: 'completed',
      said: ['Welcome to IM SMS.', 'Enter the IM number, then pound.', 'Connecting you to 1001.'],
      dialed: { to: OTHER_PHONE, callerId: SERVICE },
    });
  });

  it('reports the same state at GET /sandbox/calls/<sid>', async () => {
    ivr();
    const placed = await placeCall();
    const after = await press(placed.body.sid, '1001#');

    const fetched = await call(ctx.net.url, 'GET', `/sandbox/calls/${placed.body.sid}`);

    expect(fetched).toEqual({ status: 200, body: after.body });
  });

  it('takes only numDigits keys', async () => {
    ctx.app.on('/twilio/voice', twiml('<Gather numDigits="2" action="/next"/>'));
    const placed = await placeCall();

    await press(placed.body.sid, '12345');

    expect(ctx.app.received('/next')[0].params).toMatchObject({ Digits: '12', FinishedOnKey: '' });
  });

  it('posts digits back to the document URL when the Gather has no action', async () => {
    ctx.app.on('/twilio/voice', (hook) =>
      hook.params.Digits === undefined
        ? twiml('<Gather numDigits="1"/>')
        : twiml(`<Say>Got ${hook.params.Digits}</Say>`),
    );
    const placed = await placeCall();

    const after = await press(placed.body.sid, '7');

    expect(after.body.said).toEqual(['Got 7']);
  });

  it('goes on to the next verb when the Gather gets no digits', async () => {
    ivr();
    const placed = await placeCall();

    const after = await press(placed.body.sid, '');

    expect(ctx.app.received('/twilio/voice/contact')).toEqual([]);
    expect(after.body).toMatchObject({
      status: 'completed',
      said: expect.arrayContaining(['We did not get that.']),
    });
  });

  it('follows a relative Redirect with POST and stops at Hangup', async () => {
    ctx.app.on('/twilio/voice', twiml('<Say>One</Say><Redirect>menu?step=2</Redirect><Say>skipped</Say>'));
    ctx.app.on(
      '/twilio/menu',
      twiml('<Say>Two</Say><Play>https://example.test/beep.mp3</Play><Hangup/><Say>gone</Say>'),
    );

    const placed = await placeCall();

    const [hook] = ctx.app.received('/twilio/menu');
    expect(hook).toMatchObject({ method: 'POST', url: '/twilio/menu?step=2', signatureValid: true });
    expect(placed.body).toMatchObject({ status: 'completed', said: ['One', 'Two', '[play]'] });
  });

  it('follows a Redirect with method GET, parameters in the signed query string', async () => {
    ctx.app.on('/twilio/voice', twiml('<Redirect method="GET">/twilio/voice/get</Redirect>'));
    ctx.app.on('/twilio/voice/get', twiml('<Say>via GET</Say>'));

    const placed = await placeCall();

    const [hook] = ctx.app.received('/twilio/voice/get');
    expect(hook.method).toBe('GET');
    expect(hook.signatureValid).toBe(true);
    expect(new URL(hook.url, 'http://x').searchParams.get('CallSid')).toBe(placed.body.sid);
    expect(placed.body.said).toEqual(['via GET']);
  });

  it('completes at the end of a document without Hangup', async () => {
    ctx.app.on('/twilio/voice', twiml('<Say>Bye</Say><Pause length="1"/>'));

    const placed = await placeCall();

    expect(placed.body).toMatchObject({ status: 'completed', said: ['Bye'] });
  });

  it('ends busy on <Reject reason="busy">, unanswered on a plain Reject', async () => {
    ctx.app.on('/twilio/voice', (hook) =>
      twiml(hook.params.From === PHONE ? '<Reject reason="busy"/>' : '<Reject/><Say>unreachable</Say>'),
    );

    const busy = await placeCall();
    const rejected = await call(ctx.net.url, 'POST', '/sandbox/calls', { from: OTHER_PHONE, to: SERVICE });

    expect(busy.body).toMatchObject({ status: 'busy', said: [] });
    expect(rejected.body).toMatchObject({ status: 'no-answer', said: [] });
  });

  it('posts DialCallStatus to the Dial action and runs its answer', async () => {
    const unreachable = '+14155550099';
    ctx.app.on(
      '/twilio/voice',
      twiml(`<Dial action="/twilio/voice/dialed">${unreachable}</Dial><Say>not reached</Say>`),
    );
    ctx.app.on('/twilio/voice/dialed', (hook) =>
      twiml(`<Say>Dial ended ${hook.params.DialCallStatus}</Say>`),
    );

    const placed = await placeCall();

    expect(placed.body).toMatchObject({
      status: 'completed',
      said: ['Dial ended no-answer'],
      dialed: { to: unreachable, callerId: PHONE },
    });
  });

  it('fails the call with error 11200 when the app answers 500', async () => {
    ctx.app.on('/twilio/voice', { status: 500, body: 'oops' });

    const placed = await placeCall();

    expect(placed.body).toMatchObject({
      status: 'failed',
      error: { code: 11200 },
      said: ['An application error has occurred. Goodbye.'],
    });
  });

  it('fails the call with error 12100 when the TwiML is not well-formed', async () => {
    ctx.app.on('/twilio/voice', { body: '<Response><Say>unclosed</Response>' });

    const placed = await placeCall();

    expect(placed.body).toMatchObject({ status: 'failed', error: { code: 12100 } });
  });

  it('gives up on a Redirect loop instead of hanging', async () => {
    ctx.app.on('/twilio/voice', twiml('<Redirect>/twilio/voice</Redirect>'));

    const placed = await placeCall();

    expect(placed.body).toMatchObject({ status: 'failed' });
    expect(ctx.app.received('/twilio/voice')).toHaveLength(25);
  });

  it('answers 409 to digits on a call that is not gathering', async () => {
    ctx.app.on('/twilio/voice', twiml('<Say>hi</Say>'));
    const placed = await placeCall();

    const response = await press(placed.body.sid, '1');

    expect(response).toEqual({
      status: 409,
      body: { error: { code: 'not_gathering', message: expect.any(String) } },
    });
  });

  it('answers 404 JSON for an unknown call SID', async () => {
    const sid = 'CA' + '0'.repeat(32);

    const fetched = await call(ctx.net.url, 'GET', `/sandbox/calls/${sid}`);
    const pressed = await press(sid, '1');

    expect(fetched).toEqual({
      status: 404,
      body: { error: { code: 'not_found', message: expect.any(String) } },
    });
    expect(pressed.status).toBe(404);
  });

  it.each([
    ['a caller that is not E.164', { from: 'anonymous', to: SERVICE }],
    ['a callee that is not a service number', { from: PHONE, to: OTHER_PHONE }],
  ])('refuses to place a call from %s', async (_name, body) => {
    const response = await call(ctx.net.url, 'POST', '/sandbox/calls', body);

    expect(response.status).toBe(400);
    expect(ctx.app.hooks).toEqual([]);
  });

  it('refuses digits that are not keypad keys', async () => {
    ivr();
    const placed = await placeCall();

    const response = await press(placed.body.sid, '12a');

    expect(response.status).toBe(400);
    expect(ctx.app.received('/twilio/voice/contact')).toEqual([]);
  });
});
