import { formatSmsBody } from '../../shared/core/conversion/body-format';
import { MISSED_CALL_TEXT, SPOKEN } from '../../shared/core/ivr/answer';
import {
  eventually,
  http,
  inbox,
  signUp,
  type E2eUser,
  type Frame,
  type ImClient,
} from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * The IVR direct call (claims 5, 12) through the local stack: sandbox phones call a service number, the sandbox
 * posts Twilio's signed voice webhooks to /twilio/voice and its sub-paths and runs the TwiML (checked against
 * Twilio's rules), and real WebSocket clients see the `call` frame and the missed-call note.
 */
const e2e = useLocalStack('ivr');
let serviceNumbers: string[];
beforeAll(async () => {
  serviceNumbers = (await http(e2e.base, 'GET', '/sandbox')).json.serviceNumbers;
});

let n = 300;
const newPhone = () => `+1415556${String(++n).padStart(4, '0')}`;
const connect = (user: E2eUser) => e2e.connect(user);
async function ask(client: ImClient, frame: Frame, type: string): Promise<Frame> {
  const seen = client.frames.length;
  client.send(frame);
  return eventually(() => client.frames.slice(seen).find((f) => f.type === type || f.type === 'error'));
}
/** Two users; the first has the second as a contact (added over its WebSocket). */
async function pair(): Promise<{ alice: E2eUser; bob: E2eUser; a: ImClient }> {
  const alice = await signUp(e2e.base, newPhone(), `Alice${n}`);
  const bob = await signUp(e2e.base, newPhone(), `Bob${n}`);
  const a = await connect(alice);
  const added = await ask(a, { action: 'addContact', imNumber: bob.imNumber }, 'contact');
  expect(added).toMatchObject({ type: 'contact', op: 'added' });
  return { alice, bob, a };
}
const placeCall = async (from: string, to = serviceNumbers[0]) => {
  const res = await http(e2e.base, 'POST', '/sandbox/calls', { from, to });
  expect(res.status).toBe(201);
  return res.json;
};
const press = async (sid: string, digits: string) => {
  const res = await http(e2e.base, 'POST', `/sandbox/calls/${sid}/digits`, { digits });
  expect(res.status).toBe(200);
  return res.json;
};
const whisperOf = (user: E2eUser) =>
  `Call from ${user.name}, IM number ${[...user.imNumber].join(' ')}, through IM SMS.`;

describe('a registered caller keys a contact', () => {
  it('hears the prompt, keys the imNumber, and is put through: caller ID, whisper, call frame', async () => {
    const { alice, bob } = await pair();
    const b = await connect(bob);

    const placed = await placeCall(alice.phone);
    expect(placed).toMatchObject({ status: 'in-progress', said: [SPOKEN.welcome, SPOKEN.prompt] });

    const after = await press(placed.sid, `${bob.imNumber}#`);

    expect(after).toMatchObject({
      status: 'completed',
      said: [SPOKEN.welcome, SPOKEN.prompt, SPOKEN.connecting(bob.name)],
      dialed: {
        to: bob.phone,
        callerId: expect.any(String),
        status: 'completed',
        whisper: [whisperOf(alice)],
      },
    });
    expect(serviceNumbers).toContain(after.dialed.callerId);
    expect(after.error).toBeUndefined();
    const frame = await b.waitFor((f) => f.type === 'call');
    expect(frame).toEqual({ type: 'call', from: alice.imNumber, fromName: alice.name });
  });

  it('the callee calling back the number shown reaches the caller directly', async () => {
    const { alice, bob } = await pair();
    const first = await press((await placeCall(alice.phone)).sid, `${bob.imNumber}#`);

    const back = await placeCall(bob.phone, first.dialed.callerId);

    expect(back).toMatchObject({
      status: 'completed',
      said: [SPOKEN.connecting(alice.name)],
      dialed: { to: alice.phone, status: 'completed', whisper: [whisperOf(bob)] },
    });
    expect(serviceNumbers).toContain(back.dialed.callerId);
  });

  it('a pool number bound to a contact by SMS dials that contact without a prompt', async () => {
    const { alice, bob } = await pair();
    const texted = await http(e2e.base, 'POST', '/sandbox/sms', {
      from: alice.phone,
      to: serviceNumbers[1],
      body: `@${bob.imNumber} calling you in a minute`,
    });
    expect(texted.status).toBe(201);

    const placed = await placeCall(alice.phone, serviceNumbers[1]);

    expect(placed).toMatchObject({ status: 'completed', dialed: { to: bob.phone } });
    expect(placed.said).not.toContain(SPOKEN.prompt);
  });
});

