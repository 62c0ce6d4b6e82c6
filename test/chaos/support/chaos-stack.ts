import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { dynamoStores } from '../../../shared/adapters/dynamo';
import { startLocalStack, type LocalStack } from '../../../infra/local/stack';
import { eventually, http, ImClient, type E2eUser, type Frame, type Inboxed } from '../../support/e2e-client';
import { OutsideSandbox } from './outside-sandbox';
import { Secrets } from './privacy';

/**
 * The local stack in this process, for the chaos suite: every log line at debug level is kept (the privacy
 * check reads them), and every phone, code and text the test hands it is remembered in `secrets`. With
 * `outsideSandbox`, SMS go to a sandbox on its own server (`sandbox`), whose REST answers a test can script.
 */
export interface ChaosStack {
  stack: LocalStack;
  /** The stack's base URL (API, WebSocket, and the sandbox unless it is outside). */
  base: string;
  /** Where the simulated phones live: the stack itself, or the outside sandbox. */
  phones: string;
  sandbox?: OutsideSandbox;
  logs: string[];
  secrets: Secrets;
  /** The stack's own table, to check what was stored. */
  store: ReturnType<typeof dynamoStores>;
  clients: ImClient[];
  stop(): Promise<void>;
}

export const AUTH_TOKEN = randomBytes(16).toString('hex');
export const JWT_SECRET = randomBytes(32).toString('base64url');

export async function startChaosStack(
  opts: { env?: Record<string, string>; outsideSandbox?: boolean } = {},
): Promise<ChaosStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-chaos-'));
  const logs: string[] = [];
  const sandbox = opts.outsideSandbox ? await OutsideSandbox.start(AUTH_TOKEN) : undefined;
  const stack = await startLocalStack({
    port: 0,
    dataDir,
    quiet: true,
    onLog: (line) => logs.push(line),
    env: {
      LOG_LEVEL: 'debug',
      // Floods and fuzz runs here test other things; issue 14's limits are proven in test/e2e/abuse-limits.
      WS_FRAMES_PER_CONNECTION: '1000000',
      WS_FRAMES_PER_USER: '1000000',
      SMS_DAILY_SEGMENTS: '100000',
      SMS_DAILY_PER_PHONE: '100000',
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      JWT_SECRET,
      ...(sandbox ? { SANDBOX_URL: sandbox.url } : {}),
      ...(opts.env ?? {}),
    },
  });
  const base = `http://127.0.0.1:${stack.port}`;
  sandbox?.attach(stack.config.publicUrl, base, stack.config.serviceNumbers);
  const dynamo = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: stack.config.dynamodbEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const clients: ImClient[] = [];
  return {
    stack,
    base,
    phones: sandbox?.url ?? base,
    sandbox,
    logs,
    secrets: new Secrets(),
    store: dynamoStores(dynamo, stack.config.tableName),
    clients,
    stop: async () => {
      await Promise.all(clients.map((c) => c.close()));
      dynamo.destroy();
      await stack.stop();
      await sandbox?.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let ips = 0;

/** What a phone has received, from whichever sandbox holds it. */
export async function inboxOf(phones: string, phone: string): Promise<Inboxed[]> {
  const res = await http(phones, 'GET', `/sandbox/phones/${encodeURIComponent(phone)}/messages`);
  return res.json.messages;
}

/** The chat SMS a phone got (not its sign-up codes). */
export async function chatOf(phones: string, phone: string): Promise<Inboxed[]> {
  return (await inboxOf(phones, phone)).filter((m) => !m.body.startsWith('Your IM code'));
}

/** Signs up over HTTP with the code from the phone's inbox; the phone and the code are remembered. */
export async function signUp(
  base: string,
  phones: string,
  secrets: Secrets,
  phone: string,
  name?: string,
): Promise<E2eUser> {
  secrets.phone(phone);
  const before = (await inboxOf(phones, phone)).length;
  const start = await http(
    base,
    'POST',
    '/auth/start',
    { phone },
    { 'x-forwarded-for': `198.18.1.${++ips}` },
  );
  if (start.status !== 202) throw new Error(`auth/start ${start.status} ${start.text}`);
  const sms = await eventually(async () => (await inboxOf(phones, phone))[before]);
  const code = secrets.code(/\b(\d{6})\b/.exec(sms.body)![1]);
  const verify = await http(base, 'POST', '/auth/verify', { phone, code, name });
  if (verify.status !== 200) throw new Error(`auth/verify ${verify.status} ${verify.text}`);
  return { token: verify.json.token, ...verify.json.user };
}

/** Opens a real socket for the user and keeps it for `stop()`. */
export async function connect(cs: ChaosStack, user: E2eUser): Promise<ImClient> {
  const client = await ImClient.connect(cs.base, user.token);
  cs.clients.push(client);
  return client;
}

/** A phone texts a service number through the sandbox, which calls the signed webhook. */
export async function phoneTexts(
  cs: ChaosStack,
  from: string,
  body: string,
  opts: { to?: string; messageSid?: string } = {},
) {
  cs.secrets.phone(from);
  return http(cs.phones, 'POST', '/sandbox/sms', {
    from,
    to: opts.to ?? cs.stack.config.serviceNumbers[0],
    body,
    ...(opts.messageSid ? { messageSid: opts.messageSid } : {}),
  });
}

/** Waits a little and returns what the client has; for checks that something did NOT happen. */
export async function quietly<T>(ms: number, read: () => T | Promise<T>): Promise<T> {
  await new Promise((r) => setTimeout(r, ms));
  return read();
}

export const receipts = (c: ImClient): Frame[] => c.of('receipt');
export const statuses = (c: ImClient, clientId: string): string[] =>
  c
    .of('receipt')
    .filter((r) => r.clientId === clientId)
    .map((r) => r.status);

/** A Twilio webhook as Twilio sends it: form-encoded, signed over PUBLIC_URL + path (+ query). */
export function twilioForm(
  cs: ChaosStack,
  path: string,
  params: Record<string, string>,
  opts: { query?: string; authToken?: string; signedUrl?: string } = {},
): { url: string; signature: string; body: string } {
  const tail = `${path}${opts.query ? `?${opts.query}` : ''}`;
  const signedUrl = opts.signedUrl ?? `${cs.stack.config.publicUrl}${tail}`;
  return {
    url: tail,
    signature: getExpectedTwilioSignature(opts.authToken ?? AUTH_TOKEN, signedUrl, params),
    body: new URLSearchParams(params).toString(),
  };
}

/** POSTs a (captured or crafted) webhook to the stack with the given signature. */
export async function postWebhook(
  cs: ChaosStack,
  hook: { url: string; signature: string | null; body: string },
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${cs.base}${hook.url}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(hook.signature === null ? {} : { 'x-twilio-signature': hook.signature }),
    },
    body: hook.body,
  });
  return { status: res.status, text: await res.text() };
}

let sids = 0;
/** A fresh MessageSid, as Twilio makes them: SM + 32 hex. */
export const newSid = (): string => `SM${randomBytes(12).toString('hex')}${String(++sids).padStart(8, '0')}`;
