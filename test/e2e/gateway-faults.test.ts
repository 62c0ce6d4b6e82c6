import { MAX_TEXT_CHARS } from '../../shared/core/conversion/message-text';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import WebSocket from 'ws';
import { TaskTracker } from '../../infra/local/sandbox/task-tracker';
import { formEncode, WebhookClient, type WebhookParams } from '../../infra/local/sandbox/webhook-client';
import { eventually, http, ImClient, signUp, type E2eUser } from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * Issue 14, items 3, 7 and 15, through the whole local stack: real signed webhooks, real sockets, the real
 * @connections client inside the handlers.
 */

const AUTH_TOKEN = 'gateway-faults-auth-token';
const FRAME_LIMIT = 32 * 1024;
const logs: Record<string, unknown>[] = [];
const trackers: TaskTracker[] = [];
// debug: the gateway's own lines, which name connection ids, are what an attacker could read.
const e2e = useLocalStack('gateway-faults', {
  env: { TWILIO_AUTH_TOKEN: AUTH_TOKEN, LOG_LEVEL: 'debug' },
  onLog: (line) => logs.push(JSON.parse(line)),
});
afterAll(async () => {
  await Promise.all(trackers.map((t) => t.close()));
});

let n = 700;
const newPhone = () => `+1415555${String(++n).padStart(4, '0')}`;
const connect = (user: E2eUser) => e2e.connect(user);
/** Every text frame a client receives, as raw UTF-8 bytes. */
const rawFrames = (client: ImClient): Buffer[] => {
  const seen: Buffer[] = [];
  client.ws.on('message', (data: Buffer) => seen.push(data));
  return seen;
};
const closed = (client: ImClient) =>
  new Promise<number>((resolve) => client.ws.once('close', (code: number) => resolve(code)));

/** The sandbox's signer, delivering to this stack: a webhook exactly as Twilio would sign and send it. */
function twilio(): WebhookClient {
  const tracker = new TaskTracker();
  trackers.push(tracker);
  return new WebhookClient({
    authToken: AUTH_TOKEN,
    publicUrl: e2e.stack.config.publicUrl,
    deliverTo: e2e.base,
    tracker,
  });
}
const inboundSms = (from: string, body: string, extra: WebhookParams = {}): WebhookParams => ({
  MessageSid: `SM${String(++n).padStart(32, '0')}`,
  AccountSid: e2e.stack.config.twilioAccountSid,
  From: from,
  To: e2e.stack.config.serviceNumbers[0]!,
  Body: body,
  NumMedia: '0',
  ...extra,
});

/** JSON with every non-ASCII UTF-16 unit escaped as \uXXXX, as Python's json.dumps and others write it. */
const asciiJson = (value: unknown): string =>
  JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** Sends one text message as fragments of at most `size` bytes. */
function sendInFrames(ws: WebSocket, text: string, size: number): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; at += size) {
    ws.send(bytes.subarray(at, at + size), { binary: false, fin: at + size >= bytes.length });
  }
}

