import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ACCOUNT_SID, AUTH_TOKEN, FakeApp, PHONE, SERVICE_NUMBERS, startSandbox } from './support/harness';

/**
 * A stop cuts an SMS's status steps short; Twilio's network would have gone on. The next start on the same
 * dataDir takes them up: the message reaches its end and the app's StatusCallback hears each step still due.
 */
let app: FakeApp;
let dataDir: string;
beforeEach(async () => {
  app = await FakeApp.start();
  dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-sandbox-resume-'));
});
afterEach(async () => {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const auth = 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');

async function create(url: string, to: string): Promise<string> {
  const res = await fetch(`${url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      To: to,
      From: SERVICE_NUMBERS[0],
      Body: 'hello',
      StatusCallback: `${app.publicUrl}/status`,
    }).toString(),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { sid: string }).sid;
}

async function statusOf(url: string, sid: string): Promise<string> {
  const res = await fetch(`${url}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`, {
    headers: { authorization: auth },
  });
  return ((await res.json()) as { status: string }).status;
}

it.each([
  ['a reachable phone', 'delivered', PHONE],
  ['an unreachable phone (a number ending in 0099)', 'undelivered', '+14155550099'],
])('a message to %s still queued at a stop ends %s after the restart', async (_what, end, to) => {
  // Steps an hour apart: the stop comes while the message is still queued.
  const first = await startSandbox({ deliverTo: app.address, dataDir, statusDelayMs: 3_600_000 });
  const sid = await create(first.url, to);
  expect(await statusOf(first.url, sid)).toBe('queued');
  await first.close();
  expect(app.received('/status')).toHaveLength(0);

  const second = await startSandbox({ deliverTo: app.address, dataDir, statusDelayMs: 0 });
  try {
    expect(second.sandbox.resume()).toBe(1);
    const hooks = await app.waitFor('/status', 2);
    expect(hooks.map((h) => [h.params.MessageSid, h.params.MessageStatus, h.signatureValid])).toEqual([
      [sid, 'sent', true],
      [sid, end, true],
    ]);
    expect(await statusOf(second.url, sid)).toBe(end);
    expect(second.events.filter((e) => e.event === 'sandbox.message.resumed')).toEqual([
      { event: 'sandbox.message.resumed', fields: { count: 1 } },
    ]);
  } finally {
    await second.close();
  }

  // A third start has nothing left to take up.
  const third = await startSandbox({ deliverTo: app.address, dataDir, statusDelayMs: 0 });
  expect(third.sandbox.resume()).toBe(0);
  await third.close();
  expect(third.events.some((e) => e.event === 'sandbox.message.resumed')).toBe(false);
  expect(app.received('/status')).toHaveLength(2);
});
