import { SmsSendError } from '../../../shared/core/ports';
import { findOrCreateUser } from '../../../shared/core/provisioning/accounts';
import {
  clientOf,
  OTP_MAX_TRIES,
  OTP_PHONE_DAILY_TEXTS,
  OTP_RESERVE_WINDOW_MS,
  OTP_SENDS_PER_CODE,
  OTP_TRIES_PER_ADDRESS,
  OTP_TRY_WINDOW_MS,
  OTP_TTL_MS,
} from '../../../shared/core/provisioning/codes';
import { nameKey } from '../../../shared/core/provisioning/names';
import { startAuth, verifyAuth } from '../../../shared/core/provisioning/sign-in';
import { verifyToken } from '../../../shared/core/provisioning/tokens';
import { coreWorld, JWT_SECRET, type CoreWorld } from '../../support/core-deps';

/** Provisioning on in-memory ports: codes, their limits, sign-in and account creation. */
let w: CoreWorld;
beforeEach(() => {
  w = coreWorld();
});

const PHONE = '+14155550100';
const OWNER_IP = '198.51.100.1';
const codeIn = (phone: string) => /\b(\d{6})\b/.exec(w.sms.inbox(phone).at(-1)!.body)![1];

describe('sign-in codes', () => {
  it.each([
    ['full-width', (c: string) => c.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))],
    ['spaced', (c: string) => `${c.slice(0, 3)} ${c.slice(3)}`],
    ['with invisible marks', (c: string) => `\u202d${c}\u200b`],
  ])('reads a %s code as typed input is read', async (_how, typed) => {
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const out = await verifyAuth(w.deps, { phone: PHONE, code: typed(codeIn(PHONE)), sourceIp: OWNER_IP });
    expect(out.user.phone).toBe(PHONE);
  });

  it('answers sms_failed when no try got through and the provider cannot be asked (it said ok before)', async () => {
    const down = () => new SmsSendError('twilio request failed: TypeError', true);
    w.sms.failNext = [down(), down(), down(), down(), down()];
    w.sms.failNextFind = [down(), down(), down(), down(), down()];
    await expect(startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP })).rejects.toMatchObject({
      code: 'sms_failed',
    });
    expect(w.sms.inbox(PHONE)).toEqual([]);
  });

  it('a try that got no answer (a timeout) is not tried again: one send, sms_failed, and asking again sends the same code', async () => {
    const timedOut = () => new SmsSendError('twilio request failed: TimeoutError', true, undefined, true);
    w.sms.failNext = [timedOut(), timedOut(), timedOut()];
    await expect(startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP })).rejects.toMatchObject({
      code: 'sms_failed',
      message: expect.stringContaining('may not have been sent'),
    });
    // One try used: the provider may still be taking it, so a lookup that finds nothing proves nothing.
    expect(w.sms.failNext).toHaveLength(2);
    w.sms.failNext = [];
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const out = await verifyAuth(w.deps, { phone: PHONE, code: codeIn(PHONE), sourceIp: OWNER_IP });
    expect(out.user.phone).toBe(PHONE);
  });

  it('sends a code that verifies once, creating the account with a default name', async () => {
    await startAuth(w.deps, { phone: PHONE, sourceIp: '198.51.100.1' });
    const code = codeIn(PHONE);
    expect(JSON.stringify([...w.stores.table.otps.values()])).not.toContain(code);
    const out = await verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP });
    expect(out.user).toEqual({ imNumber: out.user.imNumber, name: `u${out.user.imNumber}`, phone: PHONE });
    expect(await verifyToken(JWT_SECRET, out.token, w.clock.now())).toEqual({
      imNumber: out.user.imNumber,
      name: out.user.name,
    });
    await expect(verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP })).rejects.toMatchObject({
      code: 'code_expired',
    });
  });

  it('locks an address out of a phone after its tries, not the phone: the owner elsewhere still signs in', async () => {
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const code = codeIn(PHONE);
    const wrong = code === '000000' ? '111111' : '000000';
    const stranger = { phone: PHONE, sourceIp: '203.0.113.66' };
    for (let i = 0; i < OTP_TRIES_PER_ADDRESS; i++)
      await expect(verifyAuth(w.deps, { ...stranger, code: wrong })).rejects.toMatchObject({
        code: 'wrong_code',
      });
    await expect(verifyAuth(w.deps, { ...stranger, code })).rejects.toMatchObject({
      code: 'too_many_tries',
      kind: 'rate_limited',
    });
    // The phone is not locked: the owner is sent the same live code and signs in with it.
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    expect(codeIn(PHONE)).toBe(code);
    await expect(verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP })).resolves.toMatchObject({
      user: { phone: PHONE },
    });
  });

  it('an address gets its tries back after the window, and an expired code is refused', async () => {
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const code = codeIn(PHONE);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < OTP_TRIES_PER_ADDRESS; i++)
      await expect(
        verifyAuth(w.deps, { phone: PHONE, code: wrong, sourceIp: OWNER_IP }),
      ).rejects.toMatchObject({
        code: 'wrong_code',
      });
    await expect(verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP })).rejects.toMatchObject({
      code: 'too_many_tries',
    });
    w.clock.advance(OTP_TTL_MS);
    // An expired code is said to be expired, even to a locked-out address: there is nothing to try.
    await expect(verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP })).rejects.toThrow(
      /the code for this phone expired/,
    );
    w.clock.advance(OTP_TRY_WINDOW_MS);
    w.ids.codes.push('112358');
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    await expect(
      verifyAuth(w.deps, { phone: PHONE, code: '112358', sourceIp: OWNER_IP }),
    ).resolves.toMatchObject({ user: { phone: PHONE } });
  });

  it('counts an IPv6 client by its /64: rotating addresses inside it gives no more tries', async () => {
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const code = codeIn(PHONE);
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = [];
    for (let i = 1; i <= OTP_TRIES_PER_ADDRESS + 1; i++)
      answers.push(
        await verifyAuth(w.deps, {
          phone: PHONE,
          code: wrong,
          sourceIp: `2001:db8:7:1::${i.toString(16)}`,
        }).catch((err: { code: string }) => err.code),
      );
    expect(answers).toEqual([...Array(OTP_TRIES_PER_ADDRESS).fill('wrong_code'), 'too_many_tries']);
    // Another /64 is another client; the owner signs in.
    await expect(
      verifyAuth(w.deps, { phone: PHONE, code, sourceIp: '2001:db8:7:2::1' }),
    ).resolves.toMatchObject({ user: { phone: PHONE } });
  });

  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0DB8:0001:0002:0003:4:5:6', '2001:db8:1:2::/64'],
    ['::ffff:198.51.100.3', '198.51.100.3'],
    ['::1', '0:0:0:0::/64'],
  ])('reads the client of %p as %p', (address, client) => expect(clientOf(address)).toBe(client));

  it('with no code to try (none sent, expired, dead, used) answers code_expired and counts nothing', async () => {
    const tries = () => [...w.stores.table.rates.entries()].filter(([k]) => k.startsWith('otp-try:'));
    const wrong = (code: string) => (code === '000000' ? '111111' : '000000');
    const sixTimes = async (code: string, message: RegExp) => {
      for (let i = 0; i < OTP_TRIES_PER_ADDRESS + 1; i++)
        await expect(verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP })).rejects.toMatchObject({
          code: 'code_expired',
          kind: 'unauthorized',
          message: expect.stringMatching(message),
        });
    };
    await sixTimes('123456', /no code is pending/); // none sent
    expect(tries()).toEqual([]);

    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const expiring = codeIn(PHONE);
    w.clock.advance(OTP_TTL_MS);
    await sixTimes(expiring, /expired/);
    expect(tries()).toEqual([]);

    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const dying = codeIn(PHONE);
    for (let i = 0; i < OTP_MAX_TRIES; i++) {
      const sourceIp = `203.0.113.${Math.floor(i / OTP_TRIES_PER_ADDRESS)}`;
      await verifyAuth(w.deps, { phone: PHONE, code: wrong(dying), sourceIp }).catch(() => undefined);
    }
    const killers = tries().length;
    await sixTimes(dying, /too many wrong tries/);
    expect(tries()).toHaveLength(killers); // the owner's address was not counted

    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const used = codeIn(PHONE);
    await verifyAuth(w.deps, { phone: PHONE, code: used, sourceIp: OWNER_IP });
    const afterUse = JSON.stringify(tries());
    await sixTimes(used, /no code is pending/);
    expect(JSON.stringify(tries())).toBe(afterUse);
  });

  it('a code dies after its tries from all addresses; the next request sends a new code, no lock', async () => {
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const code = codeIn(PHONE);
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < OTP_MAX_TRIES; i++) {
      const sourceIp = `203.0.113.${Math.floor(i / OTP_TRIES_PER_ADDRESS)}`;
      await expect(verifyAuth(w.deps, { phone: PHONE, code: wrong, sourceIp })).rejects.toMatchObject({
        code: 'wrong_code',
      });
    }
    await expect(verifyAuth(w.deps, { phone: PHONE, code, sourceIp: OWNER_IP })).rejects.toMatchObject({
      code: 'code_expired',
    });
    w.ids.codes.push('654321');
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    const fresh = codeIn(PHONE);
    expect(fresh).toBe('654321');
    await expect(
      verifyAuth(w.deps, { phone: PHONE, code: fresh, sourceIp: OWNER_IP }),
    ).resolves.toMatchObject({
      user: { phone: PHONE },
    });
  });

  it("limits codes per address and phone: a stranger's fourth in ten minutes is refused and not sent", async () => {
    const other = '+14155550101';
    // Two phones, so that no code's own limit of texts comes first: 3 texts to each from one address.
    for (let i = 0; i < 3; i++) await startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.66' });
    w.clock.advance(OTP_TTL_MS); // the code expired: the next request would make a new one
    await expect(startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.66' })).resolves.toBeUndefined();
    for (let i = 0; i < 2; i++) await startAuth(w.deps, { phone: other, sourceIp: '203.0.113.66' });
    w.clock.advance(OTP_TTL_MS);
    // 4 texts to PHONE from this address today, 3 to the other; 6 a day per address and phone.
    await startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.66' });
    await startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.66' });
    await expect(startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.66' })).rejects.toMatchObject({
      code: 'too_many_requests',
    });
    expect(w.sms.inbox(PHONE)).toHaveLength(6);
  });

  it("a stranger's requests do not lock the owner out: the owner gets the same live code and signs in", async () => {
    for (let i = 0; i < 2; i++) await startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.66' });
    const first = codeIn(PHONE);
    await startAuth(w.deps, { phone: PHONE, sourceIp: '198.51.100.1' });
    expect(codeIn(PHONE)).toBe(first);
    expect(new Set(w.sms.inbox(PHONE).map((m) => /\d{6}/.exec(m.body)![0]))).toEqual(new Set([first]));
    await expect(
      verifyAuth(w.deps, { phone: PHONE, code: first, sourceIp: OWNER_IP }),
    ).resolves.toMatchObject({
      user: { phone: PHONE },
    });
  });
});

