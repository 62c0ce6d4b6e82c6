import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../shared/config';

/**
 * `npm start` with a bad endpoint or number setting stops at once with one line naming the setting and what is
 * wrong with its value, instead of an SDK error that names neither ("UnknownError", "connect ECONNREFUSED").
 */

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs the start command (what `npm start` execs) with `env`; resolves with its exit code and stderr. */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', DATA_DIR: mkdtempSync(path.join(tmpdir(), 'imsms-setting-')), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  // A setting that should have stopped the start but did not: the stack runs; end it (exit code null) rather
  // than wait for the test's timeout and leave it running.
  let stdout = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
    if (stdout.includes('Console:')) child.kill('SIGKILL');
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

/** A loopback port nothing listens on (bound, then closed). */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

jest.setTimeout(120_000);

describe('npm start with a bad DYNAMODB_ENDPOINT names the setting', () => {
  it('not a URL at all: "notaurl"', async () => {
    const { code, stderr } = await start({ DYNAMODB_ENDPOINT: 'notaurl' });
    expect(code).toBe(1);
    expect(stderr).toContain(
      'Invalid DYNAMODB_ENDPOINT: must be an http:// or https:// URL: "notaurl" is not a URL',
    );
  });

  it('the http:// left out: "localhost:8000" (which parses as a URL of scheme "localhost:")', async () => {
    const { code, stderr } = await start({ DYNAMODB_ENDPOINT: 'localhost:8000' });
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid DYNAMODB_ENDPOINT');
    expect(stderr).toContain('did you mean http://localhost:8000?');
    expect(stderr).not.toContain('UnknownError');
  });

  it('a URL nothing answers on', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const { code, stderr } = await start({ DYNAMODB_ENDPOINT: endpoint });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `Invalid DYNAMODB_ENDPOINT: ${endpoint} did not answer as DynamoDB (ECONNREFUSED)`,
    );
  });

  it('the other settings too: PUBLIC_URL without its scheme, a number in hex', async () => {
    const publicUrl = await start({ PUBLIC_URL: 'im.example.com' });
    expect(publicUrl.code).toBe(1);
    expect(publicUrl.stderr).toContain('Invalid PUBLIC_URL: must be an http:// or https:// URL');
    const ack = await start({ ACK_TIMEOUT_MS: '0x50' });
    expect(ack.code).toBe(1);
    expect(ack.stderr).toContain(
      'Invalid ACK_TIMEOUT_MS: must be an integer from 100 to 900000 (got "0x50")',
    );
  });
});

describe('every URL and number setting is checked the same way', () => {
  it.each(['DYNAMODB_ENDPOINT', 'WS_ENDPOINT', 'PUBLIC_URL', 'SANDBOX_URL', 'ACK_QUEUE_URL'])(
    '%s must be an http(s) URL with a host',
    (name) => {
      for (const bad of ['notaurl', 'localhost:8000', 'ftp://host.test', 'file:///tmp/x', ''])
        expect(() => loadConfig({ [name]: bad })).toThrow(
          new RegExp(`^Invalid ${name}: must be an http:// or https:// URL`),
        );
      expect(() => loadConfig({ [name]: 'https://host.test/x' })).not.toThrow();
    },
  );

  it.each([
    'ACK_TIMEOUT_MS',
    'CONNECTION_TTL_SECONDS',
    'SMS_RESEND_AFTER_MS',
    'OTP_IP_LIMIT',
    'WS_FRAMES_PER_USER',
  ])('%s takes plain decimal digits only (not 0x…, 1e…, or spaces)', (name) => {
    for (const bad of ['0x3e8', '1e3', ' 1000', '1000.0'])
      expect(() => loadConfig({ [name]: bad })).toThrow(
        new RegExp(`^Invalid ${name}: must be an integer from \\d+ to \\d+ \\(got "`),
      );
    expect(() => loadConfig({ [name]: name === 'SMS_RESEND_AFTER_MS' ? '60000' : '1000' })).not.toThrow();
  });

  it('an enum setting lists its values in words, not zod’s "Invalid input"', () => {
    expect(() => loadConfig({ SMS_PROVIDER: 'pigeon' })).toThrow(
      'Invalid SMS_PROVIDER: must be one of "sandbox", "twilio", "sns"',
    );
  });
});

