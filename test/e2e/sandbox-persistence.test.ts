import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { eventually, http, inbox } from '../support/e2e-client';

/**
 * The simulated phones keep what they received, and calls keep their state, across a restart of `npm start` on the
 * same DATA_DIR, as accounts and history already did.
 */

const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-sandbox-keep-'));
let stack: LocalStack | undefined;
let base: string;

async function start(): Promise<void> {
  stack = await startLocalStack({ port: 0, dataDir, quiet: true });
  base = `http://127.0.0.1:${stack.port}`;
}

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('phone inboxes and calls survive a restart on the same DATA_DIR', async () => {
  await start();
  const phone = '+14155550188';
  const started = await http(base, 'POST', '/auth/start', { phone });
  expect(started.status).toBe(202);
  const before = await eventually(async () => {
    const messages = await inbox(base, phone);
    return messages.length > 0 ? messages : undefined;
  });
  const { json: sandbox } = await http(base, 'GET', '/sandbox');
  const call = await http(base, 'POST', '/sandbox/calls', { from: phone, to: sandbox.serviceNumbers[0] });
  expect(call.status).toBe(201);
  const callBefore = (await http(base, 'GET', `/sandbox/calls/${call.json.sid}`)).json;
  expect(callBefore.said.length).toBeGreaterThan(0);

  await stack!.stop();
  stack = undefined;
  await start();

  expect(await inbox(base, phone)).toEqual(before);
  const callAfter = await http(base, 'GET', `/sandbox/calls/${call.json.sid}`);
  expect(callAfter.status).toBe(200);
  expect(callAfter.json).toEqual(callBefore);
});

it('starts empty on a fresh DATA_DIR', async () => {
  // One local stack per process at a time: a running one's settings (SANDBOX_URL) would be taken over.
  await stack?.stop();
  stack = undefined;
  const other = mkdtempSync(path.join(tmpdir(), 'imsms-sandbox-fresh-'));
  const fresh = await startLocalStack({ port: 0, dataDir: other, quiet: true });
  try {
    const res = await http(
      `http://127.0.0.1:${fresh.port}`,
      'GET',
      `/sandbox/phones/${encodeURIComponent('+14155550188')}/messages`,
    );
    expect(res.json.messages).toEqual([]);
  } finally {
    await fresh.stop();
    rmSync(other, { recursive: true, force: true });
  }
});
