import { handler as inboundSms } from '../../functions/twilio-sms';
import { messageIdFor } from '../../shared/core/ids';
import { handler as sendMessageHandler } from '../../functions/ws-send-message';
import { twoWay } from '../support/connections-server';
import { AUTH_TOKEN, PUBLIC_URL, SERVICE_NUMBERS, startHarness, type Harness } from '../support/harness';
import { twilioPost, wsEvent } from '../support/events';
import { connectDevice, signUp, type TestUser } from '../support/users';

let h: Harness;
// sendMessage is a two-way route: its last frame to the sender comes back as the route response.
const sendMessage = twoWay(sendMessageHandler, () => h.connections);
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());
beforeEach(() => h.connections.clear());

let n = 300;
const newPhone = () => `+1646555${String(++n).padStart(4, '0')}`;
let c = 0;
const newConn = () => `sms-conn-${++c}`;
let sids = 0;
const newSid = () => `SM${String(++sids).padStart(32, '0')}`;
const [N1] = SERVICE_NUMBERS;

/** A phone texts a service number: Twilio's webhook, signed as Twilio signs it. */
async function text(
  from: string,
  body: string,
  opts: { to?: string; sid?: string; signature?: string | null } = {},
) {
  const params = {
    MessageSid: opts.sid ?? newSid(),
    AccountSid: h.deps.config.twilioAccountSid,
    From: from,
    To: opts.to ?? N1,
    Body: body,
    NumMedia: '0',
  };
  const res = await inboundSms(
    twilioPost(PUBLIC_URL, AUTH_TOKEN, '/twilio/sms', params, { signature: opts.signature }),
  );
  // The webhook answers once the text is stored; its routing runs right after, as a check due at once.
  await h.routed();
  return { status: res.statusCode, twiml: res.body ?? '' };
}

const texts = (phone: string) => h.sms.inbox(phone).filter((m) => m.statusCallbackUrl);
const caller = (u: TestUser) => ({ imNumber: u.imNumber, name: u.name });
const messages = (conn: string) => h.connections.framesOf<Record<string, unknown>>(conn, 'message');

describe('SMS → IM', () => {
  it('delivers "@imNumber text" to the online recipient as a message frame with via sms', async () => {
    const alice = await signUp(h, newPhone(), 'alice');
    const bob = await signUp(h, newPhone(), 'bob');
    const b1 = newConn();
    await connectDevice(bob, b1);
    const res = await text(alice.phone, `@${bob.imNumber} hi from my phone`);
    expect(res.status).toBe(200);
    expect(res.twiml).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect(messages(b1)).toEqual([
      expect.objectContaining({
        from: alice.imNumber,
        fromName: 'alice',
        to: bob.imNumber,
        text: 'hi from my phone',
        via: 'sms',
      }),
    ]);
  });

  it('addresses by name, case-insensitively', async () => {
    const alice = await signUp(h, newPhone());
    const bob = await signUp(h, newPhone(), 'Bobby');
    const b1 = newConn();
    await connectDevice(bob, b1);
    await text(alice.phone, '@bobby: by name');
    expect(messages(b1).map((m) => m.text)).toEqual(['by name']);
  });

  it('drops a duplicate webhook with the same MessageSid', async () => {
    const alice = await signUp(h, newPhone());
    const bob = await signUp(h, newPhone());
    const b1 = newConn();
    await connectDevice(bob, b1);
    const sid = newSid();
    await text(alice.phone, `@${bob.imNumber} once only`, { sid });
    const again = await text(alice.phone, `@${bob.imNumber} once only`, { sid });
    expect(again.status).toBe(200);
    expect(messages(b1)).toHaveLength(1);
  });

  it('refuses a forged or missing signature with 403 and stores nothing', async () => {
    const alice = await signUp(h, newPhone());
    const bob = await signUp(h, newPhone());
    const b1 = newConn();
    await connectDevice(bob, b1);
    const sid = newSid();
    const forged = await text(alice.phone, `@${bob.imNumber} forged`, {
      sid,
      signature: 'bm90IGEgc2lnbmF0dXJl',
    });
    const missing = await text(alice.phone, `@${bob.imNumber} unsigned`, { signature: null });
    expect([forged.status, missing.status]).toEqual([403, 403]);
    expect(messages(b1)).toHaveLength(0);
    // The forged attempt claimed nothing: the genuine webhook with that sid still goes through.
    await text(alice.phone, `@${bob.imNumber} genuine`, { sid });
    expect(messages(b1).map((m) => m.text)).toEqual(['genuine']);
  });
});

/**
 * Records the DynamoDB requests the stack sends from here on (operation and key), through a middleware on the
 * real SDK client the stores use. Returns a reader and a stop.
 */
function recordRequests(): {
  requests: () => Array<{ op: string; pk: string; status?: string }>;
  stop: () => void;
} {
  const seen: Array<{ op: string; pk: string; status?: string }> = [];
  const name = `record-${Math.random()}`;
  h.dynamo.middlewareStack.add(
    (next, context) => async (args) => {
      // Before the document client marshals them (plain values) or after (`{ S: … }`): either reads the same.
      const str = (v: unknown) => (typeof v === 'string' ? v : (v as { S?: string } | undefined)?.S);
      const input = args.input as {
        Key?: { pk?: unknown };
        Item?: { pk?: unknown };
        ExpressionAttributeValues?: Record<string, unknown>;
      };
      seen.push({
        op: String(context.commandName).replace(/Command$/, ''),
        pk: str(input.Key?.pk) ?? str(input.Item?.pk) ?? '',
        status: Object.values(input.ExpressionAttributeValues ?? {})
          .map(str)
          .find((v) => v === 'accepted' || v === 'sending_sms'),
      });
      return next(args);
    },
    { step: 'initialize', name },
  );
  return { requests: () => seen, stop: () => h.dynamo.middlewareStack.remove(name) };
}

