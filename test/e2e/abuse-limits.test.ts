import { request } from 'node:http';
import WebSocket from 'ws';
import { messageIdFor } from '../../shared/core/ids';
import { eventually, http, ImClient, inbox, signUp, type E2eUser } from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * Issue 14's abuse limits (items 11-14), seen from outside: real HTTP, real sockets, the sandbox's phones.
 * The stack runs with small limits so that each is reached in a few requests.
 */
const e2e = useLocalStack('abuse', {
  env: {
    SMS_DAILY_SEGMENTS: '5',
    SMS_DAILY_PER_PHONE: '3',
    // An hour's window, so that no test straddles a window's edge.
    WS_RATE_WINDOW_SECONDS: '3600',
    WS_FRAMES_PER_CONNECTION: '5',
    WS_FRAMES_PER_USER: '8',
    WS_MAX_CONNECTIONS_PER_USER: '3',
  },
});

let n = 700;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;
const connect = (user: E2eUser) => e2e.connect(user);

describe('SMS budget per sender (item 11; the stack runs with 5 segments and 3 SMS per phone a day)', () => {
  /** Sends `text` from `a` and waits for its last receipt (sent_sms, delivered_sms or failed). */
  async function send(a: ImClient, to: E2eUser, text: string, clientId: string) {
    a.send({ action: 'sendMessage', to: to.imNumber, text, clientId });
    return a.waitFor(
      (f) =>
        f.type === 'receipt' && f.clientId === clientId && ['delivered_sms', 'failed'].includes(f.status),
    );
  }

  it('caps the SMS one sender sends to one phone a day: the fourth fails with sms_budget and is kept', async () => {
    const [sender, offline] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const a = await connect(sender);
    for (let i = 1; i <= 3; i++)
      expect((await send(a, offline, `hi ${i}`, `cap-${i}`)).status).toBe('delivered_sms');
    const over = await send(a, offline, 'hi 4', 'cap-4');

    expect(over).toMatchObject({ status: 'failed', reason: 'sms_budget' });
    expect((await inbox(e2e.base, offline.phone)).filter((m) => m.body.includes(': hi '))).toHaveLength(3);
    expect(await e2e.storedMessage(messageIdFor('im', sender.imNumber, 'cap-4'))).toMatchObject({
      text: 'hi 4',
      to: offline.imNumber,
      status: 'failed',
      reason: 'sms_budget',
    });
  });

  it("caps one sender's segments a day, counted on the body actually sent, across recipients", async () => {
    const sender = await signUp(e2e.base, newPhone());
    const [x, y] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const a = await connect(sender);
    // GSM-7: 153 characters per segment once split; the body adds `@imNumber: `. 3 segments, then 2 more.
    expect((await send(a, x, 'a'.repeat(400), 'seg-1')).status).toBe('delivered_sms');
    expect((await send(a, y, 'b'.repeat(200), 'seg-2')).status).toBe('delivered_sms');
    const over = await send(a, x, 'short', 'seg-3');

    expect(over).toMatchObject({ status: 'failed', reason: 'sms_budget' });
    expect(await e2e.storedMessage(messageIdFor('im', sender.imNumber, 'seg-3'))).toMatchObject({
      status: 'failed',
    });
    // Another sender's budget is its own.
    const other = await connect(await signUp(e2e.base, newPhone()));
    expect((await send(other, x, 'still fine', 'seg-4')).status).toBe('delivered_sms');
  });
});

