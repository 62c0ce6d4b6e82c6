import { messageIdFor } from '../../shared/core/ids';
import { eventually } from '../support/e2e-client';
import {
  chatOf,
  connect,
  newSid,
  postWebhook,
  quietly,
  signUp,
  startChaosStack,
  statuses,
  twilioForm,
  type ChaosStack,
} from './support/chaos-stack';
import { crashes, findLeaks, marker } from './support/privacy';

/**
 * Twilio webhooks through the local stack, signed as Twilio signs them: a captured webhook replayed as it
 * was, with another body, to another path; status callbacks and inbound messages out of order.
 */

let cs: ChaosStack;
beforeAll(async () => {
  cs = await startChaosStack({ outsideSandbox: true });
});
afterAll(() => cs.stop());

let n = 200;
const newPhone = () => cs.secrets.phone(`+1415555${String(++n).padStart(4, '0')}`);
const user = (name?: string) => signUp(cs.base, cs.phones, cs.secrets, newPhone(), name);
const text = (t: string) => cs.secrets.text(`${t} ${marker()}`);
const service = () => cs.stack.config.serviceNumbers[0];

/** The inbound SMS webhook Twilio would send for a phone's text. */
const inbound = (from: string, body: string, sid = newSid(), to = service()) => ({
  MessageSid: sid,
  SmsSid: sid,
  AccountSid: cs.stack.config.twilioAccountSid,
  From: from,
  To: to,
  Body: body,
  NumMedia: '0',
});

describe('replayed signatures', () => {
  it('a captured webhook replayed as it was is answered 200 and dropped as a duplicate', async () => {
    const [alice, bob] = [await user(), await user()];
    const b = await connect(cs, bob);
    const captured = twilioForm(cs, '/twilio/sms', inbound(alice.phone, `@${bob.imNumber} ${text('once')}`));

    const first = await postWebhook(cs, captured);
    const replays = await Promise.all([postWebhook(cs, captured), postWebhook(cs, captured)]);

    expect([first.status, ...replays.map((r) => r.status)]).toEqual([200, 200, 200]);
    await b.waitFor((f) => f.type === 'message');
    expect(await quietly(300, () => b.of('message').length)).toBe(1);
  });

  it('the same signature over another body, another sid or another sender is refused with 403', async () => {
    const [alice, bob, mallory] = [await user(), await user(), await user()];
    const b = await connect(cs, bob);
    const params = inbound(alice.phone, `@${bob.imNumber} ${text('genuine')}`);
    const captured = twilioForm(cs, '/twilio/sms', params);
    const tampered = [
      { ...params, Body: `@${bob.imNumber} ${text('tampered')}` },
      { ...params, MessageSid: newSid() },
      { ...params, From: mallory.phone },
      { ...params, To: cs.stack.config.serviceNumbers[1] },
      { ...params, Extra: 'added' },
    ];

    const answers = await Promise.all(
      tampered.map((p) =>
        postWebhook(cs, { ...captured, body: new URLSearchParams(p).toString() }).then((r) => r.status),
      ),
    );

    expect(answers).toEqual([403, 403, 403, 403, 403]);
    expect(await quietly(300, () => b.of('message'))).toEqual([]);
    // Nothing was claimed by the refused copies: the genuine webhook still goes through, once.
    expect((await postWebhook(cs, captured)).status).toBe(200);
    const got = await b.waitFor((f) => f.type === 'message');
    expect(got.text).toBe([...cs.secrets.texts].find((t) => t.startsWith('genuine')));
  });

  it('an inbound signature replayed to the status callback path (or back) is refused with 403', async () => {
    const [alice, carol] = [await user(), await user()];
    const a = await connect(cs, alice);
    a.send({ action: 'sendMessage', to: carol.imNumber, text: text('status'), clientId: 'sig-1' });
    await a.waitFor((f) => f.clientId === 'sig-1' && f.status === 'delivered_sms');
    const id = messageIdFor('im', alice.imNumber, 'sig-1');
    const params = { MessageSid: newSid(), MessageStatus: 'undelivered', ErrorCode: '30003' };
    const forStatus = twilioForm(cs, '/twilio/sms/status', params, { query: `m=${id}` });
    const forInbound = twilioForm(cs, '/twilio/sms', params);

    const answers = [
      await postWebhook(cs, { ...forInbound, url: forStatus.url }),
      await postWebhook(cs, { ...forStatus, url: '/twilio/sms' }),
      await postWebhook(cs, { ...forStatus, url: `/twilio/sms/status?m=${id}&m=x` }),
      await postWebhook(cs, { ...forStatus, url: '/twilio/sms/status?m=mNotThatMessage0000000000' }),
    ].map((r) => r.status);

    expect(answers).toEqual([403, 403, 403, 403]);
    expect(await cs.store.messages.getMessage(id)).toMatchObject({ status: 'delivered_sms' });
    expect(statuses(a, 'sig-1')).toEqual(['accepted', 'sent_sms', 'delivered_sms']);
  });

  it('a signature over another host, another token, or none at all is refused with 403', async () => {
    const [alice, bob] = [await user(), await user()];
    const b = await connect(cs, bob);
    const params = inbound(alice.phone, `@${bob.imNumber} ${text('host')}`);
    const variants = [
      twilioForm(cs, '/twilio/sms', params, { signedUrl: 'https://evil.example/twilio/sms' }),
      twilioForm(cs, '/twilio/sms', params, { authToken: 'another-auth-token' }),
      { ...twilioForm(cs, '/twilio/sms', params), signature: null },
      { ...twilioForm(cs, '/twilio/sms', params), signature: '' },
    ];

    const answers = [];
    for (const v of variants) answers.push((await postWebhook(cs, v)).status);

    expect(answers).toEqual([403, 403, 403, 403]);
    expect(await quietly(300, () => b.of('message'))).toEqual([]);
  });
});

