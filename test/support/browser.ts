import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The browser the tests drive, as `test/support/resolve-browser.mjs` found it. */
export interface ResolvedBrowser {
  executablePath: string;
  /** `CHROME_PATH`, `installed` (a usual path), or `@sparticuz/chromium` (the npm package's own build). */
  source: string;
  /** Extra flags the packaged build needs; empty for an installed browser. */
  args: string[];
  env: Record<string, string>;
}

let resolved: ResolvedBrowser | undefined;

/**
 * Finds a Chromium without downloading anything: `$CHROME_PATH`, then an installed Chromium or Chrome on the usual
 * paths, then the Linux x64 build inside the npm package `@sparticuz/chromium` (unpacked into the temp folder on
 * first use). Runs in a child `node` because that package is ESM-only.
 * @throws Error with one line that says how to point the tests at a browser, when none can be had.
 */
export function resolveBrowser(): ResolvedBrowser {
  if (resolved) return resolved;
  try {
    const out = execFileSync(process.execPath, [join(__dirname, 'resolve-browser.mjs')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 240_000,
    });
    resolved = JSON.parse(out.trim().split('\n').pop() ?? '') as ResolvedBrowser;
    return resolved;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`No browser for the browser tests: ${stderr || (err as Error).message}`);
  }
}

/** Flags every launch gets: headless, and nothing that reaches for the network this machine does not have. */
const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches headless Chromium with the flags this closed network needs, and opens a console-sized page that
 * records script errors and anything the Content-Security-Policy refused (an inline handler, a style attribute).
 */
export async function openBrowserPage(
  pageErrors: string[],
  viewport = { width: 1600, height: 1000 },
): Promise<{ browser: Browser; page: Page }> {
  const found = resolveBrowser();
  const browser = await chromium.launch({
    executablePath: found.executablePath,
    args: [...found.args, ...BASE_ARGS.filter((a) => !found.args.includes(a))],
    env: { ...process.env, ...found.env } as Record<string, string>,
  });
  const page = await browser.newPage({ viewport });
  page.setDefaultTimeout(20_000);
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy|Refused to/i.test(msg.text())) {
      pageErrors.push(`console: ${msg.text()}`);
    }
  });
  return { browser, page };
}
