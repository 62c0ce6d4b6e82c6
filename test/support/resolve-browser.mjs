// Prints, as one JSON line, the Chromium the browser tests should drive: {"executablePath","source","args","env"}.
// Order: $CHROME_PATH; an installed Chromium or Chrome on the usual paths; the Chromium that ships inside the npm
// package @sparticuz/chromium (Linux x64 only; unpacked once into the OS temp folder, ~7 s).
// It is a separate ES module run with plain `node` because @sparticuz/chromium is ESM-only and jest's module
// system (CommonJS through swc) cannot load it. Exit code 1 with one line on stderr when no browser can be had.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const USUAL_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
];

// The packaged build's own flags that would weaken what the tests check (same-origin rules, mixed content), or
// that a desktop browser does not need.
const DROPPED_ARGS = new Set([
  '--disable-web-security',
  '--allow-running-insecure-content',
  '--single-process',
]);

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** Two jest workers may ask at once; the first unpacks, the other waits (the package has no lock of its own). */
async function withLock(fn) {
  const lock = join(tmpdir(), 'imsms-chromium-unpack.lock');
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // it was released meanwhile
      }
      if (Date.now() > deadline) fail(`timed out waiting for ${lock}; remove it and try again`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const override = process.env.CHROME_PATH;
if (override) {
  if (!existsSync(override))
    fail(`CHROME_PATH=${override} does not exist: point it at a Chromium or Chrome binary`);
  process.stdout.write(
    JSON.stringify({ executablePath: override, source: 'CHROME_PATH', args: [], env: {} }) + '\n',
  );
  process.exit(0);
}

const installed = USUAL_PATHS.find((p) => existsSync(p));
if (installed) {
  process.stdout.write(
    JSON.stringify({ executablePath: installed, source: 'installed', args: [], env: {} }) + '\n',
  );
  process.exit(0);
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  fail(
    `no Chromium or Chrome found, and @sparticuz/chromium ships one for Linux x64 only (this is ${process.platform} ${process.arch}): set CHROME_PATH to a Chromium or Chrome binary`,
  );
}

let packaged;
try {
  packaged = (await import('@sparticuz/chromium')).default;
} catch (err) {
  fail(
    `no Chromium or Chrome found and @sparticuz/chromium did not load (${err.message}): run npm ci, or set CHROME_PATH`,
  );
}
const executablePath = await withLock(() => packaged.executablePath());
const env = {};
// A machine with no fontconfig setup of its own uses the fonts that the package unpacked beside the browser.
const packagedFonts = join(tmpdir(), 'fonts');
if (
  !process.env.FONTCONFIG_PATH &&
  !existsSync('/etc/fonts/fonts.conf') &&
  existsSync(join(packagedFonts, 'fonts.conf'))
) {
  env.FONTCONFIG_PATH = packagedFonts;
}
process.stdout.write(
  JSON.stringify({
    executablePath,
    source: '@sparticuz/chromium',
    args: packaged.args.filter((a) => !DROPPED_ARGS.has(a) && !a.startsWith('--headless')),
    env,
  }) + '\n',
);
