import { MAX_ATTEMPTS, MISSED_CALL_TEXT, SPOKEN } from '../../../shared/core/ivr/answer';
import { answerCall, onDialEnded, onKeyedDigits, whisperFor } from '../../../shared/core/ivr/call';
import type { UserProfile } from '../../../shared/core/types';
import { renderVoice } from '../../../shared/runtime/voice-twiml';
import { coreWorld, SERVICE_NUMBERS, type CoreWorld } from '../../support/core-deps';

/**
 * The IVR direct call (claims 5, 12) on in-memory ports: who may dial whom, what each branch answers, and the
 * TwiML each answer renders to (asserted whole, as Twilio would read it).
 */
const PUBLIC = 'https://im.example.test';
const XML = '<?xml version="1.0" encoding="UTF-8"?>';
const [S0, S1] = SERVICE_NUMBERS;
const CALL = 'CA' + 'a'.repeat(32);

let w: CoreWorld;
let alice: UserProfile;
let bob: UserProfile;

const contact = (owner: UserProfile, other: UserProfile) =>
  w.stores.contacts.addContact(owner.imNumber, {
    kind: 'im',
    imNumber: other.imNumber,
    name: other.name,
    addedAt: 0,
  });
const callFrom = (phone: string | null, to = S0) => ({ callSid: CALL, from: phone, to });
const keyed = (digits: string, attempt = 1, from: string | null = alice.phone) =>
  onKeyedDigits(w.deps, callFrom(from), { digits, attempt });
const twiml = (answer: Parameters<typeof renderVoice>[0]) => renderVoice(answer, PUBLIC);

const PROMPT_GATHER = (attempt: number) =>
  `<Gather input="dtmf" finishOnKey="#" timeout="10" actionOnEmptyResult="true" ` +
  `action="${PUBLIC}/twilio/voice/gather?attempt=${attempt}" method="POST"><Say>${SPOKEN.prompt}</Say></Gather>`;

beforeEach(async () => {
  w = coreWorld();
  alice = await w.user({ name: 'Alice', imNumber: '11112222' });
  bob = await w.user({ name: 'Bob', imNumber: '33334444', connectionId: 'bob-phone-app' });
  await contact(alice, bob);
});

describe('a call to a service number', () => {
  it('asks a registered caller for the imNumber, keyed and ended with #', async () => {
    const answer = await answerCall(w.deps, callFrom(alice.phone));

    expect(answer).toEqual({ kind: 'prompt', say: [SPOKEN.welcome], prompt: SPOKEN.prompt, attempt: 1 });
    expect(twiml(answer)).toBe(`${XML}<Response><Say>${SPOKEN.welcome}</Say>${PROMPT_GATHER(1)}</Response>`);
  });

  it.each([
    ['a phone with no account', '+14155550999'],
    ['a withheld caller ID', null],
    ['one of the service numbers', S1],
  ])('refuses %s with a spoken message and a hangup', async (_what, phone) => {
    const answer = await answerCall(w.deps, callFrom(phone));

    expect(twiml(answer)).toBe(`${XML}<Response><Say>${SPOKEN.unknownCaller}</Say><Hangup/></Response>`);
    expect(w.logs).toContainEqual(expect.objectContaining({ event: 'ivr.call', reason: 'unknown_caller' }));
  });

  it('dials the contact a pool number is bound to, straight away', async () => {
    await w.stores.users.setThread(alice.imNumber, S1, { peer: bob.imNumber, at: 0 });

    const answer = await answerCall(w.deps, callFrom(alice.phone, S1));

    expect(answer).toMatchObject({
      kind: 'connect',
      to: bob.phone,
      caller: alice.imNumber,
      callee: bob.imNumber,
    });
  });

  it('prompts on a bound number whose peer is no contact either way', async () => {
    const carol = await w.user({ name: 'Carol' });
    await w.stores.users.setThread(alice.imNumber, S1, { peer: carol.imNumber, at: 0 });

    const answer = await answerCall(w.deps, callFrom(alice.phone, S1));

    expect(answer.kind).toBe('prompt');
  });
});

