import fc from 'fast-check';
import { SignJWT } from 'jose';
import { signToken } from '../../shared/core/provisioning/tokens';
import { http, ImClient, type E2eUser } from '../support/e2e-client';
import { inboxOf, JWT_SECRET, signUp, startChaosStack, type ChaosStack } from './support/chaos-stack';
import { authBodyArbitrary, isErrorBody } from './support/http-fuzz';
import { crashes, findLeaks } from './support/privacy';

/**
 * Tokens and codes under attack, through the local stack: expired, forged and tampered tokens at the real
 * WebSocket upgrade; OTP guessing, one by one and all at once; random bodies for /auth/start and /auth/verify.
 */

const HTTP_FUZZ_RUNS = 150;

let cs: ChaosStack;
let alice: E2eUser;
let bob: E2eUser;
beforeAll(async () => {
  cs = await startChaosStack();
  alice = await signUp(cs.base, cs.phones, cs.secrets, '+14155550401', 'alice');
  bob = await signUp(cs.base, cs.phones, cs.secrets, '+14155550402', 'bob');
});
afterAll(() => cs.stop());

const key = (secret: string) => new TextEncoder().encode(secret);
const jwt = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer('imsms').setAudience('imsms-client');
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const upgrade = async (token: string | undefined) => {
  try {
    const client = await ImClient.connect(cs.base, token);
    await client.close();
    return 'open';
  } catch (err) {
    return (err as Error).message;
  }
};

