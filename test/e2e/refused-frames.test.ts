import WebSocket from 'ws';
import { useLocalStack } from '../support/e2e-stack';
import { http, signUp, type E2eUser } from '../support/e2e-client';

/**
 * Bad input from outside, through the real local stack: each refused WebSocket frame is answered by an `error`
 * frame whose message names the field and its rule in the project's words (one formatter), and leaves exactly
 * one `ws.frame_refused` log line with its route and code, never its body. HTTP bodies are worded the same way.
 */

const lines: string[] = [];
const local = useLocalStack('refused', { env: { LOG_LEVEL: 'debug' }, onLog: (line) => lines.push(line) });
const SECRET_TEXT = 'meet me at 5 +14155550177';
let user: E2eUser;

/** A raw WebSocket of the user's, with the frames it receives. */
async function socket(): Promise<{ ws: WebSocket; next: () => Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(`${local.base.replace(/^http/, 'ws')}/ws?token=${user.token}`);
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
  return { ws, next };
}

const refusals = () =>
  lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => String(l.event).endsWith('ws.frame_refused'));

beforeAll(async () => {
  user = await signUp(local.base, '+14155550161');
}, 60_000);

const frames: Array<[string, string, string, string, string]> = [
  ['a frame without action', '{"to":"12345678"}', 'bad_frame', 'action is required', '$default'],
  ['a frame whose action is a number', '{"action":7}', 'bad_frame', 'action must be a string', '$default'],
  [
    'bad JSON',
    `{"action":"sendMessage","text":"${SECRET_TEXT}"`,
    'bad_json',
    'frame is not valid JSON',
    '$default',
  ],
  [
    'an unknown action',
    '{"action":"dance"}',
    'unknown_action',
    'action "dance" is not an action of this API',
    '$default',
  ],
  [
    'a sendMessage without clientId',
    JSON.stringify({ action: 'sendMessage', to: '12345678', text: SECRET_TEXT }),
    'invalid_client_id',
    'clientId is required',
    'sendMessage',
  ],
  [
    'a setPresence to a status that is not one',
    '{"action":"setPresence","status":"away"}',
    'bad_frame',
    'status must be one of "online", "offline"',
    'setPresence',
  ],
  [
    'a history limit of 0',
    '{"action":"history","with":"12345678","limit":0}',
    'invalid_limit',
    'limit must be an integer from 1 to 100',
    'history',
  ],
  [
    'a history limit that is a string',
    '{"action":"history","with":"12345678","limit":"10"}',
    'invalid_limit',
    'limit must be a number',
    'history',
  ],
  [
    'an addContact with imNumber and phone',
    '{"action":"addContact","imNumber":"12345678","phone":"+14155550177"}',
    'bad_frame',
    'frame must hold either imNumber, or phone and name',
    'addContact',
  ],
  [
    'an empty updateProfile',
    '{"action":"updateProfile"}',
    'bad_frame',
    'frame must hold name, mood or avatarUrl (nothing to update)',
    'updateProfile',
  ],
  [
    'an updateProfile name that breaks the name rule',
    '{"action":"updateProfile","name":"alice smith"}',
    'invalid_name',
    'name must be 1-32 letters, digits, "_", "." or "-", start with a letter and end with a letter or digit',
    'updateProfile',
  ],
  // Refused by the core's rules, after the frame parsed: logged the same way as the parser's refusals.
  [
    'an updateProfile name that looks like a default name',
    '{"action":"updateProfile","name":"u12345678"}',
    'invalid_name',
    'name must not look like a default name (u12345678: one letter, then 4 or more digits)',
    'updateProfile',
  ],
  [
    'an ack of no message',
    '{"action":"ack","id":"no-such-message"}',
    'unknown_message',
    'no message with that id was sent to you',
    'ack',
  ],
  [
    'a history with someone who is not a contact',
    '{"action":"history","with":"99999998"}',
    'unknown_contact',
    'history is kept for your IM contacts only; add them first',
    'history',
  ],
  [
    'an addContact of no user',
    '{"action":"addContact","imNumber":"99999998"}',
    'unknown_recipient',
    'no user has that imNumber',
    'addContact',
  ],
  [
    'an addContact of a phone that is no number',
    '{"action":"addContact","phone":"+1415","name":"Dana"}',
    'invalid_phone',
    'phone is not a valid phone number',
    'addContact',
  ],
];

it.each(frames)(
  '%s: an error frame in the project’s words, and one ws.frame_refused line with its route and code',
  async (_what, raw, code, message, action) => {
    const { ws, next } = await socket();
    try {
      const before = refusals().length;
      ws.send(raw);
      const answer = await next();
      expect(answer).toMatchObject({ type: 'error', code, message });
      expect(String(answer.message)).not.toMatch(/Invalid input|expected/);
      const logged = refusals().slice(before);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({
        level: 'info',
        action,
        reason: code,
        connectionId: expect.any(String),
      });
      expect(logged[0].function_name).toEqual(expect.any(String));
      const line = JSON.stringify(logged[0]);
      expect(line).not.toContain('14155550177');
      expect(line).not.toContain('meet me');
      expect(line).not.toContain('dance');
    } finally {
      ws.close();
    }
  },
  30_000,
);

it('a frame over the 32 KB quota closes the socket with 1009 and leaves one frame_too_large line', async () => {
  const { ws } = await socket();
  const before = refusals().length;
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send(
    JSON.stringify({ action: 'sendMessage', to: '12345678', text: 'x'.repeat(40_000), clientId: 'c1' }),
  );
  expect(await closed).toBe(1009);
  const logged = refusals().slice(before);
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatchObject({ reason: 'frame_too_large', connectionId: expect.any(String) });
  expect(JSON.stringify(logged[0])).not.toContain('xxxx');
}, 30_000);

it('a frame the server takes leaves no ws.frame_refused line', async () => {
  const { ws, next } = await socket();
  try {
    const before = refusals().length;
    ws.send('{"action":"ping"}');
    expect(await next()).toMatchObject({ type: 'pong' });
    expect(refusals().slice(before)).toEqual([]);
  } finally {
    ws.close();
  }
}, 30_000);

describe('HTTP bodies: the same wording, the field named first', () => {
  it.each([
    ['/auth/start', { phone: 5 }, 'invalid_phone', /^phone must be /],
    ['/auth/verify', { phone: '+14155550161', code: 'abc' }, 'invalid_code', /^code must be /],
    ['/sandbox/sms', { to: '+15005550100', body: 'x' }, 'invalid_request', /^from is required$/],
    [
      '/sandbox/sms',
      { from: '+14155550161', to: '+15005550100', body: 7 },
      'invalid_request',
      /^body must be a string$/,
    ],
  ])('POST %s %j: 400 %s', async (path, body, code, message) => {
    const res = await http(local.base, 'POST', path, body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.message).toMatch(message);
  });
});