describe('keying a contact', () => {
  it('dials the contact with the service number of their thread, and a whisper', async () => {
    const answer = await keyed(bob.imNumber);

    expect(answer).toEqual({
      kind: 'connect',
      say: [SPOKEN.connecting('Bob')],
      to: bob.phone,
      callerId: S0,
      caller: alice.imNumber,
      callee: bob.imNumber,
    });
    expect(twiml(answer)).toBe(
      `${XML}<Response><Say>Calling Bob. Please hold.</Say>` +
        `<Dial callerId="${S0}" timeout="30" action="${PUBLIC}/twilio/voice/dial-status?caller=${alice.imNumber}&amp;callee=${bob.imNumber}" method="POST">` +
        `<Number url="${PUBLIC}/twilio/voice/whisper?caller=${alice.imNumber}" method="POST">${bob.phone}</Number>` +
        `</Dial></Response>`,
    );
  });

  it("binds the callee's thread to the caller, so calling that number back reaches the caller", async () => {
    const first = await keyed(bob.imNumber);
    const callerId = first.kind === 'connect' ? first.callerId : '';

    const back = await answerCall(w.deps, callFrom(bob.phone, callerId));

    expect((await w.stores.users.getUser(bob.imNumber))?.threads[callerId]?.peer).toBe(alice.imNumber);
    expect(back).toMatchObject({
      kind: 'connect',
      to: alice.phone,
      caller: bob.imNumber,
      callee: alice.imNumber,
    });
  });

  it('shows the number already bound to the caller on the callee phone', async () => {
    await w.stores.users.setThread(bob.imNumber, S1, { peer: alice.imNumber, at: w.clock.now() });

    const answer = await keyed(bob.imNumber);

    expect(answer).toMatchObject({ kind: 'connect', callerId: S1 });
  });

  it('tells a callee online in IM who is calling, with a call frame on each live device', async () => {
    await keyed(bob.imNumber);

    expect(w.im.eventsOf('bob-phone-app', 'call')).toEqual([
      { kind: 'call', from: alice.imNumber, fromName: 'Alice' },
    ]);
  });

  it('pushes no call frame to a callee in manual offline mode, and still dials', async () => {
    await w.stores.logins.setMode(bob.imNumber, 'offline');

    const answer = await keyed(bob.imNumber);

    expect(w.im.eventsOf('bob-phone-app', 'call')).toEqual([]);
    expect(answer.kind).toBe('connect');
  });

  it('still dials when the call frame cannot be pushed', async () => {
    w.im.failing.add('bob-phone-app');

    const answer = await keyed(bob.imNumber);

    expect(answer.kind).toBe('connect');
    expect(w.logs).toContainEqual(expect.objectContaining({ event: 'ivr.call_push_failed' }));
  });
});

describe('refusals: a spoken reason and a hangup, never a Dial', () => {
  /** What the caller gets, and how many call frames went out. */
  const outcome = async (answerP: ReturnType<typeof keyed>) => ({
    twiml: twiml(await answerP),
    callFrames: w.im.pushed.filter((p) => p.event.kind === 'call').length,
  });
  const refused = (speech: string) => ({
    twiml: `${XML}<Response><Say>${speech}</Say><Hangup/></Response>`,
    callFrames: 0,
  });

  it('an unknown caller', async () => {
    expect(await outcome(keyed(bob.imNumber, 1, '+14155550999'))).toEqual(refused(SPOKEN.unknownCaller));
  });

  it('an imNumber nobody has, in the same words as a non-contact', async () => {
    expect(await outcome(keyed('99998888'))).toEqual(refused(SPOKEN.notContact));
  });

  it('a user who is not one of the caller’s contacts', async () => {
    const carol = await w.user({ name: 'Carol' });
    await contact(carol, alice); // Carol has Alice, not the other way round: Alice may not key Carol.
    expect(await outcome(keyed(carol.imNumber))).toEqual(refused(SPOKEN.notContact));
  });

  it("the caller's own imNumber", async () => {
    expect(await outcome(keyed(alice.imNumber))).toEqual(refused(SPOKEN.notContact));
  });

  it('a contact with no phone', async () => {
    const dan = await w.user({ name: 'Dan', phone: '' });
    await contact(alice, dan);
    expect(await outcome(keyed(dan.imNumber))).toEqual(refused(SPOKEN.noPhone));
  });

  it('a contact whose phone opted out (STOP)', async () => {
    await w.stores.users.setOptOut(bob.phone, true, bob.imNumber);
    expect(await outcome(keyed(bob.imNumber))).toEqual(refused(SPOKEN.optedOut));
  });

  it('a service number keyed as the target', async () => {
    expect(await outcome(keyed(S1.replace('+', '')))).toEqual(refused(SPOKEN.serviceNumber));
  });

  it('a contact whose phone is a service number', async () => {
    const odd = await w.user({ name: 'Odd', phone: S1 });
    await contact(alice, odd);
    expect(await outcome(keyed(odd.imNumber))).toEqual(refused(SPOKEN.serviceNumber));
  });
});

