import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { openBrowserPage } from '../support/browser';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';

/**
 * The console in a real (Debian) Chromium, driven through one round trip on the whole local stack:
 * two IM users log in with codes read from their sandbox inboxes; A writes to B while B is in offline mode,
 * so B's phone gets an SMS; B's phone texts back; A sees the reply arrive over IM, sent by SMS.
 */

const SCREENSHOT = path.resolve(__dirname, '..', '..', 'test-results', 'console.png');
const ALICE = { phone: '+14155550171', name: 'Alice' };
const BOB = { phone: '+14155550172', name: 'Bob' };

jest.setTimeout(90_000);

let stack: LocalStack;
let browser: Browser;
let page: Page;
let base: string;
const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-console-'));
const pageErrors: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, dataDir, quiet: true });
  base = `http://127.0.0.1:${stack.port}`;
  ({ browser, page } = await openBrowserPage(pageErrors));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Logs a card in: phone and name, "Text me a code", the code auto-filled from the sandbox inbox, Verify. */
async function logIn(card: Locator, who: { phone: string; name: string }): Promise<string> {
  await card.getByTestId('im-phone').fill(who.phone);
  await card.getByTestId('im-name').fill(who.name);
  await card.getByTestId('im-send-code').click();
  // The SMS lands in the phone's sandbox inbox; the card offers (and fills in) the 6-digit code.
  await card.getByTestId('im-inbox-sms').filter({ hasText: /\d{6}/ }).waitFor();
  await card.getByTestId('im-use-code').click();
  expect(await card.getByTestId('im-code').inputValue()).toMatch(/^\d{6}$/);
  await card.getByTestId('im-verify').click();
  await card.getByTestId('im-presence').getByText('Online').waitFor();
  expect(await card.getByTestId('im-user-name').textContent()).toBe(who.name);
  const imNumber = (await card.getByTestId('im-number').textContent())?.trim() ?? '';
  expect(imNumber).toMatch(/^\d{4,12}$/);
  return imNumber;
}

it('serves the page and its modules with a strict CSP, no-store and nosniff, and nothing outside its folder', async () => {
  const page = await fetch(`${base}/`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const csp = page.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).toContain("connect-src 'self' ws: wss:");
  expect(csp).not.toContain('unsafe-inline');
  expect(page.headers.get('cache-control')).toBe('no-store');
  expect(page.headers.get('x-content-type-options')).toBe('nosniff');
  const html = await page.text();
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
  expect(html).not.toMatch(/\son[a-z]+=/i); // no inline handler
  expect(html).not.toMatch(/\sstyle=/i);

  const js = await fetch(`${base}/console/app.js`);
  expect(js.status).toBe(200);
  expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
  expect((await fetch(`${base}/console/css/base.css`)).headers.get('content-type')).toMatch(/^text\/css/);
  // The shared rules, bundled from shared/core/rules.ts: an ES module with the core's own functions.
  const rules = await fetch(`${base}/console/rules.js`);
  expect(rules.status).toBe(200);
  expect(rules.headers.get('content-type')).toMatch(/^text\/javascript/);
  expect(rules.headers.get('content-security-policy')).toContain("script-src 'self'");
  const source = await rules.text();
  for (const name of ['countSegments', 'encodeSms', 'formatSmsBody', 'parseSmsBody', 'IM_NUMBER_PATTERN']) {
    expect(source).toMatch(new RegExp(`export\\s*\\{[^}]*\\b${name}\\b`));
  }
  expect((await fetch(`${base}/console/sms.js`)).status).toBe(404);
  expect(await (await fetch(`${base}/console/config.json`)).json()).toEqual({
    ackTimeoutMs: expect.any(Number),
  });

  for (const p of [
    '/console/serve.ts',
    '/console/..%2fstack.ts',
    '/console/%2e%2e/stack.ts',
    '/console/nope.js',
  ]) {
    expect({ p, status: (await fetch(`${base}${p}`)).status }).toEqual({ p, status: 404 });
  }
});