describe('the phone\'s codes under many addresses (docs/design.md, "Sign-in codes")', () => {
  /** /auth/start from a fresh address each time: what a stranger with many addresses can do. */
  let address = 0;
  const fromAnywhere = () =>
    startAuth(w.deps, { phone: PHONE, sourceIp: `2001:db8:${(++address).toString(16)}::1` });
  const outcome = (p: Promise<void>) =>
    p.then(
      () => 'sent',
      (err: { code: string }) => err.code,
    );

  it(`texts one code at most ${OTP_SENDS_PER_CODE} times; later requests while it lives cost nothing`, async () => {
    const answers = [];
    for (let i = 0; i < 50; i++) answers.push(await outcome(fromAnywhere()));
    expect(answers).toEqual([
      ...Array(OTP_SENDS_PER_CODE).fill('sent'),
      ...Array(50 - OTP_SENDS_PER_CODE).fill('code_pending'),
    ]);
    expect(w.sms.inbox(PHONE)).toHaveLength(OTP_SENDS_PER_CODE);
    // Nothing was counted for the refused ones: once the code expires, the phone's budget is nearly whole.
    w.clock.advance(OTP_TTL_MS);
    for (let i = 0; i < OTP_PHONE_DAILY_TEXTS - OTP_SENDS_PER_CODE; i++) {
      if (i % OTP_SENDS_PER_CODE === 0) w.clock.advance(OTP_TTL_MS);
      expect(await outcome(fromAnywhere())).toBe('sent');
    }
  });

  it('past the open budget, the reserve sends one new code an hour when none is live; the owner signs in', async () => {
    // Strangers spend the open budget: a new code each time the last one expires, each texted 3 times.
    let texts = 0;
    while (texts < OTP_PHONE_DAILY_TEXTS) {
      if ((await outcome(fromAnywhere())) === 'sent') texts++;
      else w.clock.advance(OTP_TTL_MS);
    }
    // A live code, the budget spent: told to use it, nothing texted.
    expect(await outcome(fromAnywhere())).toBe('code_pending');
    w.clock.advance(OTP_TTL_MS);
    // No live code: the reserve sends one new code (to the phone: whoever asked, the owner has it)...
    w.ids.codes.push('246810');
    expect(await outcome(fromAnywhere())).toBe('sent');
    expect(codeIn(PHONE)).toBe('246810');
    expect(await outcome(fromAnywhere())).toBe('code_pending'); // ...and no resend past the budget
    w.clock.advance(OTP_TTL_MS);
    // One a window: the next is refused, saying when it can go.
    const refused = startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    await expect(refused).rejects.toMatchObject({ code: 'too_many_requests' });
    await expect(refused).rejects.toThrow(/the next can be sent at \d\d:\d\d UTC/);
    const sent = w.sms.inbox(PHONE).length;
    w.clock.advance(OTP_RESERVE_WINDOW_MS);
    w.ids.codes.push('135791');
    await startAuth(w.deps, { phone: PHONE, sourceIp: OWNER_IP });
    expect(w.sms.inbox(PHONE)).toHaveLength(sent + 1);
    await expect(
      verifyAuth(w.deps, { phone: PHONE, code: '135791', sourceIp: OWNER_IP }),
    ).resolves.toMatchObject({ user: { phone: PHONE } });
  });

  it('bounds the texts a phone gets in a day, whatever the number of addresses', async () => {
    const DAY = 24 * 60 * 60 * 1000;
    const dayEnd = Math.floor(w.clock.now() / DAY) * DAY + DAY;
    while (w.clock.now() + 60_000 < dayEnd) {
      for (let i = 0; i < 5; i++) await outcome(fromAnywhere());
      w.clock.advance(60_000);
    }
    const hoursLeft = Math.ceil((dayEnd - 1_800_000_000_000) / OTP_RESERVE_WINDOW_MS);
    expect(w.sms.inbox(PHONE).length).toBeLessThanOrEqual(OTP_PHONE_DAILY_TEXTS + hoursLeft);
    expect(w.sms.inbox(PHONE).length).toBeGreaterThan(OTP_PHONE_DAILY_TEXTS); // the reserve did send
  });
  it('refuses an opted-out phone and a country not served, sending nothing', async () => {
    await w.stores.users.setOptOut(PHONE, true);
    await expect(startAuth(w.deps, { phone: PHONE, sourceIp: '198.51.100.1' })).rejects.toMatchObject({
      code: 'opted_out',
      kind: 'forbidden',
    });
    await expect(
      startAuth(w.deps, { phone: '+447700900123', sourceIp: '198.51.100.1' }),
    ).rejects.toMatchObject({
      code: 'country_not_allowed',
    });
    expect(w.sms.sent).toEqual([]);
  });
});