describe('npm start names HOST, PORT and POWERTOOLS_PARAMETERS_MAX_AGE, not a setting the user never set', () => {
  it.each(['999.1.1.1', ''])('HOST=%p is an invalid HOST (not "Invalid SANDBOX_URL")', async (host) => {
    const { code, stderr } = await start({ HOST: host });
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid HOST: must be an IP address or host name to listen on');
    expect(stderr).not.toContain('SANDBOX_URL');
  });

  it('a HOST that does not resolve is named, not a bare getaddrinfo error', async () => {
    const { code, stderr } = await start({ HOST: 'nosuchhost.invalid' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/Invalid HOST: "nosuchhost\.invalid" does not resolve to an address \(E[A-Z_]+\)/);
  });

  it('a PORT in use is named', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    try {
      const { code, stderr } = await start({ PORT: String(port) });
      expect(code).toBe(1);
      expect(stderr).toContain(`Invalid PORT: ${port} is already in use on "127.0.0.1" (EADDRINUSE)`);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it.each(['abc', '-5', '1.5'])('POWERTOOLS_PARAMETERS_MAX_AGE=%p is refused, not silently 60', (bad) => {
    expect(() => loadConfig({ POWERTOOLS_PARAMETERS_MAX_AGE: bad })).toThrow(
      /^Invalid POWERTOOLS_PARAMETERS_MAX_AGE: must be an integer from 0 to 86400 \(got "/,
    );
    expect(() => loadConfig({ POWERTOOLS_PARAMETERS_MAX_AGE: '300' })).not.toThrow();
  });
});

describe('a bad setting stops the start before anything is made', () => {
  /** A DATA_DIR that does not exist yet, in a fresh temp folder. */
  const freshDataDir = () => path.join(mkdtempSync(path.join(tmpdir(), 'imsms-nothing-')), 'data');

  it.each([
    [{ SMS_PROVIDER: 'foo' }, 'Invalid SMS_PROVIDER: must be one of'],
    [{ ACK_TIMEOUT_MS: '5s' }, 'Invalid ACK_TIMEOUT_MS: must be an integer'],
    [{ DYNAMODB_ENDPOINT: 'localhost:8000' }, 'Invalid DYNAMODB_ENDPOINT'],
    [
      { SERVICE_NUMBERS: '+15005550100,+15005550100' },
      'Invalid SERVICE_NUMBERS: must not list the same value twice',
    ],
    [
      { JWT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x' },
      'Invalid JWT_SECRET_ARN: Secrets Manager is read on AWS only; locally set JWT_SECRET',
    ],
    [
      { TWILIO_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x' },
      'Invalid TWILIO_SECRET_ARN: Secrets Manager is read on AWS only; locally set TWILIO_AUTH_TOKEN',
    ],
  ])('%p: named, and DATA_DIR is not created', async (env, message) => {
    const dataDir = freshDataDir();
    const { code, stderr } = await start({ ...env, DATA_DIR: dataDir });
    expect(code).toBe(1);
    expect(stderr).toContain(message);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('a PORT in use: named, and DATA_DIR is not created', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    const dataDir = freshDataDir();
    try {
      const { code, stderr } = await start({ PORT: String(port), DATA_DIR: dataDir });
      expect(code).toBe(1);
      expect(stderr).toContain(`Invalid PORT: ${port} is already in use`);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('a DATA_DIR that is a file is named (not a bare EEXIST)', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'imsms-file-')), 'afile');
    writeFileSync(file, 'not a folder');
    const { code, stderr } = await start({ DATA_DIR: file });
    expect(code).toBe(1);
    expect(stderr).toContain(`Invalid DATA_DIR: ${file} exists and is not a folder`);
    expect(stderr).not.toContain('EEXIST');
  });
});
