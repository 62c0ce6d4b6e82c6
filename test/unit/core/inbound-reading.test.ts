import { parseSmsAddress } from '../../../shared/core/conversion/addressing';
import { isYesWord, parseKeyword } from '../../../shared/core/conversion/keywords';
import { MAX_TEXT_CHARS, mediaNote, withMediaNote } from '../../../shared/core/conversion/message-text';
import { clearForSms, type SmsPurpose } from '../../../shared/core/im-sms/outbound';
import { receiveSms, REPLIES } from '../../../shared/core/im-sms/receive';
import { parseInviteCommand } from '../../../shared/core/invitations/answers';
import { LogEvent } from '../../../shared/core/log-events';
import { mediaCount } from '../../../shared/runtime/twilio-ids';
import { twilioSmsReport } from '../../../shared/runtime/sms-reports';
import { inboundCall } from '../../../shared/runtime/voice-twiml';
import { coreWorld, SERVICE_NUMBERS, type CoreWorld } from '../../support/core-deps';

/**
 * How an inbound text is read and answered: every reading for meaning after format characters are dropped and
 * NFKC (the address too), YES as START only for an opted-out phone, no SMS of any kind to a phone outside
 * SMS_COUNTRIES, media never carried, and identifiers from outside checked for shape.
 */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

let sids = 0;
const text = async (from: string, body: string, media = 0) => {
  const result = await receiveSms(w.deps, {
    messageSid: `SM-read-${++sids}`,
    from,
    to: SERVICE_NUMBERS[0],
    body,
    media,
  });
  await w.routeQueued();
  return result;
};
const texts = (connectionId: string) => w.im.eventsOf(connectionId, 'message').map((e) => e.message.text);
const UK = '+447700900123';

describe('the address is read as keywords are (format characters dropped, NFKC)', () => {
  it.each([
    ['\uff20bob hi', { kind: 'name', name: 'bob', text: 'hi' }],
    ['\u200b@bob hi', { kind: 'name', name: 'bob', text: 'hi' }],
    ['\u202a@bob\u202c hi', { kind: 'name', name: 'bob', text: 'hi' }],
    ['\ufe6bbob: hi', { kind: 'name', name: 'bob', text: 'hi' }],
    [
      '\uff20\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18 hi',
      { kind: 'imNumber', imNumber: '12345678', text: 'hi' },
    ],
    ['\uff20bob\uff1ahi', { kind: 'name', name: 'bob', text: 'hi' }],
    ['\uff20bob\u3000hi', { kind: 'name', name: 'bob', text: 'hi' }],
    ['\uff20\uff42\uff4f\uff42 hi', { kind: 'name', name: 'bob', text: 'hi' }],
    // The text is what the person wrote after the address, full-width characters and all.
    ['\uff20bob \uff28\uff49 \uff20you', { kind: 'name', name: 'bob', text: '\uff28\uff49 \uff20you' }],
    ['\uff20bob\uff20x hi', { kind: 'none', text: '\uff20bob\uff20x hi' }],
    ['hi \uff20bob', { kind: 'none', text: 'hi \uff20bob' }],
    // U+0085 NEXT LINE is white space (Unicode), though not to JavaScript's \s: it ends the address.
    ['@bob\u0085hi', { kind: 'name', name: 'bob', text: 'hi' }],
    ['\u0085@12345678\u0085hi', { kind: 'imNumber', imNumber: '12345678', text: 'hi' }],
  ])('%j', (body, expected) => {
    expect(parseSmsAddress(body)).toEqual(expected);
  });

  it('reads INVITE after NFKC too (the word, the phone, the name)', () => {
    expect(parseInviteCommand('\uff29\uff2e\uff36\uff29\uff34\uff25 \uff0b16505550100 Dan')).toEqual({
      phone: '+16505550100',
      name: 'Dan',
    });
    expect(parseInviteCommand('\u200binvite +16505550100 \uff24\uff41\uff4e')).toEqual({
      phone: '+16505550100',
      name: 'Dan',
    });
    expect(parseInviteCommand('INVITE\u0085+16505550100\u0085Dan')).toEqual({
      phone: '+16505550100',
      name: 'Dan',
    });
  });

  it('a full-width address reaches the person it names, not the thread owner', async () => {
    const alice = await w.user({ name: 'alice', connectionId: 'a1' });
    const bob = await w.user({ name: 'bob', connectionId: 'b1' });
    const phone = '+12125550901';
    await text(phone, `@${alice.imNumber} hi alice`);
    await text(phone, '\uff20bob hi bob');
    await text(phone, '\u200b@bob zero width');
    const wide = [...bob.imNumber].map((d) => String.fromCharCode(0xff10 + Number(d))).join('');
    await text(phone, `\uff20${wide} by number`);
    expect(texts('a1')).toEqual(['hi alice']);
    expect(texts('b1')).toEqual(['hi bob', 'zero width', 'by number']);
  });

  it('an address followed only by invisible characters is an empty message', async () => {
    const bob = await w.user({ name: 'bob', connectionId: 'b1' });
    const alice = await w.user();
    expect(await text(alice.phone, `@${bob.imNumber} \u200b\u2060`)).toEqual({ reply: REPLIES.empty });
    // The same characters that make an IM text blank (BLANK_CHARACTERS): the braille blank, a Hangul filler.
    const carol = await w.user(); // another phone: the empty reply is rate-limited per phone
    expect(await text(carol.phone, `@${bob.imNumber} \u2800\u3164`)).toEqual({ reply: REPLIES.empty });
    expect(texts('b1')).toEqual([]);
  });
});

