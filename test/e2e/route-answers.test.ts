import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import WebSocket from 'ws';
import { functions } from '../../infra/functions';
import { http, signUp, type E2eUser } from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * How every path of the local runtime answers what it does not take, through the real stack: a wrong method is
 * `405 method_not_allowed` with an `Allow` header on each route (API, Twilio webhooks, console, sandbox, /ws), a
 * body that is no JSON object is `400 bad_json` on each JSON route, a plain GET of /ws is `426 Upgrade Required`.
 * On the WebSocket: JSON that is no object, a malformed `with`, text made only of characters that show as nothing,
 * and each added action's refusals get the codes docs/protocol.md lists; error messages name the rule broken.
 */
// Many refused frames on one socket: the frame rate limit is not what these tests are about.
const e2e = useLocalStack('routes', {
  env: { WS_FRAMES_PER_CONNECTION: '1000', WS_FRAMES_PER_USER: '3000' },
});
const PROTOCOL = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'protocol.md'), 'utf8');

let user: E2eUser;
let friend: E2eUser;
beforeAll(async () => {
  user = await signUp(e2e.base, '+14155550181', 'Routy');
  friend = await signUp(e2e.base, '+14155550182', 'Pal');
}, 60_000);

const shape = (code: string) => ({ error: { code, message: expect.any(String) } });

describe('a wrong method: 405 method_not_allowed with Allow, on every route', () => {
  const apiRoutes = functions.flatMap((f) =>
    f.trigger.kind === 'http' ? [[f.trigger.path, f.trigger.method] as const] : [],
  );
  it.each(apiRoutes)('API route %s (takes %s)', async (route, method) => {
    const res = await fetch(`${e2e.base}${route}`, { method: method === 'POST' ? 'PUT' : 'POST' });
    expect([res.status, res.headers.get('allow')]).toEqual([405, method]);
    expect(await res.json()).toEqual(shape('method_not_allowed'));
  });

  const PHONE = encodeURIComponent('+14155550181');
  it.each([
    ['/sandbox', 'GET'],
    ['/sandbox/', 'GET'],
    ['/sandbox/sms', 'POST'],
    [`/sandbox/phones/${PHONE}/messages`, 'GET, DELETE'],
    [`/sandbox/phones/${PHONE}`, 'PUT'],
    [`/sandbox/phones/${PHONE}/calls`, 'PUT'],
    ['/sandbox/calls', 'POST'],
    ['/sandbox/calls/CA00000000000000000000000000000000', 'GET'],
    ['/sandbox/calls/CA00000000000000000000000000000000/digits', 'POST'],
    ['/healthz', 'GET, HEAD'],
    ['/', 'GET, HEAD'],
    ['/console/app.js', 'GET, HEAD'],
    ['/console/rules.js', 'GET, HEAD'],
    ['/console/client.js', 'GET, HEAD'],
    ['/console/config.json', 'GET, HEAD'],
    ['/ws', 'GET'],
  ])('%s (takes %s)', async (route, allow) => {
    const wrong = allow.includes('POST') ? 'PATCH' : 'POST';
    const res = await fetch(`${e2e.base}${route}`, { method: wrong });
    expect([res.status, res.headers.get('allow')]).toEqual([405, allow]);
    expect(await res.json()).toEqual(shape('method_not_allowed'));
  });

  it("the sandbox's Twilio REST resources: Twilio's 405 (20004), with Allow", async () => {
    const { twilioAccountSid } = e2e.stack.config;
    const { twilioAuthToken } = JSON.parse(readFileSync(path.join(e2e.dataDir, 'secrets.json'), 'utf8'));
    const auth = `Basic ${Buffer.from(`${twilioAccountSid}:${twilioAuthToken}`).toString('base64')}`;
    const account = `/2010-04-01/Accounts/${twilioAccountSid}`;
    for (const [route, allow] of [
      [`${account}.json`, 'GET'],
      [`${account}/Messages.json`, 'GET, POST'],
      [`${account}/Messages/SM00000000000000000000000000000000.json`, 'GET'],
      [`${account}/IncomingPhoneNumbers.json`, 'GET'],
      [`${account}/IncomingPhoneNumbers/PN00000000000000000000000000000000.json`, 'POST'],
    ]) {
      const res = await fetch(`${e2e.base}${route}`, { method: 'PUT', headers: { authorization: auth } });
      expect([route, res.status, res.headers.get('allow'), (await res.json()).code]).toEqual([
        route,
        405,
        allow,
        20004,
      ]);
    }
  });

  it('/ws asked to upgrade with another method than GET: 405 with Allow, no handshake', async () => {
    const answer = await new Promise<{ status?: number; allow?: string; body: string }>((resolve, reject) => {
      const req = request(`${e2e.base}/ws?token=${user.token}`, {
        method: 'POST',
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-version': '13',
        },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, allow: res.headers.allow, body }));
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    expect([answer.status, answer.allow]).toEqual([405, 'GET']);
    expect(JSON.parse(answer.body)).toEqual(shape('method_not_allowed'));
  });
});

