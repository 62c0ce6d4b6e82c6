#!/usr/bin/env node
/**
 * Smoke test of a running imsms, deployed or local, from the command line (docs/deploy.md, "Smoke test"):
 * sign in over HTTP (POST /auth/start, POST /auth/verify), connect a WebSocket with the session token, send a
 * message, and read its receipts until the message is delivered.
 *
 *   node scripts/smoke.mjs --http <HttpApiUrl> --ws <WebSocketUrl> --phone <E.164> --to-phone <E.164>
 *   node scripts/smoke.mjs --local http://localhost:3000 --phone +14155550001 --to-phone +14155550002
 *
 * --phone       the sender's phone; it receives a sign-in code.
 * --to-phone    the recipient's phone: signed in and connected too, it acks the message, so the receipt
 *               reaches `delivered` (IM). Costs a second sign-in code.
 * --to          instead of --to-phone: the imNumber of an existing user; the script then waits for the first
 *               receipt past `accepted` (`delivered`, or `sent_sms` when that user is offline).
 * --local <url> the local stack (`npm start`): HTTP and WebSocket on that base URL, and the codes are read
 *               from the Twilio-compatible sandbox's inbox instead of being typed in.
 * --timeout <s> how long to wait for each step (default 60; a fallback SMS needs ACK_TIMEOUT_MS first).
 *
 * Codes: against a deployed stack the script asks for each code on stdin (one line each, so they can be piped).
 * Output names steps and statuses only: no phone, code or token. Exit 0 when delivered, 1 otherwise, with the
 * reason (an HTTP error code, an error frame, a `failed` receipt, or a timeout).
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { clearTimeout, setTimeout } from 'node:timers';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

const { fetch } = globalThis; // Node 18+

const USAGE = `usage:
  node scripts/smoke.mjs --http <HttpApiUrl> --ws <WebSocketUrl> --phone <E.164> (--to-phone <E.164> | --to <imNumber>)
  node scripts/smoke.mjs --local <http://host:port> --phone <E.164> (--to-phone <E.164> | --to <imNumber>)
options: --timeout <seconds> (default 60), --help. Full description: docs/deploy.md, "Smoke test".`;

/** Bad arguments: the reason and the usage, on stderr, exit 2 (no stack trace). */
function usageError(reason) {
  process.stderr.write(`smoke: ${reason}\n${USAGE}\n`);
  process.exit(2);
}

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      help: { type: 'boolean', short: 'h' },
      http: { type: 'string' },
      ws: { type: 'string' },
      local: { type: 'string' },
      phone: { type: 'string' },
      'to-phone': { type: 'string' },
      to: { type: 'string' },
      timeout: { type: 'string', default: '60' },
    },
  }));
} catch (err) {
  usageError(err.message);
}
if (opts.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (opts.phone && opts['to-phone'] && opts.phone === opts['to-phone']) {
  usageError('--phone and --to-phone must be two different phones (a user cannot message themself)');
}

class SmokeError extends Error {}
const fail = (message) => {
  throw new SmokeError(message);
};
const step = (message) => process.stdout.write(`${message}\n`);

const local = opts.local?.replace(/\/+$/, '');
const httpBase = (opts.http ?? local)?.replace(/\/+$/, '');
const wsUrl = opts.ws ?? (local ? `${local.replace(/^http/, 'ws')}/ws` : undefined);
const timeoutMs = Number(opts.timeout) * 1000;

let stdinLines;
/** The next line of stdin (the code the user reads on their phone). */
async function askCode(label) {
  if (!stdinLines) stdinLines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  process.stdout.write(`code texted to the ${label} phone: `);
  const { value, done } = await stdinLines.next();
  if (done) fail(`no code for the ${label} phone on stdin`);
  if (!process.stdin.isTTY) process.stdout.write('\n'); // piped: the code was not echoed
  return value.trim();
}

async function call(method, path, body) {
  const res = await fetch(`${httpBase}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Local only: the newest 6-digit code in the phone's sandbox inbox, after `before` messages. */
async function sandboxCode(phone, before) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { json } = await call('GET', `/sandbox/phones/${encodeURIComponent(phone)}/messages`);
    const fresh = (json?.messages ?? []).slice(before);
    const code = fresh.map((m) => /\b(\d{6})\b/.exec(m.body)?.[1]).find(Boolean);
    if (code) return code;
    await sleep(200);
  }
  return fail('no sign-in code reached the sandbox inbox');
}

async function signIn(phone, label) {
  const before = local
    ? ((await call('GET', `/sandbox/phones/${encodeURIComponent(phone)}/messages`)).json?.messages ?? [])
        .length
    : 0;
  const start = await call('POST', '/auth/start', { phone });
  if (start.status !== 202)
    fail(`POST /auth/start (${label}): ${start.status} ${start.json?.error?.code ?? ''}`);
  step(`${label}: code requested (POST /auth/start 202)`);
  const code = local ? await sandboxCode(phone, before) : await askCode(label);
  const verify = await call('POST', '/auth/verify', { phone, code });
  if (verify.status !== 200 || !verify.json?.token)
    fail(`POST /auth/verify (${label}): ${verify.status} ${verify.json?.error?.code ?? ''}`);
  step(`${label}: signed in (POST /auth/verify 200)`);
  return { token: verify.json.token, imNumber: verify.json.user.imNumber };
}

/** Opens the WebSocket with the token; `onFrame` gets every parsed frame. */
function connect(token, label, onFrame) {
  return new Promise((resolve, reject) => {
    const sep = wsUrl.includes('?') ? '&' : '?';
    const socket = new WebSocket(`${wsUrl}${sep}token=${encodeURIComponent(token)}`);
    const timer = setTimeout(() => reject(new SmokeError(`${label}: WebSocket did not open`)), timeoutMs);
    socket.on('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new SmokeError(`${label}: WebSocket refused with HTTP ${res.statusCode}`));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(new SmokeError(`${label}: WebSocket error ${err.message}`));
    });
    socket.on('open', () => {
      clearTimeout(timer);
      step(`${label}: WebSocket connected`);
      resolve(socket);
    });
    socket.on('message', (data) => {
      let frame;
      try {
        frame = JSON.parse(String(data));
      } catch {
        return;
      }
      onFrame(frame, socket);
    });
  });
}

async function main() {
  if (!httpBase || !wsUrl)
    fail('give --http and --ws (the stack outputs HttpApiUrl, WebSocketUrl), or --local <url>');
  if (!opts.phone) fail('give --phone (the sender; it receives a sign-in code)');
  if (!opts['to-phone'] === !opts.to)
    fail('give exactly one of --to-phone (a second phone) or --to (an imNumber)');

  const sockets = [];
  try {
    const sender = await signIn(opts.phone, 'sender');
    let to = opts.to;
    if (opts['to-phone']) {
      const recipient = await signIn(opts['to-phone'], 'recipient');
      to = recipient.imNumber;
      sockets.push(
        await connect(recipient.token, 'recipient', (frame, socket) => {
          if (frame.type !== 'message') return;
          step(`recipient: message received (via ${frame.via}), acking`);
          socket.send(JSON.stringify({ action: 'ack', id: frame.id }));
        }),
      );
    }

    const clientId = `smoke-${randomUUID()}`;
    const done = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new SmokeError('no final receipt in time (is the recipient connected?)')),
        timeoutMs,
      );
      const finish = (fn, value) => {
        clearTimeout(timer);
        fn(value);
      };
      connect(sender.token, 'sender', (frame) => {
        if (frame.type === 'error') finish(reject, new SmokeError(`error frame: ${frame.code}`));
        if (frame.type !== 'receipt' || frame.clientId !== clientId) return;
        step(`receipt: ${frame.status} (path ${JSON.stringify(frame.path)}, id ${frame.id})`);
        if (frame.status === 'failed')
          finish(reject, new SmokeError(`message failed: ${frame.reason ?? ''}`));
        else if (frame.status !== 'accepted') finish(resolve, frame);
      }).then(
        (socket) => {
          sockets.push(socket);
          socket.send(JSON.stringify({ action: 'sendMessage', to, text: 'imsms smoke test', clientId }));
          step('sender: sendMessage sent');
        },
        (err) => finish(reject, err),
      );
    });
    const receipt = await done;
    step(`OK: delivered as ${receipt.status}`);
  } finally {
    for (const s of sockets) s.close();
    stdinLines?.return?.();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    // A network failure says what failed (fetch's cause), not a stack trace.
    const reason =
      err instanceof SmokeError
        ? err.message
        : `${err?.message ?? err}${err?.cause ? ` (${err.cause.message ?? err.cause})` : ''}`;
    process.stderr.write(`smoke: FAILED: ${reason}\n`);
    process.exit(1);
  },
);