describe('YES is START only for an opted-out phone', () => {
  it('is read as the keyword YES in any case and with trailing ! or .', () => {
    for (const body of ['Yes', 'yes!', 'YES.', '\uff39\uff25\uff33']) {
      expect(isYesWord(body)).toBe(true);
      expect(parseKeyword(body)).toBe('start');
    }
    expect(isYesWord('START')).toBe(false);
    expect(isYesWord('yes please')).toBe(false);
  });

  it('on a thread from a phone that never opted out, YES is a message to the contact, with no reply', async () => {
    const alice = await w.user({ connectionId: 'a1' });
    const phone = '+12125550902';
    await text(phone, `@${alice.imNumber} can we meet?`);
    for (const body of ['Yes', 'yes!', 'YES.']) expect(await text(phone, body)).toEqual({});
    expect(texts('a1')).toEqual(['can we meet?', 'Yes', 'yes!', 'YES.']);
    expect(w.logs.filter((l) => l.event === LogEvent.SmsKeyword)).toEqual([]);
  });

  it('from an opted-out phone, YES is START: re-subscribed and confirmed, nothing delivered', async () => {
    const alice = await w.user({ connectionId: 'a1' });
    const phone = '+12125550903';
    await text(phone, `@${alice.imNumber} hello`);
    await text(phone, 'STOP');
    expect(await text(phone, 'Yes')).toEqual({ reply: REPLIES.start });
    expect((await w.stores.users.getPhone(phone))?.optedOut).toBe(false);
    expect(texts('a1')).toEqual(['hello']);
  });
});

describe('a phone outside SMS_COUNTRIES gets no SMS at all', () => {
  it('the gate refuses every purpose, the STOP confirmation included', async () => {
    const purposes: SmsPurpose[] = [
      'message',
      'code',
      'reply',
      'invitation',
      'stop_confirmation',
      'start_confirmation',
    ];
    for (const purpose of purposes) {
      expect(await clearForSms(w.deps, UK, purpose)).toEqual({ ok: false, reason: 'country_not_allowed' });
    }
    expect((await clearForSms(w.deps, '+12125550904', 'reply')).ok).toBe(true);
  });

  it('HELP, STOP, START, YES, NO, an unaddressed text and an addressed one: all answered with nothing', async () => {
    const alice = await w.user({ connectionId: 'a1' });
    for (const body of [
      `@${alice.imNumber} hello`,
      'HELP',
      'hi there',
      'STOP',
      'START',
      'YES',
      'no',
      'STOP',
    ]) {
      expect(await text(UK, body)).toEqual({});
    }
    // The STOP is still recorded: if the country is served one day, the opt-out holds.
    expect((await w.stores.users.getPhone(UK))?.optedOut).toBe(true);
    expect(w.sms.sent).toEqual([]);
    const lines = w.logs.filter((l) => l.event === LogEvent.SmsFromUnservedCountry);
    expect(lines).toHaveLength(8);
    expect(lines[0]).toEqual({
      event: LogEvent.SmsFromUnservedCountry,
      sid: expect.any(String),
      countryCode: '44',
    });
    expect(JSON.stringify(w.logs)).not.toContain('7700900123');
  });

  it('an invitation answer from an unserved phone is acted on but not answered', async () => {
    const inviter = await w.user({ connectionId: 'i1' });
    await w.stores.invitations.putInvitation(
      {
        phone: UK,
        inviter: inviter.imNumber,
        inviterName: inviter.name,
        name: 'Dana',
        status: 'pending',
        serviceNumber: SERVICE_NUMBERS[0],
        createdAt: w.clock.now(),
        expiresAt: w.clock.now() + 86_400_000,
      },
      w.clock.now(),
    );
    expect(await text(UK, 'NO')).toEqual({});
    expect((await w.stores.invitations.getInvitation(UK))?.status).toBe('declined');
  });
});