it('round trip: IM to an offline user goes by SMS, and the SMS reply comes back over IM', async () => {
  await page.goto(`${base}/`);
  await page.getByRole('heading', { name: 'IM ⇄ SMS console' }).waitFor();
  // The default desk: two IM clients and one plain phone.
  await page.getByTestId('im-card').nth(1).waitFor();
  const [alice, bob] = [page.getByTestId('im-card').nth(0), page.getByTestId('im-card').nth(1)];
  const phone = page.getByTestId('phone-card').first();

  const aliceNumber = await logIn(alice, ALICE);
  const bobNumber = await logIn(bob, BOB);
  expect(aliceNumber).not.toBe(bobNumber);

  // B switches to offline mode; the server confirms it with a presence frame.
  await bob.getByTestId('im-offline').check();
  await bob.getByTestId('im-presence').getByText('Offline mode').waitFor();
  await page.locator(`[data-testid=im-card][data-server-mode=offline]`).waitFor();

  // B's phone on the simulated network.
  const phoneNumber = phone.getByTestId('phone-number');
  await phoneNumber.fill(BOB.phone);
  await phoneNumber.press('Enter');
  await phone.getByTestId('phone-owner').getByText('Bob’s phone').waitFor();

  // A adds B by IM number and writes; the text holds markup that must show as text.
  await alice.getByTestId('im-add-contact-box').locator('summary').click();
  await alice.getByTestId('im-add-contact-number').fill(bobNumber);
  await alice.getByTestId('im-add-contact-nickname').fill('Bobby');
  await alice.getByTestId('im-add-contact').click();
  await alice.getByTestId('im-chat-name').getByText('Bobby').waitFor();
  const text = 'Hi Bob <img src=x onerror="window.pwned=1"> are you there?';
  await alice.getByTestId('im-input').fill(text);
  await alice.getByTestId('im-input').press('Enter');

  const sent = alice.getByTestId('im-message').filter({ hasText: 'are you there?' });
  await sent.locator('[data-testid=im-msg-status]', { hasText: /sent as SMS|delivered by SMS/ }).waitFor();
  expect(await sent.getByTestId('im-path').textContent()).toBe('SMS');
  expect(await sent.locator('.msg-text').textContent()).toBe(text);

  // The SMS reaches B's phone, from a service number.
  const sms = phone.getByTestId('phone-message').filter({ hasText: 'are you there?' });
  await sms.waitFor();
  const smsText = (await sms.locator('.msg-text').textContent()) ?? '';
  expect(smsText).toContain(aliceNumber);
  expect(smsText).toContain(text);
  expect(stack.config.serviceNumbers).toContain(await sms.getAttribute('data-from'));

  // B's phone replies on that thread, addressed to A.
  const reply = `@${aliceNumber} Got it by SMS, thanks!`;
  await phone.getByTestId('phone-input').fill(reply);
  await phone.getByTestId('phone-send').click();
  await phone.getByTestId('phone-message').filter({ hasText: 'Got it by SMS' }).waitFor();

  // A gets it over IM, marked as sent by SMS.
  const got = alice.getByTestId('im-message').filter({ hasText: 'Got it by SMS, thanks!' });
  await got.waitFor();
  expect(await got.getAttribute('data-dir')).toBe('in');
  expect(await got.getByTestId('im-via').textContent()).toBe('via SMS');

  // The activity log saw both legs.
  const log = page.getByTestId('log-list');
  await log.getByText('Got it by SMS, thanks!').first().waitFor();
  expect(await log.getByTestId('log-entry').count()).toBeGreaterThan(5);

  // Markup from users is text, never HTML.
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  expect(await page.locator('[data-testid=im-messages] img').count()).toBe(0);
  expect(pageErrors).toEqual([]);

  mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
});