describe('a missed call', () => {
  const ringsOut = (phone: string, answer: 'no-answer' | 'busy') =>
    http(e2e.base, 'PUT', `/sandbox/phones/${encodeURIComponent(phone)}/calls`, { answer });

  it('an unanswered call tells an online callee "missed call from …" by IM', async () => {
    const { alice, bob } = await pair();
    const b = await connect(bob);
    expect((await ringsOut(bob.phone, 'no-answer')).status).toBe(200);

    const after = await press((await placeCall(alice.phone)).sid, `${bob.imNumber}#`);

    expect(after).toMatchObject({ status: 'completed', dialed: { to: bob.phone, status: 'no-answer' } });
    expect(after.said.at(-1)).toBe(SPOKEN.missed(bob.name));
    expect(after.dialed.whisper).toBeUndefined();
    const note = await b.waitFor((f) => f.type === 'message' && f.from === alice.imNumber);
    expect(note).toMatchObject({ text: MISSED_CALL_TEXT, to: bob.imNumber });
  });

  it('a busy callee who is offline gets it by SMS, from the number the call showed', async () => {
    const { alice, bob } = await pair();
    await ringsOut(bob.phone, 'busy');

    const after = await press((await placeCall(alice.phone)).sid, `${bob.imNumber}#`);

    expect(after.dialed.status).toBe('busy');
    const sms = await eventually(async () =>
      (await inbox(e2e.base, bob.phone)).find((m) => m.body.endsWith(MISSED_CALL_TEXT)),
    );
    expect(sms.body).toBe(formatSmsBody(alice.name, alice.imNumber, MISSED_CALL_TEXT));
    expect(sms.from).toBe(after.dialed.callerId);
  });
});

describe('refusals: a spoken reason and a hangup, never a Dial', () => {
  const refusedAfterDigits = async (caller: string, digits: string) => {
    const placed = await placeCall(caller);
    return press(placed.sid, `${digits}#`);
  };

  it('an unknown caller hears so at once', async () => {
    const placed = await placeCall(newPhone());

    expect(placed).toMatchObject({ status: 'completed', said: [SPOKEN.unknownCaller] });
    expect(placed.dialed).toBeUndefined();
  });

  it.each<[string, () => string, string]>([
    ['an imNumber nobody has', () => '99990000', SPOKEN.notContact],
    ['a service number', () => serviceNumbers[2].replace('+', ''), SPOKEN.serviceNumber],
  ])('%s', async (_what, digits, speech) => {
    const { alice } = await pair();

    const after = await refusedAfterDigits(alice.phone, digits());

    expect(after).toMatchObject({ status: 'completed' });
    expect(after.said.at(-1)).toBe(speech);
    expect(after.dialed).toBeUndefined();
  });

  it('a user who is not a contact', async () => {
    const { alice } = await pair();
    const stranger = await signUp(e2e.base, newPhone(), `Stranger${n}`);

    const after = await refusedAfterDigits(alice.phone, stranger.imNumber);

    expect(after.said.at(-1)).toBe(SPOKEN.notContact);
    expect(after.dialed).toBeUndefined();
  });

  it('a contact whose phone texted STOP', async () => {
    const { alice, bob } = await pair();
    const stop = await http(e2e.base, 'POST', '/sandbox/sms', {
      from: bob.phone,
      to: serviceNumbers[0],
      body: 'STOP',
    });
    expect(stop.status).toBe(201);

    const after = await refusedAfterDigits(alice.phone, bob.imNumber);

    expect(after.said.at(-1)).toBe(SPOKEN.optedOut);
    expect(after.dialed).toBeUndefined();
  });

  it('three wrong entries (a timeout counts) end the call', async () => {
    const { alice } = await pair();
    const placed = await placeCall(alice.phone);

    const second = await press(placed.sid, '12#');
    const third = await press(placed.sid, '');
    const last = await press(placed.sid, '*#');

    expect(second).toMatchObject({
      status: 'in-progress',
      said: expect.arrayContaining([SPOKEN.notAnImNumber]),
    });
    expect(third.status).toBe('in-progress');
    expect(last).toMatchObject({ status: 'completed' });
    expect(last.said.at(-1)).toBe(SPOKEN.tooManyTries);
    expect(last.said.filter((s: string) => s === SPOKEN.prompt)).toHaveLength(3);
    expect(last.dialed).toBeUndefined();
  });
});

describe('the voice webhooks', () => {
  it.each(['/twilio/voice', '/twilio/voice/gather', '/twilio/voice/whisper', '/twilio/voice/dial-status'])(
    '%s answers 403 without a valid signature',
    async (route) => {
      const res = await http(e2e.base, 'POST', route, 'CallSid=CA1&From=%2B14155550100', {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': 'forged',
      });

      expect(res.status).toBe(403);
    },
  );
});