describe('media (MMS) is never carried, only text', () => {
  it('media alone is answered that only text is carried, and nothing is delivered', async () => {
    const alice = await w.user({ connectionId: 'a1' });
    const phone = '+12125550905';
    await text(phone, `@${alice.imNumber} first`);
    expect(await text(phone, '', 1)).toEqual({ reply: REPLIES.mediaOnly });
    expect(texts('a1')).toEqual(['first']);
    expect(w.logs.filter((l) => l.event === LogEvent.SmsMediaDropped)).toEqual([
      { event: LogEvent.SmsMediaDropped, sid: expect.any(String), media: 1 },
    ]);
  });

  it('text with media is delivered with a note of how many items were not', async () => {
    const alice = await w.user({ connectionId: 'a1' });
    const phone = '+12125550906';
    expect(await text(phone, `@${alice.imNumber} look at these`, 3)).toEqual({});
    await text(phone, 'and this', 1);
    expect(texts('a1')).toEqual([`look at these\n${mediaNote(3)}`, `and this\n${mediaNote(1)}`]);
    expect(mediaNote(1)).toBe('[1 attachment not delivered]');
    expect(mediaNote(3)).toBe('[3 attachments not delivered]');
  });

  it('the note always fits within the text limit', () => {
    const long = 'a'.repeat(MAX_TEXT_CHARS + 10);
    const stored = withMediaNote(long, 2);
    expect([...stored].length).toBe(MAX_TEXT_CHARS);
    expect(stored.endsWith(`\n${mediaNote(2)}`)).toBe(true);
    expect(withMediaNote('hi', 0)).toBe('hi');
  });

  it('NumMedia is a count 0 to 10; anything else is 0', () => {
    expect(['0', '1', '10', undefined, '', '11', '-1', '1.5', ' 2', '99999'].map(mediaCount)).toEqual([
      0, 1, 10, 0, 0, 0, 0, 0, 0, 0,
    ]);
  });
});

describe('identifiers from outside are checked for shape', () => {
  const id = 'm' + 'A'.repeat(23);
  it('a status callback m that is no message id is no report', () => {
    for (const m of [
      'x'.repeat(3000),
      '',
      'doesnotexist',
      'm' + 'A'.repeat(22),
      `${id}x`,
      'm\u0000' + 'A'.repeat(22),
    ]) {
      expect(twilioSmsReport(m, { MessageStatus: 'delivered' })).toBeNull();
    }
    expect(twilioSmsReport(id, { MessageStatus: 'delivered' })).toMatchObject({ messageId: id });
  });

  it('an ErrorCode that is not 1 to 6 digits is left out', () => {
    expect(twilioSmsReport(id, { MessageStatus: 'failed', ErrorCode: '3'.repeat(500) })).toEqual({
      messageId: id,
      outcome: 'failed',
      providerStatus: 'failed',
    });
    expect(twilioSmsReport(id, { MessageStatus: 'failed', ErrorCode: '30003' })).toMatchObject({
      errorCode: '30003',
    });
  });

  it('a call whose CallSid or To has another shape is no call', () => {
    const good = { CallSid: 'CA' + 'a'.repeat(32), From: '+14155550100', To: SERVICE_NUMBERS[0] };
    expect(inboundCall(good)).toEqual({ callSid: good.CallSid, from: good.From, to: good.To });
    expect(inboundCall({ ...good, CallSid: 'CA1' })).toBeNull();
    expect(inboundCall({ ...good, CallSid: 'CA' + 'a'.repeat(3000) })).toBeNull();
    expect(inboundCall({ ...good, To: 'x'.repeat(3000) })).toBeNull();
  });
});