describe('frame rates and connections per user (item 12; 5 frames per connection, 8 per user, 3 sockets)', () => {
  /** Sends `count` pings, one after another's answer; returns the answers' types/codes. */
  async function pings(c: ImClient, count: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      const before = c.frames.length;
      c.send({ action: 'ping' });
      const answer = await eventually(() => c.frames[before]);
      out.push(answer.type === 'error' ? answer.code : answer.type);
    }
    return out;
  }

  it('answers frames past the per-connection limit with rate_limited, and the socket stays open', async () => {
    const c = await connect(await signUp(e2e.base, newPhone()));
    expect(await pings(c, 7)).toEqual([...Array(5).fill('pong'), 'rate_limited', 'rate_limited']);
    expect(c.ws.readyState).toBe(WebSocket.OPEN);
    c.send({
      action: 'sendMessage',
      to: '12345678',
      text: 'flood',
      clientId: 'flood-1',
    });
    const answer = await c.waitFor((f) => f.clientId === 'flood-1');
    expect(answer).toMatchObject({ type: 'error', code: 'rate_limited' });
  });

  it("limits a user's frames over all their sockets, and leaves other users alone", async () => {
    const user = await signUp(e2e.base, newPhone());
    const [a, b] = [await connect(user), await connect(user)];
    expect(await pings(a, 5)).toEqual(Array(5).fill('pong'));
    expect(await pings(b, 4)).toEqual([...Array(3).fill('pong'), 'rate_limited']);
    const other = await connect(await signUp(e2e.base, newPhone()));
    expect(await pings(other, 1)).toEqual(['pong']);
  });

  it('refuses a fourth socket for one user with 429; closing one makes room', async () => {
    const user = await signUp(e2e.base, newPhone());
    const open = [await connect(user), await connect(user), await connect(user)];
    await expect(ImClient.connect(e2e.base, user.token)).rejects.toThrow('HTTP 429');
    await open[0].close();
    const again = await eventually(() => e2e.connect(user).catch(() => undefined));
    expect(again.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('holds the cap against 40 sockets opened at once: the rest get 429, and a message reaches the open ones', async () => {
    const user = await signUp(e2e.base, newPhone());
    const burst = await Promise.allSettled(
      Array.from({ length: 40 }, () => ImClient.connect(e2e.base, user.token)),
    );
    const opened = burst.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const refused = burst.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    expect(opened.length).toBeLessThanOrEqual(3);
    expect(refused).toEqual(Array(40 - opened.length).fill('Error: HTTP 429'));
    // The refused ones left no row behind: sockets opened one at a time fill the cap exactly, then one more is
    // refused.
    const open = [...opened];
    while (open.length < 3) open.push(await connect(user));
    await expect(ImClient.connect(e2e.base, user.token)).rejects.toThrow('HTTP 429');
    // Each is served (a pong), and another user's message fans out to exactly these.
    for (const c of open) expect(await pings(c, 1)).toEqual(['pong']);
    const a = await connect(await signUp(e2e.base, newPhone()));
    a.send({ action: 'sendMessage', to: user.imNumber, text: 'to every device', clientId: 'burst-1' });
    for (const c of open)
      expect(await c.waitFor((f) => f.type === 'message')).toMatchObject({
        text: 'to every device',
        via: 'im',
      });
    expect(open.every((c) => c.of('message').length === 1)).toBe(true);
  });
});

describe('look-alike names (item 14)', () => {
  let alice: E2eUser;
  beforeAll(async () => {
    alice = await signUp(e2e.base, newPhone(), 'alicette');
  });

  /** Starts a sign-in for a fresh phone and verifies it with `name`; returns the answer. */
  async function claim(name: string) {
    const phone = newPhone();
    const start = await http(
      e2e.base,
      'POST',
      '/auth/start',
      { phone },
      { 'x-forwarded-for': '198.51.100.7' },
    );
    expect(start.status).toBe(202);
    const sms = await eventually(async () => (await inbox(e2e.base, phone))[0]);
    const code = /\b(\d{6})\b/.exec(sms.body)![1];
    return http(e2e.base, 'POST', '/auth/verify', { phone, code, name });
  }

  it('refuses a Cyrillic look-alike mixed with Latin letters', async () => {
    const res = await claim('\u0430licette'); // Cyrillic а + Latin licette
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_name');
  });

  it('takes a full-width spelling as the same name', async () => {
    const res = await claim('ａｌｉｃｅｔｔｅ');
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('name_taken');
  });

  it('takes a look-alike in one other script as the same name', async () => {
    await signUp(e2e.base, newPhone(), 'exop');
    const res = await claim('\u0435\u0445\u043e\u0440'); // Cyrillic ехор
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('name_taken');
  });

  it('takes "rn" and "m", and digits like letters, as the same name', async () => {
    await signUp(e2e.base, newPhone(), 'marlo');
    expect((await claim('rnarlo')).json.error.code).toBe('name_taken');
    expect((await claim('MARL0')).json.error.code).toBe('name_taken');
  });

  it('refuses a full-width look-alike of a default name', async () => {
    const res = await claim(`ｕ${alice.imNumber}`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_name');
  });

  it('takes a capital I for an l: cIivette after clivette is the same name (it looks the same)', async () => {
    await signUp(e2e.base, newPhone(), 'clivette');
    const res = await claim('cIivette');
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('name_taken');
    expect((await claim('ALLCE')).status).toBe(200); // and ALICE-like names stay free of it
  });

  it('keeps the code usable after a look-alike refusal', async () => {
    await signUp(e2e.base, newPhone(), 'bilbo');
    const phone = newPhone();
    expect(
      (await http(e2e.base, 'POST', '/auth/start', { phone }, { 'x-forwarded-for': '198.51.100.8' })).status,
    ).toBe(202);
    const sms = await eventually(async () => (await inbox(e2e.base, phone))[0]);
    const code = /\b(\d{6})\b/.exec(sms.body)![1];
    expect((await http(e2e.base, 'POST', '/auth/verify', { phone, code, name: 'biIbo' })).status).toBe(409);
    expect((await http(e2e.base, 'POST', '/auth/verify', { phone, code, name: 'bilba' })).status).toBe(200);
  });

  it('refuses look-alikes of a default name in other scripts and with letters for digits', async () => {
    for (const name of [`\u057d${alice.imNumber}`, `\u03c5${alice.imNumber}`, 'uOl234567', 'uI234567']) {
      const res = await claim(name);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_name');
    }
  });

  it('refuses the Greek mu and the micro sign in the u of a default name, and marked u', async () => {
    for (const name of [`\u03bc${alice.imNumber}`, `\u00b5${alice.imNumber}`, `\u00fa${alice.imNumber}`]) {
      const res = await claim(name);
      expect(`${name}: ${res.status} ${res.json.error?.code}`).toBe(`${name}: 400 invalid_name`);
    }
  });

  it('still accepts names in one script, Japanese mixing its three, and digits or _ . -', async () => {
    for (const name of ['张三丰', '山田たろう', 'Ivan_2.0-x', 'Пётр']) {
      const res = await claim(name);
      expect(res.status).toBe(200);
      expect(res.json.user.name).toBe(name);
    }
  });
});

/**
 * POST /auth/start from a given loopback address (127.0.0.0/8 is all loopback on Linux): the gateway reports the
 * socket's peer address as the source, as API Gateway does, so two addresses are two clients.
 */
function startFrom(localAddress: string, phone: string): Promise<number> {
  return postFrom(localAddress, '/auth/start', { phone }).then((res) => res.status);
}

/** POST a JSON body from a given loopback address; the answer's status and JSON body. */
function postFrom(
  localAddress: string,
  path: string,
  payload: unknown,
): Promise<{ status: number; json: { error?: { code: string; message: string } } }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${e2e.base}${path}`,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode!, json: text ? JSON.parse(text) : {} });
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(payload));
  });
}

describe('sign-in codes a stranger asks for (item 13)', () => {
  it("strangers' requests from many addresses never use up the owner's codes: the owner signs in", async () => {
    const phone = newPhone();
    // Six addresses ask six times each: 36 requests, more than the phone's 20 texts a day.
    const answers: string[] = [];
    for (let a = 30; a < 36; a++)
      for (let i = 0; i < 6; i++) {
        const res = await postFrom(`127.0.0.${a}`, '/auth/start', { phone });
        answers.push(res.status === 202 ? 'sent' : res.json.error!.code);
      }
    // One code, texted three times at most; every later request is told a code is pending and costs nothing.
    expect(answers.slice(0, 3)).toEqual(['sent', 'sent', 'sent']);
    expect(new Set(answers.slice(3))).toEqual(new Set(['code_pending']));
    const texts = await eventually(async () => {
      const box = await inbox(e2e.base, phone);
      return box.length === 3 ? box : undefined;
    });
    const codes = new Set(texts.map((t) => /\b(\d{6})\b/.exec(t.body)![1]));
    expect(codes.size).toBe(1); // the same live code each time: the owner's is never replaced

    // The owner asks too: told, not refused, that the code on the phone is live; and signs in with it.
    const owner = await postFrom('127.0.0.37', '/auth/start', { phone });
    expect(owner.status).toBe(429);
    expect(owner.json.error).toMatchObject({ code: 'code_pending' });
    expect(owner.json.error!.message).toMatch(/use the latest code/);
    const verify = await postFrom('127.0.0.37', '/auth/verify', { phone, code: [...codes][0] });
    expect(verify.status).toBe(200);
    expect((await inbox(e2e.base, phone)).length).toBe(3); // nothing more was texted
  });
});

describe('verifying with no live code spends nothing (item 13)', () => {
  const wrongFor = (code: string, i: number) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');

  /** Six verifies from one address: each must be told there is no code, none may count as a try. */
  async function sixWithoutCode(address: string, phone: string, code: string) {
    const answers = [];
    for (let i = 0; i < 6; i++) {
      const res = await postFrom(address, '/auth/verify', { phone, code: wrongFor(code, i) });
      answers.push(`${res.status} ${res.json.error?.code}`);
    }
    expect(answers).toEqual(Array(6).fill('401 code_expired'));
  }

  it('before any code was sent, and after one was used: 401 code_expired each time, no try spent', async () => {
    const phone = newPhone();
    await sixWithoutCode('127.0.0.40', phone, '123456');
    expect(await startFrom('127.0.0.41', phone)).toBe(202);
    const code = /\b(\d{6})\b/.exec(
      (await eventually(async () => (await inbox(e2e.base, phone))[0])).body,
    )![1];
    // The address that tried six times without a code still has all its tries: it signs in.
    expect((await postFrom('127.0.0.40', '/auth/verify', { phone, code })).status).toBe(200);
    await sixWithoutCode('127.0.0.40', phone, code);
    expect(await startFrom('127.0.0.41', phone)).toBe(202);
    const again = await eventually(async () => {
      const box = await inbox(e2e.base, phone);
      return box.length === 2 ? /\b(\d{6})\b/.exec(box[1].body)![1] : undefined;
    });
    expect((await postFrom('127.0.0.40', '/auth/verify', { phone, code: again })).status).toBe(200);
  });

  it('after the code died of wrong tries: the next tries are told so and spend nothing', async () => {
    const phone = newPhone();
    expect(await startFrom('127.0.0.42', phone)).toBe(202);
    const code = /\b(\d{6})\b/.exec(
      (await eventually(async () => (await inbox(e2e.base, phone))[0])).body,
    )![1];
    for (const address of ['127.0.0.43', '127.0.0.44'])
      for (let i = 0; i < 5; i++)
        expect((await postFrom(address, '/auth/verify', { phone, code: wrongFor(code, i) })).status).toBe(
          401,
        );
    const answers = [];
    for (let i = 0; i < 6; i++) {
      const res = await postFrom('127.0.0.42', '/auth/verify', { phone, code });
      answers.push(`${res.status} ${res.json.error?.code}`);
    }
    expect(answers).toEqual(Array(6).fill('401 code_expired'));
    expect(await startFrom('127.0.0.42', phone)).toBe(202);
    const fresh = await eventually(async () => {
      const box = await inbox(e2e.base, phone);
      return box.length === 2 ? /\b(\d{6})\b/.exec(box[1].body)![1] : undefined;
    });
    expect((await postFrom('127.0.0.42', '/auth/verify', { phone, code: fresh })).status).toBe(200);
  });
});

describe('wrong codes a stranger types (issue 14: one /auth/start and 5 wrong codes locked the owner out)', () => {
  /** The codes the phone has been texted, oldest first. */
  async function codesOf(phone: string, count: number): Promise<string[]> {
    const texts = await eventually(async () => {
      const box = await inbox(e2e.base, phone);
      return box.length >= count ? box : undefined;
    });
    return texts.map((t) => /\b(\d{6})\b/.exec(t.body)![1]);
  }
  const wrongFor = (code: string, i: number) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');

  it("five wrong codes from a stranger's address lock that address out of the phone, not the owner", async () => {
    const phone = newPhone();
    expect(await startFrom('127.0.0.12', phone)).toBe(202); // the stranger asks for a code
    const [code] = await codesOf(phone, 1);
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push((await postFrom('127.0.0.12', '/auth/verify', { phone, code: wrongFor(code, i) })).json);
    expect(answers.map((a) => a.error?.code)).toEqual([...Array(5).fill('wrong_code'), 'too_many_tries']);
    // Even the right code is refused to that address now...
    expect((await postFrom('127.0.0.12', '/auth/verify', { phone, code })).status).toBe(429);
    // ...but the owner, elsewhere, asks for a code, gets the same live one, and signs in.
    expect(await startFrom('127.0.0.13', phone)).toBe(202);
    const codes = await codesOf(phone, 2);
    expect(codes[1]).toBe(code);
    const owner = await postFrom('127.0.0.13', '/auth/verify', { phone, code });
    expect(owner.status).toBe(200);
  });

  it('a code used up by wrong tries from several addresses dies, and the next request sends a new one', async () => {
    const phone = newPhone();
    expect(await startFrom('127.0.0.14', phone)).toBe(202);
    const [code] = await codesOf(phone, 1);
    for (const address of ['127.0.0.15', '127.0.0.16'])
      for (let i = 0; i < 5; i++)
        expect((await postFrom(address, '/auth/verify', { phone, code: wrongFor(code, i) })).status).toBe(
          401,
        );
    const dead = await postFrom('127.0.0.14', '/auth/verify', { phone, code });
    expect(dead.status).toBe(401);
    expect(dead.json.error?.code).toBe('code_expired');
    expect(await startFrom('127.0.0.14', phone)).toBe(202); // no lock on the phone: a new code goes
    const codes = await codesOf(phone, 2);
    const fresh = await postFrom('127.0.0.14', '/auth/verify', { phone, code: codes[1] });
    expect(fresh.status).toBe(200);
  });
});