describe('item 3: a correctly signed webhook with a repeated form key', () => {
  it('is accepted, signed as Twilio signs it (each value of the key, sorted), and routed', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const b = await connect(bob);

    const res = await twilio().send({
      url: `${e2e.stack.config.publicUrl}/twilio/sms`,
      method: 'POST',
      params: inboundSms(alice.phone, `@${bob.imNumber} with repeated keys`, {
        Tag: ['zeta', 'alpha', 'mu'],
      }),
    });

    expect(res.status).toBe(200);
    const message = await b.waitFor((f) => f.type === 'message');
    expect(message).toMatchObject({ from: alice.imNumber, text: 'with repeated keys', via: 'sms' });
  });

  it('is refused with 403 when a value was added to a key after signing, and nothing is routed', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const b = await connect(bob);
    const signed = inboundSms(alice.phone, `@${bob.imNumber} tampered`, { Tag: 'zeta' });
    const signature = getExpectedTwilioSignature(
      AUTH_TOKEN,
      `${e2e.stack.config.publicUrl}/twilio/sms`,
      signed,
    );

    // The last value is the one that was signed; a parser that keeps only the last value would accept this.
    const res = await fetch(`${e2e.base}/twilio/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: formEncode({ ...signed, Tag: ['alpha', 'zeta'] }),
    });

    expect(res.status).toBe(403);
    // The same phone's next, honest text arrives first and alone: the tampered one was never routed.
    await twilio().send({
      url: `${e2e.stack.config.publicUrl}/twilio/sms`,
      method: 'POST',
      params: inboundSms(alice.phone, `@${bob.imNumber} honest`),
    });
    await b.waitFor((f) => f.type === 'message');
    expect(b.of('message').map((m) => m.text)).toEqual(['honest']);
  });
});

describe('item 15: @connections is not served on the public port', () => {
  it.each([
    ['POST', '/@connections/'],
    ['GET', '/@connections/'],
    ['DELETE', '/@connections/'],
    ['POST', '/local/@connections/'],
  ])(
    '%s %s<a live connection id> answers 404 in the error shape, and the socket gets nothing',
    async (method, prefix) => {
      const bob = await signUp(e2e.base, newPhone());
      const b = await connect(bob);
      const frames = rawFrames(b);
      // The id as anyone reading the logs would find it.
      const connectionId = await eventually(
        () =>
          logs.filter((l) => l.event === 'gateway.ws.connect' && l.status === 200).at(-1)
            ?.connectionId as string,
      );

      const res = await http(
        e2e.base,
        method,
        `${prefix}${encodeURIComponent(connectionId)}`,
        method === 'POST' ? '{"type":"message","id":"x","from":"1","text":"forged"}' : undefined,
      );

      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
      b.send({ action: 'ping' });
      await b.waitFor((f) => f.type === 'pong');
      expect(frames.map(String)).toEqual(['{"type":"pong"}']);
      expect(b.ws.readyState).toBe(WebSocket.OPEN);
    },
  );

  it("the handlers' own pushes still arrive", async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const [a, b] = [await connect(alice), await connect(bob)];

    a.send({ action: 'sendMessage', to: bob.imNumber, text: 'pushed', clientId: 'p-1' });

    expect(await b.waitFor((f) => f.type === 'message')).toMatchObject({ text: 'pushed', via: 'im' });
    await a.waitFor((f) => f.type === 'receipt' && f.status === 'delivered');
  });
});

describe('item 7: API Gateway frame limits', () => {
  const emoji = '😀'.repeat(4000);

  it('a valid 4,000-emoji sendMessage escaped in one 48 KB frame closes the socket with 1009; nothing is sent', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const [a, b] = [await connect(alice), await connect(bob)];
    const frame = asciiJson({ action: 'sendMessage', to: bob.imNumber, text: emoji, clientId: 'big-1' });
    expect(frame.length).toBeGreaterThan(FRAME_LIMIT);
    const end = closed(a);

    a.ws.send(frame);

    expect(await end).toBe(1009);
    const a2 = await connect(alice);
    a2.send({ action: 'sendMessage', to: bob.imNumber, text: 'after', clientId: 'big-2' });
    await b.waitFor((f) => f.type === 'message');
    expect(b.of('message').map((m) => m.text)).toEqual(['after']);
  });

  it('the same message sent in frames of 32 KB is delivered whole, in a server frame within 32 KB', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const [a, b] = [await connect(alice), await connect(bob)];
    const frames = rawFrames(b);

    sendInFrames(
      a.ws,
      asciiJson({ action: 'sendMessage', to: bob.imNumber, text: emoji, clientId: 'frag-1' }),
      FRAME_LIMIT,
    );

    expect((await b.waitFor((f) => f.type === 'message')).text).toBe(emoji);
    expect(frames[0]!.length).toBeLessThanOrEqual(FRAME_LIMIT);
    await a.waitFor((f) => f.type === 'receipt' && f.status === 'delivered');
  });

  it('the largest message frame (4,000 code points that JSON escapes to 6 bytes each) fits one frame, uncut', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const [a, b] = [await connect(alice), await connect(bob)];
    const frames = rawFrames(b);
    const worst = 'x' + '\u0001\ud800'.repeat(1999) + '\u001f';

    a.send({ action: 'sendMessage', to: bob.imNumber, text: worst, clientId: 'worst-1' });

    expect((await b.waitFor((f) => f.type === 'message')).text).toBe(worst);
    expect(frames[0]!.length).toBeGreaterThan(24_000);
    expect(frames[0]!.length).toBeLessThanOrEqual(FRAME_LIMIT);
  });

  it('an inbound SMS body no schema bounds reaches the app cut to the message limit, in a frame under 32 KB', async () => {
    const [alice, bob] = [await signUp(e2e.base, newPhone()), await signUp(e2e.base, newPhone())];
    const b = await connect(bob);
    const frames = rawFrames(b);

    const res = await twilio().send({
      url: `${e2e.stack.config.publicUrl}/twilio/sms`,
      method: 'POST',
      params: inboundSms(alice.phone, `@${bob.imNumber} ${'é'.repeat(40_000)}`),
    });

    expect(res.status).toBe(200);
    const message = await b.waitFor((f) => f.type === 'message');
    // Cut when stored, as any text: 4,000 code points, like a message sent over IM (before, stored whole and
    // cut only to fit the frame).
    expect(message.text).toBe('é'.repeat(MAX_TEXT_CHARS));
    expect(frames[0]!.length).toBeLessThanOrEqual(FRAME_LIMIT);
  });

  it('every frame an error echoes input into stays within 32 KB', async () => {
    const alice = await signUp(e2e.base, newPhone());
    const a = await connect(alice);
    const frames = rawFrames(a);

    sendInFrames(
      a.ws,
      JSON.stringify({ action: 'x'.repeat(100_000), clientId: 'c'.repeat(64) }),
      FRAME_LIMIT,
    );
    sendInFrames(
      a.ws,
      JSON.stringify({ action: 'sendMessage', to: '1'.repeat(100_000), text: 'y', clientId: 'e-2' }),
      FRAME_LIMIT,
    );

    await eventually(() => (frames.length >= 2 ? true : undefined));
    expect(a.of('error').map((f) => f.code)).toEqual(['unknown_action', 'invalid_recipient']);
    for (const f of frames) expect(f.length).toBeLessThanOrEqual(1024);
  });
});