describe('out-of-order webhooks', () => {
  it('status callbacks that overtake the provider answer still end at delivered_sms, with one SMS', async () => {
    const [alice, carol] = [await user(), await user()];
    const a = await connect(cs, alice);
    // The provider takes the SMS at once but answers the create only after its callbacks came back.
    cs.sandbox!.plan = (call) =>
      call.to === carol.phone ? { kind: 'hang', accept: true, answerAfterMs: 600 } : { kind: 'pass' };
    try {
      a.send({ action: 'sendMessage', to: carol.imNumber, text: text('overtaken'), clientId: 'ooo-1' });
      await a.waitFor((f) => f.clientId === 'ooo-1' && f.status === 'delivered_sms');
    } finally {
      cs.sandbox!.plan = () => ({ kind: 'pass' });
    }
    const id = messageIdFor('im', alice.imNumber, 'ooo-1');

    const stored = await eventually(async () => {
      const m = await cs.store.messages.getMessage(id);
      return m?.sms?.sid ? m : undefined;
    });

    expect(stored).toMatchObject({ status: 'delivered_sms', path: ['sms'] });
    expect(stored.sms?.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect((await chatOf(cs.phones, carol.phone)).length).toBe(1);
    expect(await quietly(300, () => statuses(a, 'ooo-1'))).toEqual(['accepted', 'delivered_sms']);
  });

  it('late, repeated and contradicting callbacks after delivered_sms change nothing', async () => {
    const [alice, carol] = [await user(), await user()];
    const a = await connect(cs, alice);
    a.send({ action: 'sendMessage', to: carol.imNumber, text: text('late'), clientId: 'ooo-2' });
    await a.waitFor((f) => f.clientId === 'ooo-2' && f.status === 'delivered_sms');
    const id = messageIdFor('im', alice.imNumber, 'ooo-2');
    const sid = (await cs.store.messages.getMessage(id))!.sms!.sid!;
    const callback = (status: string, extra: Record<string, string> = {}) =>
      postWebhook(
        cs,
        twilioForm(
          cs,
          '/twilio/sms/status',
          { MessageSid: sid, MessageStatus: status, ...extra },
          { query: `m=${id}` },
        ),
      );

    const answers = [];
    for (const s of ['queued', 'sent', 'delivered', 'undelivered', 'failed', 'delivered']) {
      answers.push(
        (await callback(s, s === 'undelivered' || s === 'failed' ? { ErrorCode: '30003' } : {})).status,
      );
    }

    expect(answers).toEqual([200, 200, 200, 200, 200, 200]);
    expect(await cs.store.messages.getMessage(id)).toMatchObject({ status: 'delivered_sms' });
    expect(await quietly(300, () => statuses(a, 'ooo-2'))).toEqual(['accepted', 'sent_sms', 'delivered_sms']);
  });

  it('a callback for a message that does not exist is answered and stores nothing', async () => {
    const id = 'mNoSuchMessage0000000000';
    const res = await postWebhook(
      cs,
      twilioForm(
        cs,
        '/twilio/sms/status',
        { MessageSid: newSid(), MessageStatus: 'delivered' },
        { query: `m=${id}` },
      ),
    );

    expect(res.status).toBe(200);
    expect(await cs.store.messages.getMessage(id)).toBeNull();
  });

  it('inbound texts delivered in reverse order arrive once each; a late retry does not move the thread', async () => {
    const [phone, ann, ben] = [await user(), await user('ann'), await user('ben')];
    const [a, b] = [await connect(cs, ann), await connect(cs, ben)];
    const toAnn = twilioForm(cs, '/twilio/sms', inbound(phone.phone, `@ann ${text('first')}`));
    const toBen = twilioForm(cs, '/twilio/sms', inbound(phone.phone, `@ben ${text('second')}`));

    // Twilio sent "@ann" then "@ben"; the webhooks arrive the other way round, then "@ben"'s is retried late.
    expect((await postWebhook(cs, toBen)).status).toBe(200);
    expect((await postWebhook(cs, toAnn)).status).toBe(200);
    await Promise.all([a.waitFor((f) => f.type === 'message'), b.waitFor((f) => f.type === 'message')]);
    const threadBefore = (await cs.store.users.getUser(phone.imNumber))!.threads[service()];
    expect((await postWebhook(cs, toBen)).status).toBe(200);

    expect(await quietly(300, () => [a.of('message').length, b.of('message').length])).toEqual([1, 1]);
    expect((await cs.store.users.getUser(phone.imNumber))!.threads[service()]).toEqual(threadBefore);
    // A reply without a prefix goes to the contact of the last text that was actually routed.
    const reply = text('reply');
    await postWebhook(cs, twilioForm(cs, '/twilio/sms', inbound(phone.phone, reply)));
    const last = threadBefore.peer === ann.imNumber ? a : b;
    await last.waitFor((f) => f.type === 'message' && f.text === reply);
  });
});

describe('the run', () => {
  it('logged no phone number, code or message text, and no handler crashed', () => {
    expect(cs.logs.length).toBeGreaterThan(50);
    expect(findLeaks(cs.logs, cs.secrets)).toEqual([]);
    expect(crashes(cs.logs)).toEqual([]);
  });
});
