import { parseXml } from '../../infra/local/sandbox/twiml-parser';
import { voiceSchemaError } from '../../infra/local/sandbox/twiml-voice-schema';
import { renderVoice } from '../../shared/runtime/voice-twiml';
import { call, OTHER_PHONE, PHONE, SERVICE_NUMBERS, withSandbox } from './support/harness';

const SERVICE = SERVICE_NUMBERS[0];
const twiml = (inner: string) => ({
  body: `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`,
});
const context = { callerIds: [...SERVICE_NUMBERS, PHONE, SERVICE], whisper: false };

describe("the sandbox refuses voice TwiML that breaks Twilio's rules", () => {
  const ctx = withSandbox();
  const placeCall = () => call(ctx.net.url, 'POST', '/sandbox/calls', { from: PHONE, to: SERVICE });

  it.each([
    ['an unknown verb', '<Foo/>', 12200],
    ['a verb in the wrong case', '<say>hi</say>', 12200],
    ['a messaging verb', '<Message>hi</Message>', 12200],
    ['a noun outside its verb', `<Number>${OTHER_PHONE}</Number>`, 12200],
    [
      'a verb nested in Gather that Gather cannot hold',
      `<Gather><Dial>${OTHER_PHONE}</Dial></Gather>`,
      12200,
    ],
    ['an element inside Say that is not SSML', '<Say><Play>x.mp3</Play></Say>', 12200],
    ['text inside Pause', '<Pause>wait</Pause>', 12200],
    ['an unknown attribute', '<Say voise="alice">hi</Say>', 12200],
    ['an attribute in the wrong case', '<Gather finishonkey="#"/>', 12200],
    ['a bad method', '<Redirect method="PUT">/x</Redirect>', 12200],
    ['a finishOnKey that is not one key', '<Gather finishOnKey="ab"/>', 13310],
    ['a numDigits of 0', '<Gather numDigits="0"/>', 13314],
    ['a timeout that is not a number', '<Gather timeout="soon"/>', 13313],
    ['an actionOnEmptyResult that is not a boolean', '<Gather actionOnEmptyResult="yes"/>', 13338],
    ['a callerId the account does not own', `<Dial callerId="+14155559999">${OTHER_PHONE}</Dial>`, 13214],
    ['a Number that is not E.164', '<Dial><Number>555-1234</Number></Dial>', 13223],
  ])('%s fails the call with %s', async (_what, inner, code) => {
    ctx.app.on('/twilio/voice', twiml(`<Say>before</Say>${inner}`));

    const placed = await placeCall();

    expect(placed.body).toMatchObject({
      status: 'failed',
      error: { code },
      said: ['An application error has occurred. Goodbye.'],
    });
  });

  it('runs valid TwiML that uses SSML, Gather nesting and Twilio verbs it does not simulate', async () => {
    ctx.app.on(
      '/twilio/voice',
      twiml(
        '<Say voice="alice" language="en-US">Hello <break time="1s"/>there</Say>' +
          '<Record maxLength="5"/>' +
          '<Gather input="dtmf speech" finishOnKey="" numDigits="4" action="/next"><Say>Keys</Say><Pause length="1"/></Gather>',
      ),
    );

    const placed = await placeCall();

    expect(placed.body).toMatchObject({ status: 'in-progress', said: ['Hello there', 'Keys'] });
  });
});

describe('the whisper of a <Dial><Number url>', () => {
  const ctx = withSandbox();
  const placeCall = () => call(ctx.net.url, 'POST', '/sandbox/calls', { from: PHONE, to: SERVICE });
  const dialWithWhisper = (to = OTHER_PHONE) =>
    ctx.app.on(
      '/twilio/voice',
      twiml(
        `<Say>Calling.</Say><Dial callerId="${SERVICE}" action="/twilio/voice/dialed">` +
          `<Number url="/twilio/voice/whisper?caller=1234">${to}</Number></Dial>`,
      ),
    );

  it('is fetched, signed, on the callee leg when the number answers, and what it says is recorded', async () => {
    dialWithWhisper();
    ctx.app.on('/twilio/voice/whisper', twiml('<Say>Call from Alice.</Say>'));
    ctx.app.on('/twilio/voice/dialed', twiml('<Hangup/>'));

    const placed = await placeCall();

    const [hook] = ctx.app.received('/twilio/voice/whisper');
    expect(hook.signatureValid).toBe(true);
    expect(hook.url).toBe('/twilio/voice/whisper?caller=1234');
    expect(hook.params).toMatchObject({
      ParentCallSid: placed.body.sid,
      From: SERVICE,
      To: OTHER_PHONE,
      Direction: 'outbound-dial',
    });
    expect(placed.body).toMatchObject({
      status: 'completed',
      said: ['Calling.'],
      dialed: { to: OTHER_PHONE, callerId: SERVICE, status: 'completed', whisper: ['Call from Alice.'] },
    });
    expect(ctx.app.received('/twilio/voice/dialed')[0].params.DialCallStatus).toBe('completed');
  });

  it('is not fetched when the number does not answer', async () => {
    const unreachable = '+14155550099';
    dialWithWhisper(unreachable);
    ctx.app.on('/twilio/voice/dialed', twiml('<Say>No answer.</Say>'));

    const placed = await placeCall();

    expect(ctx.app.received('/twilio/voice/whisper')).toEqual([]);
    expect(placed.body.dialed).toEqual({ to: unreachable, callerId: SERVICE, status: 'no-answer' });
    expect(placed.body.said).toEqual(['Calling.', 'No answer.']);
  });

  it('fails the dialled leg with 13201 when it tries to Dial', async () => {
    dialWithWhisper();
    ctx.app.on('/twilio/voice/whisper', twiml(`<Dial>${PHONE}</Dial>`));
    ctx.app.on('/twilio/voice/dialed', twiml('<Hangup/>'));

    const placed = await placeCall();

    expect(placed.body.dialed).toMatchObject({ status: 'failed', whisperError: { code: 13201 } });
    expect(ctx.app.received('/twilio/voice/dialed')[0].params.DialCallStatus).toBe('failed');
  });

  it('counts a Hangup in the whisper as the callee declining', async () => {
    dialWithWhisper();
    ctx.app.on('/twilio/voice/whisper', twiml('<Say>Busy, bye.</Say><Hangup/>'));
    ctx.app.on('/twilio/voice/dialed', twiml('<Hangup/>'));

    const placed = await placeCall();

    expect(placed.body.dialed).toMatchObject({ status: 'no-answer', whisper: ['Busy, bye.'] });
  });
});

describe("every answer the IVR renders passes the sandbox's voice rules", () => {
  const PUBLIC = 'https://im.example.test';
  it.each([
    [
      'prompt',
      { kind: 'prompt' as const, say: ['Welcome.'], prompt: "Key it, then #. It's easy.", attempt: 2 },
    ],
    [
      'connect',
      {
        kind: 'connect' as const,
        say: ['Calling Bob & Co <3.'],
        to: OTHER_PHONE,
        callerId: SERVICE,
        caller: '11112222',
        callee: '33334444',
      },
    ],
    ['end', { kind: 'end' as const, say: ['Goodbye.'] }],
    ['end, silent', { kind: 'end' as const, say: [] }],
    ['announce (the whisper)', { kind: 'announce' as const, say: ['Call from Alice.'] }],
  ])('%s', (_kind, answer) => {
    const root = parseXml(renderVoice(answer, PUBLIC));

    expect(root.name).toBe('Response');
    expect(voiceSchemaError(root, { ...context, whisper: answer.kind === 'announce' })).toBeUndefined();
  });
});
