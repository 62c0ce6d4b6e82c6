import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { loadConfig } from '../../shared/config';
import { parsePort, startLocalStack } from '../../infra/local/stack';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Starts `npm start`'s entry point as a person would, and waits for the console URL it prints. Through tsx's CLI,
 * or (`direct`) as `npm start` itself runs it, `node --import tsx`: tsx's CLI passes SIGINT and SIGTERM on to the
 * server but not SIGHUP.
 */
function startProcess(
  dataDir: string,
  direct = false,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const [command, args] = direct
    ? [process.execPath, ['--import', 'tsx', 'infra/local/main.ts']]
    : [path.join(ROOT, 'node_modules/.bin/tsx'), ['infra/local/main.ts']];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no console URL printed:\n${out}`)), 30_000);
    child.stdout!.on('data', () => {
      const match = /Console:\s+(http:\/\/\S+?)\/?\s/.exec(out);
      if (!match) return;
      clearTimeout(timer);
      resolve({ child, url: match[1], output: () => out });
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before ready:\n${out}`)));
  });
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

describe('npm start as a process', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    'prints the console URL, serves /healthz, and stops cleanly on %s',
    async (signal) => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-life-'));
      const { child, url, output } = await startProcess(dataDir, signal === 'SIGHUP');
      const health = await fetch(`${url.replace('localhost', '127.0.0.1')}/healthz`);
      expect(await health.json()).toEqual({ ok: true });

      const exited = exitOf(child);
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(output()).toContain(`${signal}: stopping`);
    },
  );

  it('stops on Ctrl-C even while clients hold connections that sent nothing or half a request', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-life-'));
    const { child, url, output } = await startProcess(dataDir);
    const { hostname, port } = new URL(url.replace('localhost', '127.0.0.1'));
    // One connection that never sends a byte, one stopped in the middle of its headers: Node counts neither as
    // idle, and they kept the process running after Ctrl-C for as long as they stayed open.
    const silent = connect(Number(port), hostname);
    const half = connect(Number(port), hostname);
    await Promise.all([silent, half].map((s) => new Promise((r) => s.once('connect', r))));
    half.write('POST /twilio/sms HTTP/1.1\r\nHost: x\r\nContent-Le');
    for (const s of [silent, half]) s.on('error', () => undefined);
    try {
      const exited = exitOf(child);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output()).toContain('SIGINT: stopping');
    } finally {
      silent.destroy();
      half.destroy();
    }
  });

  it('one Ctrl-C in a terminal, which arrives twice (from the terminal and from npm), stops cleanly', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-life-'));
    // Node itself (not tsx's wrapper, which relays signals its own way) gets both, as under npm.
    const { child, output } = await startProcess(dataDir, true);
    const exited = exitOf(child);
    child.kill('SIGINT');
    // npm's copy comes once npm has handled the terminal's: after this process has begun its stop (two signals
    // sent at once would merge into one, as pending signals of a kind do).
    const deadline = Date.now() + 10_000;
    while (!output().includes('SIGINT: stopping') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output()).toContain('SIGINT: stopping');
    expect(output()).not.toContain('again');
  });

  it('a second signal during the stop exits at once, with status 1', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-life-'));
    const { child, url, output } = await startProcess(dataDir);
    const { hostname, port } = new URL(url.replace('localhost', '127.0.0.1'));
    // A half-sent request holds the stop for its grace, so the second Ctrl-C lands while it runs.
    const half = connect(Number(port), hostname);
    await new Promise((r) => half.once('connect', r));
    half.on('error', () => undefined);
    half.write('GET /healthz HTTP/1.1\r\nHo');
    try {
      const exited = exitOf(child);
      child.kill('SIGINT');
      await new Promise<void>((resolve) => {
        const seen = () => (output().includes('SIGINT: stopping') ? resolve() : setTimeout(seen, 20));
        seen();
      });
      // A person's second Ctrl-C: later than the copy npm forwards of the first (SAME_SIGNAL_MS).
      await new Promise((r) => setTimeout(r, 1_500));
      child.kill('SIGINT');
      expect(await exited).toBe(1);
      expect(output()).toContain('SIGINT again: exiting');
    } finally {
      half.destroy();
    }
  });

  it('a second start on the same DATA_DIR stops with a clear message and leaves the first one serving', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-twice-'));
    const first = await startProcess(dataDir);
    try {
      const second = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['infra/local/main.ts'], {
        cwd: ROOT,
        env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let err = '';
      second.stderr!.on('data', (d) => (err += d));
      expect(await exitOf(second)).toBe(1);
      expect(err).toContain(`The data folder ${dataDir} is in use by another running stack`);
      expect(err).not.toContain('Database is closed');
      const health = await fetch(`${first.url.replace('localhost', '127.0.0.1')}/healthz`);
      expect(await health.json()).toEqual({ ok: true });
    } finally {
      const exited = exitOf(first.child);
      first.child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);

  it('refuses to start with a bad setting, naming it', async () => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['infra/local/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: '0',
        DATA_DIR: mkdtempSync(path.join(tmpdir(), 'imsms-bad-')),
        ACK_TIMEOUT_MS: 'soon',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    expect(await exitOf(child)).toBe(1);
    expect(err).toContain('Invalid ACK_TIMEOUT_MS');
  });
});

