import WebSocket from 'ws';
import { eventually, type E2eUser } from '../support/e2e-client';
import { ImClient } from '../support/e2e-client';
import { chatOf, connect, quietly, signUp, startChaosStack, type ChaosStack } from './support/chaos-stack';
import { crashes, findLeaks, marker } from './support/privacy';

/**
 * Concurrent connects and disconnects of one user over real sockets: clean closes, dropped TCP connections and
 * handshakes abandoned halfway, all racing each other. After each round the login-status table must hold
 * exactly the sockets still open, and a message must reach exactly those (or go by SMS when none is).
 */

const ROUNDS = 6;
const PER_ROUND = 8;

let cs: ChaosStack;
let pat: E2eUser;
let sam: E2eUser;
beforeAll(async () => {
  cs = await startChaosStack();
  pat = await signUp(cs.base, cs.phones, cs.secrets, '+14155550501', 'pat');
  sam = await signUp(cs.base, cs.phones, cs.secrets, '+14155550502', 'sam');
});
afterAll(() => cs.stop());

/** A deterministic PRNG (mulberry32), so a failing round can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Device {
  ws: WebSocket;
  opened: Promise<boolean>;
  messages: string[];
}

function open(user: E2eUser): Device {
  const ws = new WebSocket(`${cs.base.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(user.token)}`);
  const device: Device = { ws, messages: [], opened: Promise.resolve(false) };
  ws.on('error', () => undefined);
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type !== 'message') return;
    device.messages.push(frame.text);
    ws.send(JSON.stringify({ action: 'ack', id: frame.id }));
  });
  device.opened = new Promise((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('close', () => resolve(false));
  });
  return device;
}

const closedFully = (d: Device) =>
  new Promise<void>((resolve) => {
    if (d.ws.readyState === WebSocket.CLOSED) return resolve();
    d.ws.once('close', () => resolve());
  });
const liveRows = async () =>
  (await cs.store.logins.getRecipient(pat.imNumber))!.connections.filter((c) => c.expiresAt > Date.now())
    .length;

describe('one user, many devices, racing', () => {
  const kept: Device[] = [];

  it.each(Array.from({ length: ROUNDS }, (_, i) => [i + 1]))(
    'round %i: a message reaches exactly the open sockets, and the table then holds exactly those',
    async (round) => {
      const random = prng(round * 7919);
      const leaving = kept.splice(0, Math.floor(random() * (kept.length + 1)));
      const arriving = Array.from({ length: PER_ROUND }, () => ({ fate: random(), delay: random() * 30 }));

      // Everything at once: old devices leave (cleanly or by dropping the connection) while new ones connect,
      // and some of the new ones leave again at once, or give up mid-handshake.
      const stays: Device[] = [];
      const gone: Device[] = [];
      await Promise.all([
        ...leaving.map(async (d, i) => {
          await sleep(random() * 30);
          if (i % 2) d.ws.terminate();
          else d.ws.close();
          gone.push(d);
        }),
        ...arriving.map(async ({ fate, delay }) => {
          await sleep(delay);
          const d = open(pat);
          if (fate < 0.2) {
            await sleep(fate * 20);
            d.ws.terminate(); // abandoned during the handshake (or right after it)
            gone.push(d);
          } else if (fate < 0.45) {
            const opened = await d.opened;
            if (opened && fate < 0.32) d.ws.close();
            else if (opened) d.ws.terminate();
            gone.push(d);
          } else if (await d.opened) {
            stays.push(d);
          }
        }),
      ]);
      kept.push(...stays);
      await Promise.all(gone.map(closedFully));

      const text = cs.secrets.text(`round ${round} ${marker()}`);
      const sender = open(sam);
      await sender.opened;
      sender.ws.send(
        JSON.stringify({ action: 'sendMessage', to: pat.imNumber, text, clientId: `r${round}` }),
      );
      if (kept.length > 0) {
        await eventually(() => (kept.every((d) => d.messages.includes(text)) ? true : undefined));
        expect(
          await quietly(200, () => kept.map((d) => d.messages.filter((m) => m === text).length)),
        ).toEqual(kept.map(() => 1));
        expect(gone.filter((d) => d.messages.includes(text))).toEqual([]);
      } else {
        const sms = await eventually(async () =>
          (await chatOf(cs.phones, pat.phone)).find((m) => m.body.endsWith(text)),
        );
        expect(sms.body).toBe(`sam @${sam.imNumber}: ${text}`);
      }
      // Rows of sockets that went away unnoticed are removed by the push they fail (410 Gone).
      expect(await quietly(200, liveRows)).toBe(kept.length);
      sender.ws.close();
      await closedFully(sender);
    },
  );

  it('when every device has left, the table is empty and messages go by SMS', async () => {
    const all = kept.splice(0);
    all.forEach((d, i) => (i % 2 ? d.ws.terminate() : d.ws.close()));
    await Promise.all(all.map(closedFully));

    const text = cs.secrets.text(`all gone ${marker()}`);
    const sender = open(sam);
    await sender.opened;
    sender.ws.send(JSON.stringify({ action: 'sendMessage', to: pat.imNumber, text, clientId: 'last' }));

    const sms = await eventually(async () =>
      (await chatOf(cs.phones, pat.phone)).find((m) => m.body.endsWith(text)),
    );
    expect(sms.body).toBe(`sam @${sam.imNumber}: ${text}`);
    expect(await liveRows()).toBe(0);
    sender.ws.close();
    await closedFully(sender);
  });

  it('two devices switching to offline mode at once: the mode is offline and messages go by SMS', async () => {
    const [d1, d2] = [open(pat), open(pat)];
    await Promise.all([d1.opened, d2.opened]);
    d1.ws.send(JSON.stringify({ action: 'setPresence', status: 'offline' }));
    d2.ws.send(JSON.stringify({ action: 'setPresence', status: 'offline' }));
    await eventually(async () =>
      (await cs.store.users.getUser(pat.imNumber))!.mode === 'offline' ? true : undefined,
    );

    const text = cs.secrets.text(`offline mode ${marker()}`);
    const sender = open(sam);
    await sender.opened;
    sender.ws.send(JSON.stringify({ action: 'sendMessage', to: pat.imNumber, text, clientId: 'mode' }));

    const sms = await eventually(async () =>
      (await chatOf(cs.phones, pat.phone)).find((m) => m.body.endsWith(text)),
    );
    expect(sms).toBeDefined();
    expect([...d1.messages, ...d2.messages]).not.toContain(text);
    expect(await quietly(200, liveRows)).toBe(2);
    for (const d of [d1, d2, sender]) d.ws.close();
    await Promise.all([d1, d2, sender].map(closedFully));
  });
});

describe('handshakes abandoned halfway', () => {
  // The gateway runs $connect before it completes the upgrade. A client that has hung up by then used to be
  // dropped by ws without a word: no close event, no $disconnect, and its row stayed until a push to it failed
  // or it expired. (Found by this suite; the gateway now treats a socket no longer readable as gone.)
  it('a client that hangs up during the handshake leaves no connection row behind', async () => {
    const user = await signUp(cs.base, cs.phones, cs.secrets, '+14155550503', 'quitter');
    const rows = async () => (await cs.store.logins.getRecipient(user.imNumber))!.connections.length;

    const from = cs.logs.length;
    const devices = Array.from({ length: 10 }, () => open(user));
    // The hang-ups start once the gateway has taken a first handshake: on a loaded machine (load average 5-10) all
    // ten clients once hung up within their 0-9 ms before the server had read a single upgrade, so nothing this
    // test checks happened (0 handshakes).
    const handshakes = () =>
      cs.logs
        .slice(from)
        .filter((l) => (JSON.parse(l) as { event?: string }).event === 'gateway.ws.handshake').length;
    await eventually(async () => (handshakes() > 0 ? true : undefined), 30_000);
    await Promise.all(devices.map(async (d, i) => (await sleep(i), d.ws.terminate())));
    await Promise.all(devices.map(closedFully));

    // The client has hung up long before the gateway is done: on a loaded machine each upgrade's authorizer and
    // $connect may still be running seconds later, and a row may appear after the table first looked empty (a
    // fresh-clone CI run saw 7). So wait (bounded) until the gateway has settled: every handshake it took has
    // its `ws.connect` line, every one it connected (200) its `ws.disconnect`, and no new handshake came for a
    // second. The table must then be empty. Without the gateway's hang-up check the $disconnect lines never
    // come, and this times out.
    const gatewaySettled = () => {
      const lines = cs.logs
        .slice(from)
        .map((l) => JSON.parse(l) as { event?: string; status?: number; connectionId?: string });
      const ids = (event: string, ok?: (l: { status?: number }) => boolean) =>
        new Set(lines.filter((l) => l.event === event && (!ok || ok(l))).map((l) => l.connectionId));
      const taken = ids('gateway.ws.handshake');
      const answered = ids('gateway.ws.connect');
      const connected = ids('gateway.ws.connect', (l) => l.status === 200);
      const gone = ids('gateway.ws.disconnect');
      return {
        handshakes: taken.size,
        settled: [...taken].every((id) => answered.has(id)) && [...connected].every((id) => gone.has(id)),
      };
    };
    let seen = { handshakes: -1, since: Date.now() };
    await eventually(async () => {
      const now = gatewaySettled();
      if (now.handshakes !== seen.handshakes) seen = { handshakes: now.handshakes, since: Date.now() };
      return now.settled && Date.now() - seen.since >= 1000 ? true : undefined;
    }, 30_000);
    expect(seen.handshakes).toBeGreaterThan(0);
    expect(await rows()).toBe(0);
    expect(await quietly(1000, rows)).toBe(0);
  });
});

describe('what contacts are told while sockets race', () => {
  // A user's first socket opening and last socket closing are announced to contacts (docs/protocol.md). Sockets
  // that open or close at the same moment used to each decide on a read made before the other's write: two last
  // sockets closing together never announced `offline`, two first ones opening together announced `online` twice.
  // Every decision is now taken on a read after the call's own write (docs/design.md, "Presence edges").
  it.each([1, 2, 3, 4])(
    'round %i: two sockets opening at once announce online, closing at once announce offline',
    async (round) => {
      const user = await signUp(cs.base, cs.phones, cs.secrets, `+1415555062${round}`, `twin${round}`);
      const friend = await signUp(cs.base, cs.phones, cs.secrets, `+1415555063${round}`, `friend${round}`);
      const watcher = await connect(cs, friend);
      await watcher.api.addContact({ imNumber: user.imNumber });
      const heard = () =>
        watcher
          .of('presence')
          .filter((f) => f.imNumber === user.imNumber)
          .map((f) => f.status as string);

      const devices = await Promise.all([
        ImClient.connect(cs.base, user.token),
        ImClient.connect(cs.base, user.token),
      ]);
      // Both $connects (announcement included) ran before the sockets opened, so every `online` is on its way.
      await eventually(() => (heard().length > 0 ? true : undefined));
      expect(heard().every((s) => s === 'online')).toBe(true);

      for (const d of devices) d.ws.close();
      const offline = await eventually(() => (heard().includes('offline') ? heard() : undefined), 20_000);
      // Once or twice (racing calls may both announce: an idempotent repeat), and after every `online`.
      const onlines = offline.filter((s) => s === 'online').length;
      expect(onlines).toBeGreaterThanOrEqual(1);
      expect(onlines).toBeLessThanOrEqual(2);
      expect(offline.slice(onlines).every((s) => s === 'offline')).toBe(true);

      const rows = (await cs.store.logins.getRecipient(user.imNumber))!.connections;
      expect(rows).toEqual([]);
      const list = await watcher.api.getContacts();
      expect(list.contacts).toEqual([
        expect.objectContaining({ imNumber: user.imNumber, status: 'offline' }),
      ]);
      await watcher.close();
    },
  );
});

describe('the run', () => {
  it('logged no phone number, code or message text, and no handler crashed', () => {
    expect(cs.logs.length).toBeGreaterThan(50);
    expect(findLeaks(cs.logs, cs.secrets)).toEqual([]);
    expect(crashes(cs.logs)).toEqual([]);
  });
});
