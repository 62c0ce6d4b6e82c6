import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Starts `npm start`'s entry point as a person would, and waits for the console URL it prints. */
function startProcess(dataDir: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['infra/local/main.ts'], {
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
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'prints the console URL, serves /healthz, and stops cleanly on %s',
    async (signal) => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-life-'));
      const { child, url, output } = await startProcess(dataDir);
      const health = await fetch(`${url.replace('localhost', '127.0.0.1')}/healthz`);
      expect(await health.json()).toEqual({ ok: true });

      const exited = exitOf(child);
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(output()).toContain(`${signal}: stopping`);
    },
  );

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