/** True when nothing listens on host:port any more (binding it succeeds). */
const portIsFree = (port: number, host = '127.0.0.1') =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });

describe('`npm start` as a user runs it', () => {
  // npm passes SIGINT and SIGTERM on to the server; SIGHUP and SIGKILL end npm alone, and the server, handed to
  // another parent, stops by itself.
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL'] as const)(
    '%s to npm’s own pid (`npm start &` then `kill $!`) stops the server and frees the port',
    async (signal) => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-npm-'));
      const npm = spawn('npm', ['start', '--silent'], {
        cwd: ROOT,
        env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      npm.stdout!.on('data', (d) => (out += d));
      npm.stderr!.on('data', (d) => (out += d));
      // 'close': npm has exited and every process holding its output (the server) has let go of it.
      const closed = new Promise<void>((resolve) => npm.once('close', () => resolve()));
      const port = await new Promise<number>((resolve, reject) => {
        npm.stdout!.on('data', () => {
          const match = /Console:\s+http:\/\/[^:]+:(\d+)/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        npm.once('exit', (code) => reject(new Error(`npm start exited ${code} before ready:\n${out}`)));
      });
      expect(await portIsFree(port)).toBe(false);

      npm.kill(signal);
      await closed;
      // The clean stop itself (exit 0 after "stopping") is proven on the server's own process above; here what
      // matters is what the user sees: once npm is gone, nothing holds the port.
      expect(await portIsFree(port)).toBe(true);
    },
    60_000,
  );
});

/** The pids whose parent is `pid`, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after its closing parenthesis.
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // Gone meanwhile.
      }
    })
    .map(Number);
}

/** Whether `pid` still runs: neither gone nor a zombie waiting for its new parent to reap it. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const onLinux = process.platform === 'linux' ? it : it.skip;

onLinux(
  'SIGKILL to npm while the server is still loading (before its own code runs) stops the server too',
  async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as AddressInfo;
        probe.close(() => resolve(p));
      });
    });
    const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-npm-early-'));
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    npm.stdout!.resume();
    npm.stderr!.resume();
    const closed = new Promise<void>((resolve) => npm.once('close', () => resolve()));
    // The server's process appears (npm's shell execs node) long before it has loaded its code: kill npm then.
    let server: number | undefined;
    while (!server) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      [server] = childrenOf(npm.pid!);
    }
    npm.kill('SIGKILL');
    try {
      // 'close': every holder of npm's output, the server included, has let go of it.
      await closed;
      expect(await portIsFree(port)).toBe(true);
      expect(isRunning(server)).toBe(false);
    } finally {
      try {
        process.kill(server, 'SIGKILL'); // Only when the test failed: the orphan must not outlive it.
      } catch {
        // Already gone.
      }
    }
  },
  60_000,
);

describe('numeric settings name themselves when wrong', () => {
  it.each(['abc', '-1', '70000', '80.5', '0x50'])(
    'PORT=%s stops with a message naming PORT, creating nothing',
    async (port) => {
      const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'imsms-port-')), 'data');
      await expect(startLocalStack({ env: { PORT: port }, dataDir, quiet: true })).rejects.toThrow(
        'Invalid PORT: must be an integer from 0 to 65535',
      );
      expect(existsSync(dataDir)).toBe(false);
    },
  );

  it('PORT unset is 3000; 0 and 65535 are taken as they are', () => {
    expect([parsePort(undefined), parsePort(''), parsePort('0'), parsePort('65535')]).toEqual([
      3000, 3000, 0, 65535,
    ]);
  });

  it.each([
    ['ACK_TIMEOUT_MS', 'abc'],
    ['ACK_TIMEOUT_MS', '-1'],
    ['CONNECTION_TTL_SECONDS', '70000'],
    ['CONNECTION_TTL_SECONDS', 'abc'],
    ['OTP_IP_LIMIT', '-1'],
    ['OTP_IP_LIMIT', '1.5'],
    ['SMS_RESEND_AFTER_MS', 'abc'],
    ['SMS_RESEND_AFTER_MS', '70000000'],
  ])('%s=%s is refused with its own name', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(
      new RegExp(`^Invalid ${name}: must be an integer from`),
    );
  });
});
