import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { handler as authStart } from '../../functions/http-auth-start';
import { handler as authVerify } from '../../functions/http-auth-verify';
import { verifyToken } from '../../shared/core/provisioning/tokens';
import { JWT_SECRET, startHarness, type Harness } from '../support/harness';
import { jsonPost } from '../support/events';
import { lastCode, post, signUp } from '../support/users';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

let n = 100;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;

describe('POST /auth/start', () => {
  it('answers 202 and texts a 6-digit code to the phone', async () => {
    const phone = newPhone();
    const res = await post(authStart, '/auth/start', { phone });
    expect(res.status).toBe(202);
    expect(h.sms.inbox(phone)).toHaveLength(1);
    expect(h.sms.inbox(phone)[0].body).toMatch(/\b\d{6}\b/);
  });

  it('stores the code hashed, never in clear', async () => {
    const phone = newPhone();
    await post(authStart, '/auth/start', { phone });
    const code = lastCode(h, phone);
    const { Item } = await h.store.table.doc.send(
      new GetCommand({ TableName: h.deps.config.tableName, Key: { pk: `OTP#${phone}`, sk: 'OTP' } }),
    );
    expect(Item).toBeDefined();
    expect(JSON.stringify(Item)).not.toContain(code);
  });

  it.each([
    ['no phone', {}],
    ['a number without +', { phone: '4155550100' }],
    ['letters', { phone: '+1 call me' }],
    ['a number too short', { phone: '+1415' }],
  ])('refuses %s with 400 and sends nothing', async (_label, body) => {
    const before = h.sms.sent.length;
    const res = await post(authStart, '/auth/start', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_phone');
    expect(h.sms.sent.length).toBe(before);
  });

  it('reads a phone typed in full-width forms (NFKC) as the number it is, at start and verify', async () => {
    const phone = newPhone();
    const wide = phone.replace('+', '\uff0b').replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    expect((await post(authStart, '/auth/start', { phone: wide })).status).toBe(202);
    expect(h.sms.inbox(phone)).toHaveLength(1);
    const res = await post(authVerify, '/auth/verify', {
      phone: `\uff0b${phone.slice(1)}`,
      code: lastCode(h, phone),
    });
    expect(res.status).toBe(200);
    expect(res.body.user.phone).toBe(phone);
  });

  it('refuses malformed JSON with 400', async () => {
    const res = await post(authStart, '/auth/start', '{"phone":');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_json');
  });

  it('sends no code to a country off the allow-list', async () => {
    const res = await post(authStart, '/auth/start', { phone: '+447700900123' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('country_not_allowed');
    expect(h.sms.inbox('+447700900123')).toHaveLength(0);
  });

  it('texts the live code again, 3 times in all; then 429 code_pending from anywhere, and nothing sent', async () => {
    const phone = newPhone();
    const answers = [];
    for (const ip of ['203.0.113.9', '203.0.113.9', '203.0.113.10', '203.0.113.9', '203.0.113.11'])
      answers.push((await post(authStart, '/auth/start', { phone }, ip)).body.error?.code ?? 'sent');
    expect(answers).toEqual(['sent', 'sent', 'sent', 'code_pending', 'code_pending']);
    expect(h.sms.inbox(phone)).toHaveLength(3);
    expect(new Set(h.sms.inbox(phone).map((m) => /\d{6}/.exec(m.body)![0])).size).toBe(1);
    // Once it expires, a new code goes.
    h.advance(10 * 60 * 1000 + 1);
    expect((await post(authStart, '/auth/start', { phone }, '203.0.113.11')).status).toBe(202);
    expect(new Set(h.sms.inbox(phone).map((m) => /\d{6}/.exec(m.body)![0])).size).toBe(2);
  });

  it("past the phone's 20 texts a day, its reserve still sends the owner a new code an hour", async () => {
    const phone = newPhone();
    let texts = 0;
    for (let ip = 0; texts < 20; ip++) {
      const res = await post(authStart, '/auth/start', { phone }, `198.18.0.${ip}`);
      if (res.status === 202) texts++;
      else h.advance(10 * 60 * 1000 + 1); // code_pending: the strangers wait for the code to expire
    }
    h.advance(10 * 60 * 1000 + 1);
    const owner = await post(authStart, '/auth/start', { phone }, '198.18.1.1');
    expect(owner.status).toBe(202);
    expect(h.sms.inbox(phone)).toHaveLength(21);
    expect((await post(authVerify, '/auth/verify', { phone, code: lastCode(h, phone) })).status).toBe(200);
  });

  it('counts no refused request (opted out) towards the limits: after START the phone gets its code', async () => {
    const phone = newPhone();
    await h.deps.users.setOptOut(phone, true);
    for (let i = 0; i < 4; i++) {
      const res = await post(authStart, '/auth/start', { phone }, '203.0.113.44');
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('opted_out');
    }
    await h.deps.users.setOptOut(phone, false);
    expect((await post(authStart, '/auth/start', { phone }, '203.0.113.44')).status).toBe(202);
    expect(h.sms.inbox(phone)).toHaveLength(1);
  });

  it('rate-limits codes per client address across phones', async () => {
    const ip = '192.0.2.55';
    const statuses = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await post(authStart, '/auth/start', { phone: newPhone() }, ip)).status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(10);
    expect(statuses[10]).toBe(429);
  });
});

describe('POST /auth/verify', () => {
  it('creates the account on first verification, with an 8-digit imNumber and the phone in E.164', async () => {
    const phone = newPhone();
    await post(authStart, '/auth/start', { phone: phone.replace('+1415', '+1 (415) ') });
    const res = await post(authVerify, '/auth/verify', { phone, code: lastCode(h, phone), name: 'alice' });
    expect(res.status).toBe(200);
    expect(res.body.user).toEqual({ imNumber: expect.stringMatching(/^[1-9]\d{7}$/), name: 'alice', phone });
    const claims = await verifyToken(JWT_SECRET, res.body.token, Date.now());
    expect(claims).toEqual({ imNumber: res.body.user.imNumber, name: 'alice' });
  });

  it('logs the same phone into the same account the second time', async () => {
    const phone = newPhone();
    const first = await signUp(h, phone, 'bob');
    const second = await signUp(h, phone);
    expect(second.imNumber).toBe(first.imNumber);
    expect(second.name).toBe('bob');
  });

  it('gives a default name when none is chosen', async () => {
    const user = await signUp(h, newPhone());
    expect(user.name).toBe(`u${user.imNumber}`);
  });

  it('answers 401 to a wrong code', async () => {
    const phone = newPhone();
    await post(authStart, '/auth/start', { phone });
    const wrong = lastCode(h, phone) === '000000' ? '111111' : '000000';
    const res = await post(authVerify, '/auth/verify', { phone, code: wrong });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('wrong_code');
  });

  it('refuses the address after five wrong tries, even the right code from it', async () => {
    const phone = newPhone();
    await post(authStart, '/auth/start', { phone });
    const code = lastCode(h, phone);
    const wrong = code === '000000' ? '111111' : '000000';
    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await post(authVerify, '/auth/verify', { phone, code: wrong })).status);
    const final = await post(authVerify, '/auth/verify', { phone, code });
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    expect(final.status).toBe(429);
    expect(final.body.error.code).toBe('too_many_tries');
  });

  it('refuses a code older than ten minutes', async () => {
    const phone = newPhone();
    await post(authStart, '/auth/start', { phone });
    h.advance(10 * 60 * 1000 + 1);
    const res = await post(authVerify, '/auth/verify', { phone, code: lastCode(h, phone) });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('code_expired');
  });

  it('accepts a code only once', async () => {
    const phone = newPhone();
    await post(authStart, '/auth/start', { phone });
    const code = lastCode(h, phone);
    expect((await post(authVerify, '/auth/verify', { phone, code })).status).toBe(200);
    expect((await post(authVerify, '/auth/verify', { phone, code })).status).toBe(401);
  });

  it.each(['अनिल', 'ab\u0301'])(
    'signs in with the name %p, whose combining marks have no precomposed form',
    async (name) => {
      const phone = newPhone();
      await post(authStart, '/auth/start', { phone });
      const res = await post(authVerify, '/auth/verify', { phone, code: lastCode(h, phone), name });
      expect(res.status).toBe(200);
      expect(res.body.user.name).toBe(name);
    },
  );

  it('refuses a taken name with 409 and keeps the code usable', async () => {
    await signUp(h, newPhone(), 'carol');
    const phone = newPhone();
    await post(authStart, '/auth/start', { phone });
    const code = lastCode(h, phone);
    const taken = await post(authVerify, '/auth/verify', { phone, code, name: 'CAROL' });
    const other = await post(authVerify, '/auth/verify', { phone, code, name: 'carol2' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('name_taken');
    expect(other.status).toBe(200);
  });

  it.each([
    ['a code of 5 digits', { code: '12345' }, 'invalid_code'],
    ['a name with spaces', { code: '123456', name: 'a b' }, 'invalid_name'],
    ['a name that is a number', { code: '123456', name: '123' }, 'invalid_name'],
  ])('refuses %s with 400 and spends no try', async (_label, extra, code) => {
    const phone = newPhone();
    await post(authStart, '/auth/start', { phone });
    const res = await post(authVerify, '/auth/verify', { phone, ...extra });
    const ok = await post(authVerify, '/auth/verify', { phone, code: lastCode(h, phone) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
    expect(ok.status).toBe(200);
  });

  it('logs no phone numbers or codes', async () => {
    const phone = newPhone();
    await signUp(h, phone, 'dave');
    const logText = h.logs.join('\n');
    expect(logText).not.toContain(phone);
    expect(logText).not.toContain(phone.slice(2));
    for (const m of h.sms.sent) expect(logText).not.toContain(/\b(\d{6})\b/.exec(m.body)?.[1] ?? 'no-code');
  });
});

describe('Retry-After on every 429 of the HTTP API (RFC 9110 §10.2.3, RFC 6585 §4)', () => {
  type Raw = { statusCode: number; headers?: Record<string, string>; body: string };
  /** One request through the real handler, timed by the harness clock; `end(t)`: when the limit frees, at t. */
  async function refusal(
    handler: typeof authStart | typeof authVerify,
    path: string,
    body: unknown,
    ip: string | undefined,
    end: (t: number) => number,
  ) {
    const before = h.deps.clock.now();
    const res = (await handler(jsonPost(path, body, ip) as never)) as Raw;
    const after = h.deps.clock.now();
    expect(res.statusCode).toBe(429);
    const retryAfter = res.headers?.['retry-after'];
    expect(retryAfter).toMatch(/^[1-9]\d*$/); // delay-seconds: a whole number, at least 1
    // The seconds until the limit frees, as seen at some moment between sending and answering.
    const seconds = Number(retryAfter);
    expect(seconds).toBeGreaterThanOrEqual(Math.ceil((end(after) - after) / 1000));
    expect(seconds).toBeLessThanOrEqual(Math.ceil((end(before) - before) / 1000));
    const { error } = JSON.parse(res.body);
    // The message names the same wait as Retry-After, never another (a 30-minute wait was once "an hour").
    expect(waitInMessage(error.message, after)).toBe(waitInSeconds(seconds));
    return error.code === 'too_many_requests' && /many codes today/.test(error.message)
      ? 'phone reserve spent'
      : (error.code as string);
  }
  /**
   * The wait a 429's message names, as the message says it: `in 45 s`, `in 31 min` / `for 31 min`, or `at 14:00
   * UTC` (read at `now`, in seconds rounded up to the minute's form); undefined when it names none.
   */
  function waitInMessage(message: string, now: number): string | undefined {
    const s = /\bin (\d+) s\b/.exec(message);
    if (s) return `${s[1]} s`;
    const min = /\b(?:in|for) (\d+) min\b/.exec(message);
    if (min) return `${min[1]} min`;
    const at = /\bat (\d\d):(\d\d) UTC\b/.exec(message);
    if (!at) return undefined;
    const day = Math.floor(now / 86_400_000) * 86_400_000;
    let when = day + (Number(at[1]) * 60 + Number(at[2])) * 60_000;
    if (when < now) when += 86_400_000;
    return waitInSeconds(Math.ceil((when - now) / 1000));
  }
  /** A wait in seconds as the messages name it: seconds under a minute, else whole minutes rounded up. */
  const waitInSeconds = (seconds: number) =>
    seconds < 60 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
  const windowEnd = (windowMs: number) => (t: number) => Math.floor(t / windowMs) * windowMs + windowMs;
  const TEN_MINUTES = 10 * 60 * 1000;
  const HOUR = 60 * 60 * 1000;

  it('code_pending: until the live code expires', async () => {
    const phone = newPhone();
    for (let i = 0; i < 3; i++) await post(authStart, '/auth/start', { phone }, '203.0.113.70');
    const expiresAt = (await h.deps.codes.getOtp(phone))!.expiresAt;
    const code = await refusal(authStart, '/auth/start', { phone }, '203.0.113.71', () => expiresAt);
    expect(code).toBe('code_pending');
  });

  it("too_many_requests (an address's limit): until its window ends", async () => {
    const ip = '192.0.2.77';
    for (let i = 0; i < 10; i++) await post(authStart, '/auth/start', { phone: newPhone() }, ip);
    const code = await refusal(authStart, '/auth/start', { phone: newPhone() }, ip, windowEnd(TEN_MINUTES));
    expect(code).toBe('too_many_requests');
  });

  it("too_many_requests (the phone's reserve spent): until the reserve's hour ends", async () => {
    const phone = newPhone();
    const DAY = 24 * HOUR;
    h.advance(DAY - (h.deps.clock.now() % DAY) + 1); // a fresh UTC day: 21 texts 10 minutes apart stay in it
    let texts = 0;
    for (let ip = 0; texts < 21; ip++) {
      const res = await post(authStart, '/auth/start', { phone }, `198.19.0.${ip}`);
      if (res.status === 202) texts++;
      else h.advance(TEN_MINUTES + 1); // code_pending: wait for the code to expire
    }
    h.advance(TEN_MINUTES + 1);
    const code = await refusal(authStart, '/auth/start', { phone }, '198.19.1.1', windowEnd(HOUR));
    expect(code).toBe('phone reserve spent');
  });

  it("too_many_tries (an address's tries at a phone): until the hour's window ends", async () => {
    const phone = newPhone();
    await post(authStart, '/auth/start', { phone });
    const wrong = lastCode(h, phone) === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) await post(authVerify, '/auth/verify', { phone, code: wrong });
    const code = await refusal(
      authVerify,
      '/auth/verify',
      { phone, code: wrong },
      undefined,
      windowEnd(HOUR),
    );
    expect(code).toBe('too_many_tries');
  });
});
