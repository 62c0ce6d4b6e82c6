import { receiveSms, REPLIES } from '../../../shared/core/im-sms/receive';
import { coreWorld, SERVICE_NUMBERS, type CoreWorld } from '../../support/core-deps';

/** IM-SMS receive on in-memory ports: keywords, addressing, threads, plain phones, rate-limited replies. */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

let sids = 0;
const text = (from: string, body: string, to = SERVICE_NUMBERS[0]) =>
  receiveSms(w.deps, { messageSid: `SM${++sids}`, from, to, body });
const messages = () => [...w.stores.table.messages.values()];

describe('keywords', () => {
  it('STOP opts the phone and its user out, START back in, each answered', async () => {
    const bob = await w.user();
    expect(await text(bob.phone, 'stop')).toEqual({ reply: REPLIES.stop });
    expect((await w.stores.users.getUser(bob.imNumber))!.optedOut).toBe(true);
    expect((await w.stores.users.getPhone(bob.phone))!.optedOut).toBe(true);
    expect(await text(bob.phone, 'START')).toEqual({ reply: REPLIES.start });
    expect((await w.stores.users.getUser(bob.imNumber))!.optedOut).toBe(false);
  });

  it('records STOP from a phone with no account, and a redelivered keyword does nothing twice', async () => {
    await receiveSms(w.deps, {
      messageSid: 'SM-k',
      from: '+12125550999',
      to: SERVICE_NUMBERS[0],
      body: 'STOP',
    });
    expect(
      await receiveSms(w.deps, {
        messageSid: 'SM-k',
        from: '+12125550999',
        to: SERVICE_NUMBERS[0],
        body: 'STOP',
      }),
    ).toEqual({});
    expect(await w.stores.users.getPhone('+12125550999')).toMatchObject({ optedOut: true });
  });
});

describe('addressing', () => {
  it('routes @imNumber, @name and @u<imNumber> to the user, by IM when online', async () => {
    const alice = await w.user();
    const bob = await w.user({ name: 'bobby', connectionId: 'b1' });
    await text(alice.phone, `@${bob.imNumber} one`);
    await text(alice.phone, '@BOBBY two');
    await text(alice.phone, `@u${bob.imNumber} three`);
    expect(w.im.eventsOf('b1', 'message').map((e) => [e.message.text, e.message.via])).toEqual([
      ['one', 'sms'],
      ['two', 'sms'],
      ['three', 'sms'],
    ]);
  });

  it('binds the thread, so a reply without a prefix reaches the same contact', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    await text(alice.phone, `@${bob.imNumber} first`, SERVICE_NUMBERS[1]);
    await text(alice.phone, 'and again', SERVICE_NUMBERS[1]);
    expect(w.im.eventsOf('b1', 'message').map((e) => e.message.text)).toEqual(['first', 'and again']);
    expect(await text(alice.phone, 'other number', SERVICE_NUMBERS[0])).toEqual({ reply: REPLIES.noPeer });
  });

  it('gives a plain phone an account on its first addressed message', async () => {
    const bob = await w.user({ connectionId: 'b1' });
    await text('+13125550100', `@${bob.imNumber} hello from a phone`);
    const [m] = messages();
    expect(m).toMatchObject({ to: bob.imNumber, via: 'sms', text: 'hello from a phone' });
    expect(await w.stores.users.userOfPhone('+13125550100')).toBe(m.from);
    expect(m.fromName).toBe(`u${m.from}`);
  });

  it('answers an unknown recipient once an hour, and stores nothing', async () => {
    const alice = await w.user();
    expect(await text(alice.phone, '@nobody hi')).toEqual({ reply: REPLIES.unknownRecipient });
    expect(await text(alice.phone, '@nobody hi')).toEqual({});
    w.clock.advance(60 * 60 * 1000);
    expect(await text(alice.phone, '@nobody hi')).toEqual({ reply: REPLIES.unknownRecipient });
    expect(messages()).toEqual([]);
  });

  it('answers an empty message, and a redelivered message is routed once', async () => {
    const alice = await w.user();
    const bob = await w.user({ connectionId: 'b1' });
    expect(await text(alice.phone, `@${bob.imNumber}`)).toEqual({ reply: REPLIES.empty });
    const sms = {
      messageSid: 'SM-dup',
      from: alice.phone,
      to: SERVICE_NUMBERS[0],
      body: `@${bob.imNumber} x`,
    };
    await receiveSms(w.deps, sms);
    await receiveSms(w.deps, sms);
    expect(w.im.eventsOf('b1', 'message')).toHaveLength(1);
  });
});
