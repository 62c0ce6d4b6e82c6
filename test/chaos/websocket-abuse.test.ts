import fc from 'fast-check';
import WebSocket from 'ws';
import { messageIdFor } from '../../shared/core/ids';
import { eventually, http, ImClient, type E2eUser } from '../support/e2e-client';
import { chatOf, connect, quietly, signUp, startChaosStack, type ChaosStack } from './support/chaos-stack';
import { exchange, frameArbitrary, isProtocolFrame } from './support/frames';
import { crashes, findLeaks, marker } from './support/privacy';

/**
 * Hostile WebSocket traffic over real sockets on the local stack: messages over 128 KB and frames over 32 KB,
 * invalid UTF-8, binary
 * frames, and random frames. Each gets a clear answer (a close code, or an error frame on an open socket),
 * nothing is stored, and the server stays up.
 */

/** API Gateway's quotas: a message (all its fragments) up to 128 KB, each frame up to 32 KB. */
const MESSAGE_LIMIT = 128 * 1024;
const FRAME_LIMIT = 32 * 1024;
const WS_FUZZ_RUNS = 300;

let cs: ChaosStack;
let alice: E2eUser;
let bob: E2eUser;
beforeAll(async () => {
  cs = await startChaosStack();
  alice = await signUp(cs.base, cs.phones, cs.secrets, '+14155550301', 'alice');
  bob = await signUp(cs.base, cs.phones, cs.secrets, '+14155550302', 'bob');
});
afterAll(() => cs.stop());

const closed = (c: ImClient) =>
  new Promise<{ code: number }>((resolve) => {
    if (c.ws.readyState === WebSocket.CLOSED) resolve({ code: -1 });
    c.ws.once('close', (code) => resolve({ code }));
  });
const liveConnections = async (u: E2eUser) =>
  (await cs.store.logins.getRecipient(u.imNumber))!.connections.length;

/** A sendMessage frame whose whole JSON is exactly `bytes` long. */
function frameOfSize(bytes: number, clientId: string): string {
  const shell = JSON.stringify({ action: 'sendMessage', to: bob.imNumber, text: '', clientId });
  return JSON.stringify({
    action: 'sendMessage',
    to: bob.imNumber,
    text: 'x'.repeat(bytes - shell.length),
    clientId,
  });
}

/** Sends one text message as fragments of at most FRAME_LIMIT bytes. */
function sendInFrames(ws: WebSocket, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let at = 0; at < bytes.length; at += FRAME_LIMIT) {
    ws.send(bytes.subarray(at, at + FRAME_LIMIT), { binary: false, fin: at + FRAME_LIMIT >= bytes.length });
  }
}

/** The server still answers: health, a new socket, a ping. */
async function serverIsUp(): Promise<boolean> {
  const health = await http(cs.base, 'GET', '/healthz');
  const probe = await ImClient.connect(cs.base, alice.token);
  probe.send({ action: 'ping' });
  await probe.waitFor((f) => f.type === 'pong');
  await probe.close();
  return health.status === 200;
}