describe('GET /ws without a WebSocket handshake', () => {
  it.each(['/ws', '/ws?token=x'])(
    '%s: 426 Upgrade Required, Upgrade: websocket, code upgrade_required',
    async (route) => {
      const res = await fetch(`${e2e.base}${route}`);
      expect([res.status, res.headers.get('upgrade')]).toEqual([426, 'websocket']);
      const body = await res.json();
      expect(body).toEqual(shape('upgrade_required'));
      expect(body.error.message).toMatch(/WebSocket/);
    },
  );

  it('a real WebSocket client still connects on the same path', async () => {
    const ws = new WebSocket(`${e2e.base.replace(/^http/, 'ws')}/ws?token=${user.token}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });
});

describe('a body that is no JSON object: 400 bad_json on every JSON route', () => {
  const PHONE = encodeURIComponent('+14155550181');
  const routes: Array<[string, string]> = [
    ['POST', '/auth/start'],
    ['POST', '/auth/verify'],
    ['POST', '/sandbox/sms'],
    ['POST', '/sandbox/calls'],
    ['PUT', `/sandbox/phones/${PHONE}`],
    ['PUT', `/sandbox/phones/${PHONE}/calls`],
  ];
  it.each(routes.flatMap(([m, r]) => ['{"phone":', '[1,2]', 'null', '"text"'].map((b) => [m, r, b])))(
    '%s %s with %s',
    async (method, route, body) => {
      const res = await http(e2e.base, method, route, body);
      expect([res.status, res.json]).toEqual([400, shape('bad_json')]);
    },
  );
});

/** A raw socket of the user's, with the frames it receives in order. */
async function socket(token: string) {
  const ws = new WebSocket(`${e2e.base.replace(/^http/, 'ws')}/ws?token=${token}`);
  const queue: Record<string, unknown>[] = [];
  const waiting: Array<(f: Record<string, unknown>) => void> = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Record<string, unknown>;
    const w = waiting.shift();
    if (w) w(frame);
    else queue.push(frame);
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const next = () =>
    new Promise<Record<string, unknown>>((resolve) => {
      const f = queue.shift();
      if (f) resolve(f);
      else waiting.push(resolve);
    });
  /** Sends one frame (a string as it is) and resolves with the next frame that is not a presence push. */
  const ask = async (frame: unknown) => {
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    for (;;) {
      const f = await next();
      if (f.type !== 'presence' || f.imNumber === undefined) return f;
    }
  };
  return { ws, ask };
}

describe('WebSocket frames', () => {
  let s: Awaited<ReturnType<typeof socket>>;
  beforeAll(async () => {
    s = await socket(user.token);
    expect(await s.ask({ action: 'addContact', imNumber: friend.imNumber })).toMatchObject({
      type: 'contact',
    });
  }, 30_000);
  afterAll(() => s.ws.close());

  it.each(['null', '[1,2]', '[]', '"ping"', '5', 'true'])(
    'JSON that is no object (%s): bad_frame, "frame must be a JSON object"',
    async (raw) => {
      expect(await s.ask(raw)).toEqual({
        type: 'error',
        code: 'bad_frame',
        message: 'frame must be a JSON object',
      });
    },
  );

  /** The codes protocol.md lists for the added actions (besides bad_json, rate_limited and internal, any frame's). */
  const documented = (() => {
    const added = /- Error codes of the added actions:([\s\S]*?)\n- /.exec(PROTOCOL)![1];
    return new Set([...added.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]));
  })();

  it.each([
    ['history without with', { action: 'history' }, 'invalid_recipient'],
    ['history with a with that is no imNumber', { action: 'history', with: 'bob' }, 'invalid_recipient'],
    ['history with a with that is a number', { action: 'history', with: 12345678 }, 'invalid_recipient'],
    ['history with a stranger', { action: 'history', with: '99999997' }, 'unknown_contact'],
    ['history with a bad before', { action: 'history', with: '12345678', before: 'x' }, 'invalid_cursor'],
    ['history with a limit of 101', { action: 'history', with: '12345678', limit: 101 }, 'invalid_limit'],
    ['getContacts with a bad cursor', { action: 'getContacts', cursor: 'x' }, 'invalid_cursor'],
    ['getContacts with a limit of 0', { action: 'getContacts', limit: 0 }, 'invalid_limit'],
    ['getContacts with a since of -1', { action: 'getContacts', since: -1 }, 'bad_frame'],
    [
      'addContact with an imNumber that is none',
      { action: 'addContact', imNumber: 'bob' },
      'invalid_recipient',
    ],
    ['addContact of no user', { action: 'addContact', imNumber: '99999997' }, 'unknown_recipient'],
    ['addContact of oneself', { action: 'addContact', imNumber: '<self>' }, 'invalid_contact'],
    ['addContact of a contact', { action: 'addContact', imNumber: '<friend>' }, 'contact_exists'],
    ['addContact with a bad phone', { action: 'addContact', phone: '+1', name: 'Dee' }, 'invalid_phone'],
    ['addContact with neither', { action: 'addContact' }, 'bad_frame'],
    ['removeContact of a stranger', { action: 'removeContact', imNumber: '99999997' }, 'unknown_contact'],
    [
      'removeContact with an imNumber that is none',
      { action: 'removeContact', imNumber: 'x' },
      'invalid_recipient',
    ],
    ['updateProfile with a long mood', { action: 'updateProfile', mood: 'm'.repeat(141) }, 'invalid_mood'],
    [
      'updateProfile with a bad URL',
      { action: 'updateProfile', avatarUrl: 'https://[::1' },
      'invalid_avatar_url',
    ],
    ['updateProfile with a bad name', { action: 'updateProfile', name: '1a' }, 'invalid_name'],
    ['updateProfile with nothing', { action: 'updateProfile' }, 'bad_frame'],
    ['updateProfile with a name someone holds', { action: 'updateProfile', name: 'pal' }, 'name_taken'],
  ])('%s: %s, a code protocol.md lists for the added actions', async (_what, frame, code) => {
    const sent = JSON.parse(
      JSON.stringify(frame).replace('<self>', user.imNumber).replace('<friend>', friend.imNumber),
    );
    const answer = await s.ask(sent);
    expect(answer).toMatchObject({ type: 'error', code });
    expect(documented).toContain(code);
  });

  const BLANKS = [
    '\u2800',
    '\u115f',
    '\u1160',
    '\u3164',
    '\uffa0',
    '\ufe0f',
    '\u034f',
    '\u{e0100}',
    ' \u3164\u200b ',
  ];
  it.each(BLANKS.map((b) => [JSON.stringify(b), b]))(
    'text, names and mood made only of %s: refused as blank (a mood of it removes the mood)',
    async (_label, blank) => {
      const send = { action: 'sendMessage', to: friend.imNumber, text: blank, clientId: 'blank1' };
      expect(await s.ask(send)).toMatchObject({ type: 'error', code: 'invalid_text', clientId: 'blank1' });
      const add = { action: 'addContact', phone: '+14155550183', name: blank };
      expect(await s.ask(add)).toMatchObject({ type: 'error', code: 'invalid_name' });
      const invite = { action: 'invite', phone: '+14155550184', name: blank };
      expect(await s.ask(invite)).toMatchObject({ type: 'error', code: 'invalid_name' });
      expect(await s.ask({ action: 'updateProfile', mood: 'busy' })).toMatchObject({ mood: 'busy' });
      const blanked = await s.ask({ action: 'updateProfile', mood: blank });
      expect(blanked).toMatchObject({ type: 'profile' });
      expect(blanked.mood).toBeUndefined();
    },
  );

  it.each(['\u0085', ' \u0085 ', '\u0001', '\u001b\u007f'])(
    'a text made only of control characters (%j; U+0085 is white space to Unicode, not to \\s): invalid_text',
    async (text) => {
      const send = { action: 'sendMessage', to: friend.imNumber, text, clientId: 'blank2' };
      expect(await s.ask(send)).toMatchObject({ type: 'error', code: 'invalid_text', clientId: 'blank2' });
    },
  );

  it.each(['\u3164', '\uffa0', '\u115f\u1160', 'ali\u3164ce'])(
    'a chosen name of or with a Hangul filler (%j): invalid_name',
    async (name) => {
      expect(await s.ask({ action: 'updateProfile', name })).toMatchObject({
        type: 'error',
        code: 'invalid_name',
        message: expect.stringMatching(/^name must not hold a Hangul filler/),
      });
    },
  );

  it.each([
    ['https://[::1', /^avatarUrl must be a well-formed https URL/],
    ['https://a.test/' + 'p'.repeat(500), /^avatarUrl must be at most 512 characters$/],
    ['https://user:pw@a.test/x.png', /^avatarUrl must not hold a user name or password$/],
  ])('an avatarUrl %j is refused naming the rule it broke', async (avatarUrl, message) => {
    const answer = await s.ask({ action: 'updateProfile', avatarUrl });
    expect(answer).toMatchObject({
      type: 'error',
      code: 'invalid_avatar_url',
      message: expect.stringMatching(message),
    });
  });
});

it('too_many_tries says the wait that Retry-After says', async () => {
  const phone = '+14155550185';
  expect((await http(e2e.base, 'POST', '/auth/start', { phone })).status).toBe(202);
  const code = /\b(\d{6})\b/.exec(
    (await http(e2e.base, 'GET', `/sandbox/phones/${encodeURIComponent(phone)}/messages`)).json.messages[0]
      .body,
  )![1];
  const wrong = code === '000000' ? '111111' : '000000';
  let res: Response | undefined;
  for (let i = 0; i < 6; i++)
    res = await fetch(`${e2e.base}/auth/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone, code: wrong }),
    });
  expect(res!.status).toBe(429);
  const seconds = Number(res!.headers.get('retry-after'));
  const { error } = await res!.json();
  expect(error.code).toBe('too_many_tries');
  const named = seconds < 60 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
  expect(error.message).toBe(`too many tries for this phone from here; try again in ${named}`);
});