describe('an inbound text is routed with one conditional write and no read of its row', () => {
  it.each([
    ['IM', true, 'accepted'],
    ['SMS', false, 'sending_sms'],
  ])('judged %s: the route check claims it, reading nothing first', async (_, online, claimedAs) => {
    const alice = await signUp(h, newPhone(), `rq${online}a`);
    const bob = await signUp(h, newPhone(), `rq${online}b`);
    const b1 = newConn();
    if (online) await connectDevice(bob, b1);
    const sid = newSid();
    const rec = recordRequests();
    try {
      await text(alice.phone, `@${bob.imNumber} counted`, { sid });
    } finally {
      rec.stop();
    }
    if (online) expect(messages(b1)).toHaveLength(1);
    else expect(texts(bob.phone)).toHaveLength(1);
    // This text's row only (an earlier test's ack check may fire meanwhile).
    const onMessage = rec.requests().filter((r) => r.pk === `MSG#${messageIdFor('sms', sid)}`);
    // The webhook's Put, then the route check's claim, with nothing read in between (and for SMS, `sent_sms`).
    expect(onMessage.filter((r) => r.op === 'GetItem')).toEqual([]);
    expect(onMessage[0]).toMatchObject({ op: 'PutItem' });
    expect(onMessage[1]).toMatchObject({ op: 'UpdateItem', status: claimedAs });
  });
});

describe('SMS → SMS', () => {
  it('texts an offline recipient, and the reply without a prefix goes back to the sender', async () => {
    const alice = await signUp(h, newPhone(), 'ann');
    const bob = await signUp(h, newPhone(), 'ben');
    await text(alice.phone, `@${bob.imNumber} are you free?`);
    const [toBob] = texts(bob.phone);
    expect(toBob.body).toBe(`ann @${alice.imNumber}: are you free?`);

    await text(bob.phone, 'yes, call me', { to: toBob.from });
    const [toAlice] = texts(alice.phone);
    expect(toAlice.body).toBe(`ben @${bob.imNumber}: yes, call me`);
  });

  it('a plain phone with no account reaches an IM user by @imNumber and can then be answered', async () => {
    const bob = await signUp(h, newPhone());
    const b1 = newConn();
    await connectDevice(bob, b1);
    const plain = newPhone();
    await text(plain, `@${bob.imNumber} hello from a plain phone`);
    const [frame] = messages(b1);
    expect(frame).toMatchObject({
      text: 'hello from a plain phone',
      via: 'sms',
      from: expect.stringMatching(/^\d{8}$/),
    });

    await sendMessage(
      wsEvent('sendMessage', b1, caller(bob), {
        action: 'sendMessage',
        to: frame.from,
        text: 'got it',
        clientId: 'r1',
      }),
    );
    expect(texts(plain).map((m) => m.body)).toEqual([`@${bob.imNumber}: got it`]);
  });
});

describe('keywords and replies', () => {
  it('STOP opts the phone out: no SMS goes to it and the sender gets failed opted_out; START undoes it', async () => {
    const alice = await signUp(h, newPhone());
    const bob = await signUp(h, newPhone());
    const a1 = newConn();
    await connectDevice(alice, a1);
    const stop = await text(bob.phone, 'STOP');
    expect(stop.twiml).toContain('<Message>You are unsubscribed');

    await sendMessage(
      wsEvent('sendMessage', a1, caller(alice), {
        action: 'sendMessage',
        to: bob.imNumber,
        text: 'hi?',
        clientId: 'k1',
      }),
    );
    expect(texts(bob.phone)).toHaveLength(0);
    expect(h.connections.framesOf(a1, 'receipt')).toEqual([
      expect.objectContaining({ status: 'accepted' }),
      expect.objectContaining({ status: 'failed', reason: 'opted_out' }),
    ]);

    const start = await text(bob.phone, 'start');
    expect(start.twiml).toContain('<Message>You are subscribed again');
    await sendMessage(
      wsEvent('sendMessage', a1, caller(alice), {
        action: 'sendMessage',
        to: bob.imNumber,
        text: 'hi again',
        clientId: 'k2',
      }),
    );
    expect(texts(bob.phone)).toHaveLength(1);
  });

  it('treats STOP inside a sentence as an ordinary message', async () => {
    const alice = await signUp(h, newPhone());
    const bob = await signUp(h, newPhone());
    await text(alice.phone, `@${bob.imNumber} stop by at 5`);
    expect(texts(bob.phone).map((m) => m.body)).toEqual([`@${alice.imNumber}: stop by at 5`]);
  });

  it('answers HELP', async () => {
    const res = await text(newPhone(), 'help');
    expect(res.twiml).toContain('<Message>IM by SMS');
  });

  it('answers an unaddressed message from an unknown phone with help, once an hour at most', async () => {
    const phone = newPhone();
    const first = await text(phone, 'hello?');
    const second = await text(phone, 'hello??');
    expect(first.twiml).toContain('<Message>');
    expect(second.twiml).not.toContain('<Message>');
  });

  it('tells a sender the recipient does not exist', async () => {
    const alice = await signUp(h, newPhone());
    const res = await text(alice.phone, '@nobody-here hi');
    expect(res.twiml).toContain('No IM user has that number or name');
  });

  it('asks who a message is for when the phone has no thread on that number', async () => {
    const alice = await signUp(h, newPhone());
    const res = await text(alice.phone, 'no prefix', { to: SERVICE_NUMBERS[2] });
    expect(res.twiml).toContain('Who is this for?');
  });
});