describe('frames the gateway refuses', () => {
  it.each([
    [
      'a message over 128 KB, in frames of 32 KB',
      (ws: WebSocket) => sendInFrames(ws, frameOfSize(MESSAGE_LIMIT + 1, 'big-1')),
    ],
    ['one frame over 32 KB', (ws: WebSocket) => ws.send(frameOfSize(FRAME_LIMIT + 1, 'big-1'))],
  ])('%s closes the socket with 1009; nothing is stored and the server stays up', async (_what, send) => {
    const [a, b] = [await connect(cs, alice), await connect(cs, bob)];
    const end = closed(a);

    send(a.ws);

    expect((await end).code).toBe(1009);
    expect(await cs.store.messages.getMessage(messageIdFor('im', alice.imNumber, 'big-1'))).toBeNull();
    expect(await quietly(200, () => b.of('message'))).toEqual([]);
    await eventually(async () => ((await liveConnections(alice)) === 0 ? true : undefined));
    expect(await serverIsUp()).toBe(true);
    await b.close();
  });

  it('a message of exactly 128 KB in frames of 32 KB passes the gateway and gets an invalid_text error; the socket stays open', async () => {
    const a = await connect(cs, alice);

    sendInFrames(a.ws, frameOfSize(MESSAGE_LIMIT, 'big-2'));

    const error = await a.waitFor((f) => f.type === 'error');
    expect(error).toMatchObject({ code: 'invalid_text', clientId: 'big-2' });
    expect(a.ws.readyState).toBe(WebSocket.OPEN);
    expect(await cs.store.messages.getMessage(messageIdFor('im', alice.imNumber, 'big-2'))).toBeNull();
    await a.close();
  });

  it.each([
    ['a lone continuation byte', Buffer.from([0x80])],
    ['an overlong encoding of "/"', Buffer.from([0xc0, 0xaf])],
    ['a UTF-16 surrogate encoded as UTF-8', Buffer.from([0xed, 0xa0, 0x80])],
    [
      'a truncated sequence inside a valid frame',
      Buffer.concat([Buffer.from('{"action":"ping","x":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]),
    ],
  ])('invalid UTF-8 (%s) closes the socket with 1007; nothing is stored', async (_label, bytes) => {
    const [a, b] = [await connect(cs, alice), await connect(cs, bob)];
    const end = closed(a);

    a.ws.send(bytes, { binary: false });

    expect((await end).code).toBe(1007);
    expect(await quietly(100, () => [...a.of('error'), ...b.of('message')])).toEqual([]);
    await eventually(async () => ((await liveConnections(alice)) === 0 ? true : undefined));
    expect(await serverIsUp()).toBe(true);
    await b.close();
  });

  it('a binary frame closes the socket with 1003, as API Gateway does', async () => {
    const a = await connect(cs, alice);
    const end = closed(a);

    a.ws.send(Buffer.from(JSON.stringify({ action: 'ping' })), { binary: true });

    expect((await end).code).toBe(1003);
    expect(a.of('pong')).toEqual([]);
    expect(await serverIsUp()).toBe(true);
  });
});

describe('random frames over a real socket', () => {
  it(`${WS_FUZZ_RUNS} random frames: each gets protocol answers only, and the socket stays open`, async () => {
    const a = await connect(cs, alice);
    const seen = new Map<string, number>();

    await fc.assert(
      fc.asyncProperty(frameArbitrary([alice.imNumber, bob.imNumber]), async (raw) => {
        const answers = await exchange(a, raw);
        for (const f of answers) seen.set(f.type ?? 'gateway', (seen.get(f.type ?? 'gateway') ?? 0) + 1);
        return answers.length > 0 && answers.every(isProtocolFrame) && a.ws.readyState === WebSocket.OPEN;
      }),
      { numRuns: WS_FUZZ_RUNS },
    );

    expect(seen.get('error')).toBeGreaterThan(0);
    expect(seen.has('gateway')).toBe(false);
    // 300 round trips one after another, each with the frame-rate write: on a busy 2-core machine that
    // outlasts the default 30 s.
  }, 180_000);

  it('a text with a lone surrogate is delivered by IM and by SMS without a crash', async () => {
    // The fuzzing may have left bob in offline mode: back online first.
    const [a, b] = [await connect(cs, alice), await connect(cs, bob)];
    b.send({ action: 'setPresence', status: 'online' });
    await b.waitFor((f) => f.type === 'presence' && f.status === 'online');
    const tag = cs.secrets.text(marker());
    const raw = (clientId: string) =>
      `{"action":"sendMessage","to":"${bob.imNumber}","text":"half \\ud83d ${tag}","clientId":"${clientId}"}`;

    a.ws.send(raw('sur-1'));
    const frame = await b.waitFor((f) => f.type === 'message' && f.text.endsWith(tag));
    await b.close();
    await eventually(async () => ((await liveConnections(bob)) === 0 ? true : undefined));
    a.ws.send(raw('sur-2'));
    await a.waitFor((f) => f.clientId === 'sur-2' && f.status === 'delivered_sms');

    expect(frame.text).toBe(`half \ud83d ${tag}`);
    const sms = (await chatOf(cs.phones, bob.phone)).filter((m) => m.body.endsWith(tag));
    expect(sms.map((m) => m.body)).toEqual([`alice @${alice.imNumber}: half \ufffd ${tag}`]);
    expect(a.of('error')).toEqual([]);
  });
});

describe('the run', () => {
  it('logged no phone number, code or message text, and no handler crashed', () => {
    expect(cs.logs.length).toBeGreaterThan(50);
    expect(findLeaks(cs.logs, cs.secrets)).toEqual([]);
    expect(crashes(cs.logs)).toEqual([]);
  });
});