describe('wrong entries', () => {
  it.each([
    ['nothing keyed (the prompt timed out)', ''],
    ['too few digits', '12'],
    ['a star', '1234*5678'],
  ])('%s asks again, counting the attempt', async (_what, digits) => {
    const answer = await keyed(digits, 1);

    expect(answer).toEqual({
      kind: 'prompt',
      say: [SPOKEN.notAnImNumber],
      prompt: SPOKEN.prompt,
      attempt: 2,
    });
    expect(twiml(answer)).toBe(
      `${XML}<Response><Say>${SPOKEN.notAnImNumber}</Say>${PROMPT_GATHER(2)}</Response>`,
    );
  });

  it('the third ends the call', async () => {
    const answer = await keyed('12', MAX_ATTEMPTS);

    expect(twiml(answer)).toBe(`${XML}<Response><Say>${SPOKEN.tooManyTries}</Say><Hangup/></Response>`);
  });
});

describe('the whisper', () => {
  it("announces the caller's name and imNumber, digit by digit, and lets the call through", async () => {
    const answer = await whisperFor(w.deps, alice.imNumber);

    expect(twiml(answer)).toBe(
      `${XML}<Response><Say>Call from Alice, IM number 1 1 1 1 2 2 2 2, through IM SMS.</Say></Response>`,
    );
  });

  it('names no one for an unknown caller', async () => {
    const answer = await whisperFor(w.deps, 'not-a-number');

    expect(answer).toEqual({ kind: 'announce', say: ['Call through IM SMS.'] });
  });
});

describe('the end of the dial', () => {
  const end = (status: string, callSid = CALL) =>
    onDialEnded(w.deps, { callSid, caller: alice.imNumber, callee: bob.imNumber, status });

  it('answered: hangs up, tells no one', async () => {
    const answer = await end('completed');

    expect(twiml(answer)).toBe(`${XML}<Response><Hangup/></Response>`);
    expect(w.sms.sent).toEqual([]);
    expect(w.im.eventsOf('bob-phone-app', 'message')).toEqual([]);
  });

  it.each(['no-answer', 'busy', 'failed'])(
    '%s: the callee online gets "missed call from …" by IM; the caller hears so',
    async (status) => {
      const answer = await end(status);

      expect(twiml(answer)).toBe(`${XML}<Response><Say>${SPOKEN.missed('Bob')}</Say><Hangup/></Response>`);
      const [note] = w.im.eventsOf('bob-phone-app', 'message');
      expect(note.message).toMatchObject({
        from: alice.imNumber,
        fromName: 'Alice',
        to: bob.imNumber,
        text: MISSED_CALL_TEXT,
      });
    },
  );

  it('the callee offline gets the note by SMS, from the thread number the call showed', async () => {
    await w.stores.logins.setMode(bob.imNumber, 'offline');
    const dialled = await keyed(bob.imNumber);

    await end('no-answer');

    const [sms] = w.sms.inbox(bob.phone);
    // The header names the caller once; the text does not repeat it.
    expect(sms.body).toBe(`Alice @${alice.imNumber}: Missed call`);
    expect(sms.from).toBe(dialled.kind === 'connect' ? dialled.callerId : '');
  });

  it('sends the note once however often the provider retries the dial action', async () => {
    await w.stores.logins.setMode(bob.imNumber, 'offline');

    await end('no-answer');
    await end('no-answer');

    expect(w.sms.inbox(bob.phone)).toHaveLength(1);
  });

  it('sends no note to an opted-out callee', async () => {
    await w.stores.logins.setMode(bob.imNumber, 'offline');
    await w.stores.users.setOptOut(bob.phone, true, bob.imNumber);

    await end('busy');

    expect(w.sms.inbox(bob.phone)).toEqual([]);
  });
});