describe('session tokens at the WebSocket upgrade', () => {
  const tokens: Array<[string, () => Promise<string | undefined>]> = [
    ['no token', async () => undefined],
    ['an empty token', async () => ''],
    ['garbage', async () => 'not-a-jwt'],
    [
      'an expired token',
      () =>
        jwt({ name: 'alice' })
          .setSubject(alice.imNumber)
          .setIssuedAt(1e9)
          .setExpirationTime(1e9 + 60)
          .sign(key(JWT_SECRET)),
    ],
    [
      'a token signed with another secret',
      () => signToken('x'.repeat(40), { imNumber: alice.imNumber, name: 'alice' }, Date.now()),
    ],
    [
      "alice's token with bob's number in it",
      async () => {
        const [head, , sig] = alice.token.split('.');
        const payload = JSON.parse(Buffer.from(alice.token.split('.')[1], 'base64url').toString());
        return `${head}.${b64({ ...payload, sub: bob.imNumber })}.${sig}`;
      },
    ],
    [
      'an unsigned token (alg none)',
      async () =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: alice.imNumber, iss: 'imsms', aud: 'imsms-client', exp: 9e9 })}.`,
    ],
    [
      'a token for another audience',
      () =>
        new SignJWT({ name: 'alice' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject(alice.imNumber)
          .setIssuer('imsms')
          .setAudience('someone-else')
          .setExpirationTime('1h')
          .sign(key(JWT_SECRET)),
    ],
    [
      'a token whose subject is not an imNumber',
      () => jwt({ name: 'x' }).setSubject('../admin').setExpirationTime('1h').sign(key(JWT_SECRET)),
    ],
    ['a token over 4 KB', async () => alice.token + '.' + 'a'.repeat(5000)],
  ];

  it.each(tokens)('refuses %s with 401 and registers no connection', async (_label, make) => {
    const token = await make();

    expect(await upgrade(token)).toBe('HTTP 401');
    expect((await cs.store.logins.getRecipient(alice.imNumber))!.connections).toEqual([]);
    expect((await cs.store.logins.getRecipient(bob.imNumber))!.connections).toEqual([]);
  });

  it("accepts the genuine token (so the refusals above are the tokens', not the test's)", async () => {
    expect(await upgrade(alice.token)).toBe('open');
  });
});

describe('OTP guessing', () => {
  const verify = (phone: string, code: string) => http(cs.base, 'POST', '/auth/verify', { phone, code });
  const requestCode = async (phone: string) => {
    const before = (await inboxOf(cs.phones, phone)).length;
    const res = await http(cs.base, 'POST', '/auth/start', { phone });
    if (res.status !== 202) return { status: res.status, code: undefined };
    let inbox = await inboxOf(cs.phones, phone);
    while (inbox.length === before) inbox = await inboxOf(cs.phones, phone);
    return { status: res.status, code: cs.secrets.code(/\b(\d{6})\b/.exec(inbox[before].body)![1]) };
  };
  const wrong = (code: string, i: number) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');

  it('locks the address out after 5 wrong tries: the right code from it then gets 429 too_many_tries', async () => {
    const phone = cs.secrets.phone('+14155550411');
    const { code } = await requestCode(phone);

    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await verify(phone, wrong(code!, i))).json.error.code);
    const right = await verify(phone, code!);

    expect(answers).toEqual(Array(5).fill('wrong_code'));
    expect(right.status).toBe(429);
    expect(right.json.error.code).toBe('too_many_tries');
  });

  it('30 guesses at once are counted exactly: at most 5 are judged, the rest are locked out', async () => {
    const phone = cs.secrets.phone('+14155550412');
    const { code } = await requestCode(phone);

    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => verify(phone, wrong(code!, i))));
    const right = await verify(phone, code!);

    const by = (c: string) => answers.filter((a) => a.json.error?.code === c).length;
    expect(by('wrong_code')).toBe(5);
    expect(by('too_many_tries')).toBe(25);
    expect(right.json.error.code).toBe('too_many_tries');
  });

  it('the right code raced by 30 wrong ones: whatever wins, at most 5 tries are judged', async () => {
    const phone = cs.secrets.phone('+14155550413');
    const { code } = await requestCode(phone);
    const guesses = Array.from({ length: 30 }, (_, i) => wrong(code!, i));
    guesses.splice(3, 0, code!);

    const answers = await Promise.all(guesses.map((g) => verify(phone, g)));

    const judged = answers.filter((a) => a.status === 200 || a.json.error?.code === 'wrong_code').length;
    expect(judged).toBeLessThanOrEqual(5);
    expect(answers.filter((a) => a.status === 200).length).toBeLessThanOrEqual(1);
    expect(answers.every((a) => [200, 401, 429].includes(a.status))).toBe(true);
  });

  it('asking again does not reset the count: the live code is resent, this address stays locked', async () => {
    const phone = cs.secrets.phone('+14155550414');
    const { code } = await requestCode(phone);
    for (let i = 0; i < 5; i++)
      expect((await verify(phone, wrong(code!, i))).json.error.code).toBe('wrong_code');

    const again = await requestCode(phone);
    const right = await verify(phone, code!);

    // The phone is not locked (its owner may ask from elsewhere), so a code goes: the same live one.
    expect(again.status).toBe(202);
    expect(again.code).toBe(code);
    expect(right.status).toBe(429);
    expect(right.json.error.code).toBe('too_many_tries');
  });
});

describe('random bodies for /auth/start and /auth/verify', () => {
  it.each(['/auth/start', '/auth/verify'])(
    `${HTTP_FUZZ_RUNS} random bodies to %s: always a 4xx {error:{code,message}} (or 202), never a 5xx`,
    async (path) => {
      const seen = new Map<number, number>();

      await fc.assert(
        fc.asyncProperty(authBodyArbitrary(), async (body) => {
          const res = await fetch(`${cs.base}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          const text = await res.text();
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          if (res.status === 202 && path === '/auth/start') return text === '{"ok":true}';
          return res.status >= 400 && res.status < 500 && isErrorBody(text);
        }),
        { numRuns: HTTP_FUZZ_RUNS },
      );

      expect(seen.get(400)).toBeGreaterThan(0);
      expect([...seen.keys()].filter((s) => s >= 500)).toEqual([]);
    },
  );

  it('a body over 10 MB gets 413 and the server stays up', async () => {
    const res = await fetch(`${cs.base}/auth/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: 'x'.repeat(11 * 1024 * 1024) }),
    });

    expect(res.status).toBe(413);
    expect((await http(cs.base, 'GET', '/healthz')).status).toBe(200);
  });
});

describe('the run', () => {
  it('logged no phone number, code or message text, and no handler crashed', () => {
    expect(cs.logs.length).toBeGreaterThan(50);
    expect(findLeaks(cs.logs, cs.secrets)).toEqual([]);
    expect(crashes(cs.logs)).toEqual([]);
  });
});
