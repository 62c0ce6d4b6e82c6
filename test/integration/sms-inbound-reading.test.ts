import { handler as inboundSms } from '../../functions/twilio-sms';
import { handler as statusCallback } from '../../functions/twilio-sms-status';
import { handler as dialStatus } from '../../functions/twilio-voice-dial-status';
import { handler as voice } from '../../functions/twilio-voice';
import { mediaNote } from '../../shared/core/conversion/message-text';
import { messageIdFor } from '../../shared/core/ids';
import { REPLIES } from '../../shared/core/im-sms/receive';
import { AUTH_TOKEN, PUBLIC_URL, SERVICE_NUMBERS, startHarness, type Harness } from '../support/harness';
import { twilioPost } from '../support/events';
import { connectDevice, signUp } from '../support/users';

/**
 * The plain-phone side read the way the rules say, through the real Twilio webhook handlers (signed as Twilio
 * signs) on the real DynamoDB adapter against dynalite: a full-width or zero-width-prefixed address, YES on a
 * thread, a phone outside SMS_COUNTRIES, MMS, and identifiers of the wrong shape or length.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());
beforeEach(() => h.connections.clear());

let n = 700;
const newPhone = () => `+1646555${String(++n).padStart(4, '0')}`;
let c = 0;
const newConn = () => `read-conn-${++c}`;
let sids = 0;
const newSid = (prefix = 'SM') => `${prefix}${String(++sids).padStart(32, 'a')}`;
const [N1] = SERVICE_NUMBERS;
const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>';
const UK = '+447700900456';

/** A phone texts a service number: Twilio's inbound webhook, signed. */
async function text(from: string, body: string, extra: Record<string, string> = {}) {
  const params = {
    MessageSid: newSid(),
    AccountSid: h.deps.config.twilioAccountSid,
    From: from,
    To: N1,
    Body: body,
    NumMedia: '0',
    ...extra,
  };
  const res = await inboundSms(twilioPost(PUBLIC_URL, AUTH_TOKEN, '/twilio/sms', params));
  await h.routed();
  return { status: res.statusCode, twiml: res.body ?? '', sid: params.MessageSid };
}
const reply = (text: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Response><Message>${text}</Message></Response>`;
const messages = (conn: string) =>
  h.connections.framesOf<Record<string, unknown>>(conn, 'message').map((m) => m.text);

describe('the address is read after NFKC and without format characters', () => {
  it('a full-width ＠, a zero-width space before @ and a full-width imNumber reach the person named', async () => {
    const alice = await signUp(h, newPhone(), 'alicew');
    const bob = await signUp(h, newPhone(), 'bobwide');
    const [a1, b1] = [newConn(), newConn()];
    await connectDevice(alice, a1);
    await connectDevice(bob, b1);
    const phone = newPhone();
    await text(phone, `@${alice.imNumber} hi alice`);
    await text(phone, '\uff20bobwide hi bob (full-width at)');
    await text(phone, '\u200b@bobwide hi bob (zero-width space first)');
    const wide = [...bob.imNumber].map((d) => String.fromCharCode(0xff10 + Number(d))).join('');
    await text(phone, `\uff20${wide} \uff48\uff49 by number`);
    expect(messages(a1)).toEqual(['hi alice']);
    expect(messages(b1)).toEqual([
      'hi bob (full-width at)',
      'hi bob (zero-width space first)',
      '\uff48\uff49 by number',
    ]);
  });
});

describe('YES on a thread', () => {
  it('from a phone that never opted out reaches the contact, with no "subscribed again"', async () => {
    const alice = await signUp(h, newPhone());
    const a1 = newConn();
    await connectDevice(alice, a1);
    const phone = newPhone();
    await text(phone, `@${alice.imNumber} can we meet?`);
    for (const body of ['Yes', 'yes!']) expect((await text(phone, body)).twiml).toBe(EMPTY);
    expect(messages(a1)).toEqual(['can we meet?', 'Yes', 'yes!']);
  });

  it('from an opted-out phone is START', async () => {
    const alice = await signUp(h, newPhone());
    const a1 = newConn();
    await connectDevice(alice, a1);
    const phone = newPhone();
    await text(phone, `@${alice.imNumber} hello`);
    expect((await text(phone, 'STOP')).twiml).toBe(reply(REPLIES.stop));
    expect((await text(phone, 'Yes')).twiml).toBe(reply(REPLIES.start));
    expect((await h.store.users.getPhone(phone))?.optedOut).toBe(false);
    expect(messages(a1)).toEqual(['hello']);
  });
});

describe('a phone outside SMS_COUNTRIES', () => {
  it('gets an empty <Response/> to everything, no SMS, and the log has its country code, not its number', async () => {
    const alice = await signUp(h, newPhone());
    const before = h.logs.length;
    for (const body of [`@${alice.imNumber} hello`, 'HELP', 'hi there', 'STOP', 'START', 'YES', 'no']) {
      const res = await text(UK, body);
      expect([body, res.status, res.twiml]).toEqual([body, 200, EMPTY]);
    }
    expect(h.sms.inbox(UK)).toEqual([]);
    const lines = h.logs.slice(before).join('\n');
    expect(lines).toContain('"countryCode":"44"');
    expect(lines).not.toContain('7700900456');
  });
});

describe('MMS', () => {
  it('media alone is answered that only text is carried, and nothing is delivered', async () => {
    const alice = await signUp(h, newPhone());
    const a1 = newConn();
    await connectDevice(alice, a1);
    const phone = newPhone();
    await text(phone, `@${alice.imNumber} first`);
    const res = await text(phone, '', {
      MessageSid: newSid('MM'),
      NumMedia: '1',
      MediaContentType0: 'image/jpeg',
      MediaUrl0: 'https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME',
    });
    expect(res.twiml).toBe(reply(REPLIES.mediaOnly));
    expect(messages(a1)).toEqual(['first']);
  });

  it('text with media is delivered, and the copy says how many attachments were not', async () => {
    const alice = await signUp(h, newPhone());
    const a1 = newConn();
    await connectDevice(alice, a1);
    const res = await text(newPhone(), `@${alice.imNumber} look`, {
      MessageSid: newSid('MM'),
      NumMedia: '2',
    });
    expect(res.twiml).toBe(EMPTY);
    expect(messages(a1)).toEqual([`look\n${mediaNote(2)}`]);
  });
});

describe('identifiers of the wrong shape or length are answered 200 and change nothing', () => {
  it('an oversized or malformed MessageSid or To on an inbound text', async () => {
    const bob = await signUp(h, newPhone());
    const b1 = newConn();
    await connectDevice(bob, b1);
    const phone = newPhone();
    const cases: Array<Record<string, string>> = [
      { MessageSid: 'SM' + 'a'.repeat(3000) },
      { MessageSid: 'SMx' },
      { To: 'x'.repeat(3000) },
    ];
    for (const extra of cases) {
      const res = await text(phone, `@${bob.imNumber} hi`, extra);
      expect(res).toMatchObject({ status: 200, twiml: EMPTY });
      if (extra.MessageSid)
        expect(await h.store.messages.getMessage(messageIdFor('sms', extra.MessageSid))).toBeNull();
    }
    expect(messages(b1)).toEqual([]);
    expect(await h.store.users.userOfPhone(phone)).toBeNull();
  });

  it('a status callback m of 3000 characters, or of another shape; `read` counts as delivered', async () => {
    const bob = await signUp(h, newPhone());
    const { sid } = await text(newPhone(), `@${bob.imNumber} to an offline user`);
    const id = messageIdFor('sms', sid);
    expect((await h.store.messages.getMessage(id))?.status).toBe('sent_sms');
    const post = (m: string, status: string) =>
      statusCallback(
        twilioPost(
          PUBLIC_URL,
          AUTH_TOKEN,
          '/twilio/sms/status',
          { MessageSid: newSid(), MessageStatus: status },
          { query: `m=${encodeURIComponent(m)}` },
        ),
      );
    for (const m of ['x'.repeat(3000), `${id}x`, id.slice(0, -1), '\u0000\u00ff']) {
      const res = await post(m, 'delivered');
      expect([res.statusCode, res.body]).toEqual([200, EMPTY]);
    }
    expect((await h.store.messages.getMessage(id))?.status).toBe('sent_sms');
    expect((await post(id, 'read')).statusCode).toBe(200);
    expect((await h.store.messages.getMessage(id))?.status).toBe('delivered_sms');
  });

  it('a voice webhook with an oversized CallSid hangs up and stores no missed-call note', async () => {
    const alice = await signUp(h, newPhone());
    const bob = await signUp(h, newPhone());
    const callSid = 'CA' + 'b'.repeat(3000);
    const res = await dialStatus(
      twilioPost(
        PUBLIC_URL,
        AUTH_TOKEN,
        '/twilio/voice/dial-status',
        { CallSid: callSid, DialCallStatus: 'no-answer' },
        { query: `caller=${alice.imNumber}&callee=${bob.imNumber}` },
      ),
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<Hangup/>');
    expect(await h.store.messages.getMessage(messageIdFor('sms', 'missed-call', callSid))).toBeNull();
    const call = await voice(
      twilioPost(PUBLIC_URL, AUTH_TOKEN, '/twilio/voice', { CallSid: callSid, From: alice.phone, To: N1 }),
    );
    expect(call.statusCode).toBe(200);
    expect(call.body).toContain('<Hangup/>');
  });
});