describe('refusals that send nothing spend no sending budget', () => {
  it('an opted-out phone refused four times from one address can ask for a code once it texts START', async () => {
    await w.stores.users.setOptOut(PHONE, true);
    for (let i = 0; i < 4; i++)
      await expect(startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.5' })).rejects.toMatchObject({
        code: 'opted_out',
      });
    await w.stores.users.setOptOut(PHONE, false);
    for (let i = 0; i < 3; i++) await startAuth(w.deps, { phone: PHONE, sourceIp: '203.0.113.5' });
    expect(w.sms.inbox(PHONE)).toHaveLength(3);
  });

  it('refusals do not count towards the per-phone daily cap either', async () => {
    await w.stores.users.setOptOut(PHONE, true);
    for (let i = 0; i < 20; i++)
      await expect(startAuth(w.deps, { phone: PHONE, sourceIp: `198.51.100.${i}` })).rejects.toMatchObject({
        code: 'opted_out',
      });
    await w.stores.users.setOptOut(PHONE, false);
    await startAuth(w.deps, { phone: PHONE, sourceIp: '198.51.100.200' });
    expect(w.sms.inbox(PHONE)).toHaveLength(1);
  });
});

describe('accounts', () => {
  it('keeps a chosen name unique, case-insensitively, and the code usable after a refusal', async () => {
    await w.user({ name: 'Alice' });
    await startAuth(w.deps, { phone: PHONE, sourceIp: '198.51.100.1' });
    const code = codeIn(PHONE);
    await expect(
      verifyAuth(w.deps, { phone: PHONE, code, name: 'alice', sourceIp: OWNER_IP }),
    ).rejects.toMatchObject({
      code: 'name_taken',
      kind: 'conflict',
    });
    expect(
      (await verifyAuth(w.deps, { phone: PHONE, code, name: 'alicia', sourceIp: OWNER_IP })).user.name,
    ).toBe('alicia');
  });

  it('a name claimed under an older key rule claims its look key when its owner signs in again', async () => {
    // cIive claimed before look keys: only its nameKey row (ciive) exists, so clive was not blocked.
    const old = await w.user({ name: 'cIive' });
    w.stores.table.names.delete(nameKey('clive'));
    w.stores.table.lookNames.delete(nameKey('clive'));
    expect(await w.stores.users.findNameHolder('clive')).toBeNull();
    await startAuth(w.deps, { phone: old.phone, sourceIp: OWNER_IP });
    await verifyAuth(w.deps, { phone: old.phone, code: codeIn(old.phone), sourceIp: OWNER_IP });
    expect(await w.stores.users.findNameHolder('clive')).toBe(old.imNumber);
    expect(await w.stores.users.claimName('clive', '99999999')).toBe(false);
  });

  it('retries an imNumber that is taken, and returns the same user for the same phone', async () => {
    const taken = await w.user();
    w.ids.imNumber = (() => {
      const queue = [taken.imNumber, '55555555'];
      return () => queue.shift()!;
    })();
    const first = await findOrCreateUser(w.deps, PHONE);
    expect(first).toMatchObject({ created: true, user: { imNumber: '55555555' } });
    expect(await findOrCreateUser(w.deps, PHONE)).toMatchObject({
      created: false,
      user: { imNumber: '55555555' },
    });
  });
});
