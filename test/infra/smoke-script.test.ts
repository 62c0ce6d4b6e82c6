/**
 * scripts/smoke.mjs, the command-line smoke test of docs/deploy.md, run against the local stack so it cannot
 * rot: the same HTTP sign-in and WebSocket frames it sends to a deployed stack, with the codes read from the
 * sandbox inbox (--local).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';

const ROOT = path.resolve(__dirname, '..', '..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-smoke-'));
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, dataDir, quiet: true });
});
afterAll(async () => {
  await stack.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the script as a user would (a child node, while this process serves the stack). */
function smoke(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['scripts/smoke.mjs', '--local', `http://127.0.0.1:${stack.port}`, '--timeout', '60', ...args],
      { cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** The sign-in code in a fresh phone's sandbox inbox, once it is there. */
async function codeOf(phone: string): Promise<string> {
  for (;;) {
    const res = await fetch(
      `http://127.0.0.1:${stack.port}/sandbox/phones/${encodeURIComponent(phone)}/messages`,
    );
    const { messages } = (await res.json()) as { messages: Array<{ body: string }> };
    const code = messages.map((m) => /\b(\d{6})\b/.exec(m.body)?.[1]).find(Boolean);
    if (code) return code;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('signs in two phones, connects, sends, and reads the receipt up to delivered', async () => {
  const sender = '+14155557101';
  const recipient = '+14155557102';
  const run = await smoke(['--phone', sender, '--to-phone', recipient]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/sender: signed in/);
  expect(run.stdout).toMatch(/recipient: message received \(via im\), acking/);
  expect(run.stdout).toMatch(/receipt: accepted/);
  expect(run.stdout).toMatch(/receipt: delivered \(path \["im"\]/);
  expect(run.stdout).toMatch(/OK: delivered as delivered/);
  // No personal data in what it prints.
  for (const phone of [sender, recipient]) expect(run.stdout).not.toContain(phone.slice(1));
}, 150_000);

test('as against a deployed stack (--http/--ws, codes typed on stdin): reaches delivered', async () => {
  const base = `http://127.0.0.1:${stack.port}`;
  const phones = { sender: '+14155557111', recipient: '+14155557112' };
  const child = spawn(
    process.execPath,
    [
      'scripts/smoke.mjs',
      '--http',
      base,
      '--ws',
      `ws://127.0.0.1:${stack.port}/ws`,
      '--phone',
      phones.sender,
      '--to-phone',
      phones.recipient,
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let answered = 0;
  child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  child.stdout.on('data', (d: Buffer) => {
    stdout += String(d);
    // A person reads the code on the phone and types it: here, from the sandbox inbox.
    const prompts = [...stdout.matchAll(/code texted to the (sender|recipient) phone: /g)];
    for (const [, who] of prompts.slice(answered)) {
      answered++;
      void codeOf(phones[who as 'sender' | 'recipient']).then((code) => child.stdin.write(`${code}\n`));
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(0);
  expect(answered).toBe(2);
  expect(stdout).toMatch(/receipt: delivered \(path \["im"\]/);
}, 150_000);

test('fails with the reason and exit 1 when the message cannot be routed (unknown imNumber)', async () => {
  const run = await smoke(['--phone', '+14155557103', '--to', '98765432']);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/smoke: FAILED: error frame: unknown_recipient/);
}, 150_000);

test('refuses unclear arguments before calling anything', async () => {
  const run = await smoke(['--phone', '+14155557104']);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/exactly one of --to-phone .* or --to/);
  expect(run.stdout).toBe('');
}, 30_000);

test.each([
  [['--help'], 0, /^usage:/],
  [['--bogus'], 2, /smoke: Unknown option '--bogus'[\s\S]*usage:/],
  [['--phone', '+14155557105', '--to-phone', '+14155557105'], 2, /must be two different phones/],
])(
  '%j answers with the usage and no stack trace',
  async (args, code, pattern) => {
    const run = await smoke(args);
    expect(run.code).toBe(code);
    expect(code === 0 ? run.stdout : run.stderr).toMatch(pattern);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  },
  30_000,
);
