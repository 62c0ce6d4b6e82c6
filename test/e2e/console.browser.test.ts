import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

const RESULTS = path.resolve(__dirname, '..', '..', 'test-results');
const SCREENSHOT = path.join(RESULTS, 'console.png');
/** Short, so the pending-fallback countdown and the fallback itself show within a test. */
const ACK_TIMEOUT_MS = 6000;
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
  stack = await startLocalStack({
    port: 0,
    dataDir,
    quiet: true,
    env: { ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS) },
  });
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
  // The reference WebSocket client, bundled from shared/client the same way.
  const client = await fetch(`${base}/console/client.js`);
  expect(client.headers.get('content-type')).toMatch(/^text\/javascript/);
  const clientSource = await client.text();
  for (const name of ['ImClient', 'ImError', 'parseServerFrame', 'wsUrl']) {
    expect(clientSource).toMatch(new RegExp(`export\\s*\\{[^}]*\\b${name}\\b`));
  }
  expect(clientSource).not.toMatch(/\brequire\(|from ['"]node:/);
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

/** Runs axe-core in the page and returns its serious and critical violations (id and the first target). */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol, which the page's CSP does not govern: no CSP bypass needed.
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: unknown, o: unknown) => Promise<AxeResult> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.length} × ${v.nodes[0]?.target.join(' ')}`);
  });
  return found;
}
interface AxeResult {
  violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
}

/** True once the element lies wholly inside the viewport (left to right), i.e. nothing of it is cut off. */
async function waitFullyInView(page: Page, locator: Locator): Promise<void> {
  const handle = await locator.elementHandle();
  await page.waitForFunction((el) => {
    const r = (el as Element).getBoundingClientRect();
    return r.left >= -1 && r.right <= window.innerWidth + 1 && r.top < window.innerHeight && r.bottom > 0;
  }, handle);
}

const VIEWPORTS = [
  { tag: 'laptop', width: 1366, height: 768, base: 210 },
  { tag: 'phone', width: 390, height: 844, base: 230 },
] as const;

describe.each(VIEWPORTS)(
  'first-time user trips, at $width×$height',
  ({ tag, width, height, base: nBase }) => {
    let vb: Browser;
    let vp: Page;
    const errors: string[] = [];
    const phoneNo = (i: number) => `+1415555${String(nBase + i).padStart(4, '0')}`;
    const shot = (name: string) => vp.screenshot({ path: path.join(RESULTS, `console-${tag}-${name}.png`) });
    const who = {
      a: { phone: phoneNo(1), name: `Ann${tag}` },
      b: { phone: phoneNo(2), name: `Ben${tag}` },
    };
    let aNumber = '';
    let bNumber = '';
    const card = (i: number) => vp.getByTestId('im-card').nth(i);
    /** Every receipt the page's sockets received, as the server sent it. */
    const receipts: { clientId?: string; status?: string; fallbackAfterMs?: number }[] = [];

    beforeAll(async () => {
      mkdirSync(RESULTS, { recursive: true });
      ({ browser: vb, page: vp } = await openBrowserPage(errors, { width, height }));
      vp.on('websocket', (ws) =>
        ws.on('framereceived', ({ payload }) => {
          const frame =
            typeof payload === 'string'
              ? (JSON.parse(payload) as { type?: string } & (typeof receipts)[number])
              : {};
          if (frame.type === 'receipt') receipts.push(frame);
        }),
      );
      await vp.goto(`${base}/`);
      await vp.getByTestId('im-card').nth(1).waitFor();
    }, 60_000);

    afterAll(async () => {
      await vb?.close();
    });

    it('labels every control, shows keyboard focus, and has no serious axe violation, signed out', async () => {
      expect(await axeViolations(vp)).toEqual([]);
      // Focus is visible: the first dozen stops of the keyboard path each draw an outline.
      await vp.locator('body').focus();
      for (let i = 0; i < 12; i += 1) {
        await vp.keyboard.press('Tab');
        const focus = await vp.evaluate(() => {
          const el = document.activeElement as HTMLElement;
          const style = getComputedStyle(el);
          return {
            what: `${el.tagName} ${el.dataset.testid ?? el.textContent?.trim().slice(0, 20)}`,
            outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
          };
        });
        expect(focus).toEqual({ what: focus.what, outline: true });
      }
      await shot('signed-out');
    });

    it('lets a taken name be changed on the code step, with the same code', async () => {
      aNumber = await logIn(card(0), who.a);
      const b = card(1);
      await b.getByTestId('im-phone').fill(who.b.phone);
      await b.getByTestId('im-name').fill(who.a.name); // taken by A
      await b.getByTestId('im-send-code').click();
      await b.getByTestId('im-inbox-sms').filter({ hasText: /\d{6}/ }).waitFor();
      await b.getByTestId('im-use-code').click();
      await b.getByTestId('im-verify').click();
      await b
        .getByTestId('im-error')
        .getByText(/is taken/)
        .waitFor();
      const retry = b.getByTestId('im-name-retry');
      expect(await retry.isVisible()).toBe(true);
      expect(await retry.inputValue()).toBe(who.a.name);
      await shot('name-taken');
      await retry.fill(who.b.name);
      await b.getByTestId('im-verify').click(); // the same code
      await b.getByTestId('im-presence').getByText('Online').waitFor();
      expect(await b.getByTestId('im-user-name').textContent()).toBe(who.b.name);
      bNumber = (await b.getByTestId('im-number').textContent()) ?? '';
      expect(bNumber).toMatch(/^\d{8}$/);
    });

    it('shows a contact added by number under the name its owner chose, with an 8-digit placeholder', async () => {
      const a = card(0);
      await a.getByTestId('im-add-contact-box').locator('summary').click();
      const number = a.getByTestId('im-add-contact-number');
      expect(await number.getAttribute('placeholder')).toMatch(/^\d{8}$/);
      await number.fill(bNumber);
      await a.getByTestId('im-add-contact').click();
      // The server adds it (addContact) and answers with the name B chose.
      await a.getByTestId('im-chat-name').getByText(who.b.name).waitFor();
      expect(await a.getByTestId('im-chat-name').textContent()).toBe(who.b.name);
      await a.getByTestId('im-back').click();
      expect(await a.getByTestId('im-contact').first().locator('.contact-name').textContent()).toContain(
        who.b.name,
      );
      await a.getByTestId('im-contact').first().click();
    });

    it('says why a whitespace-only message is not sent', async () => {
      const a = card(0);
      await a.getByTestId('im-input').fill('   ');
      await a.getByTestId('im-send-message').click();
      await a
        .getByTestId('im-composer-error')
        .getByText(/Only spaces/)
        .waitFor();
      expect(await a.getByTestId('im-message').count()).toBe(0);
      expect(await a.getByTestId('im-input').getAttribute('aria-invalid')).toBe('true');
    });

    it('counts segments with the core encoder, and previews the SMS the router would send', async () => {
      const a = card(0);
      const cjk = '中'.repeat(66);
      await a.getByTestId('im-input').fill(`${cjk}😀${cjk}`);
      expect(await a.getByTestId('im-counter').textContent()).toMatch(/· 3 SMS · UCS-2$/);
      await a.getByTestId('im-input').fill('“Hi” — there…');
      await a.locator('.sms-preview-box summary').click();
      expect(await a.getByTestId('im-sms-preview').textContent()).toBe(
        `${who.a.name} @${aNumber}: "Hi" - there...`,
      );
      expect(await a.getByTestId('im-counter').textContent()).toMatch(/· 1 SMS · GSM-7$/);
      await shot('composer');
      await a.getByTestId('im-input').fill('');
    });

    it('shows the pending SMS fallback and its countdown while the ack is awaited, then the fallback', async () => {
      const [a, b] = [card(0), card(1)];
      await b.getByTestId('im-stop-ack').check();
      await a.getByTestId('im-input').fill('Are you there?');
      await a.getByTestId('im-input').press('Enter');
      const sent = a.getByTestId('im-message').filter({ hasText: 'Are you there?' });
      const pending = sent.getByTestId('im-pending-fallback');
      // Read at once, while it shows: the wait learned from B's connection is a few seconds.
      const shown = await pending.getByTestId('im-fallback-in').evaluate((el) => ({
        waitMs: Number((el as HTMLElement).dataset.waitMs),
        seconds: Number(el.textContent),
        clientId: el.closest('[data-testid=im-message]')?.getAttribute('data-client-id'),
      }));
      // The countdown is the wait the server chose for this message (its `accepted` receipt's fallbackAfterMs),
      // not the ACK_TIMEOUT_MS ceiling.
      const accepted = receipts.find((r) => r.clientId === shown.clientId && r.status === 'accepted');
      expect(accepted?.fallbackAfterMs).toEqual(expect.any(Number));
      expect(accepted!.fallbackAfterMs).toBeLessThan(ACK_TIMEOUT_MS);
      expect(shown.waitMs).toBe(accepted!.fallbackAfterMs);
      expect(shown.seconds).toBeLessThanOrEqual(Math.ceil(accepted!.fallbackAfterMs! / 1000));
      await shot('pending-fallback');
      // B's card announces the message in its live region.
      await b.getByTestId('im-contact').first().click();
      await sent
        .locator('[data-testid=im-msg-status]', { hasText: /sent as SMS|delivered by SMS/ })
        .waitFor({ timeout: 30_000 });
      expect(await sent.getAttribute('data-path')).toBe('fallback');
      expect(await pending.count()).toBe(0);
      await b.getByTestId('im-stop-ack').uncheck();
    });

    it('announces new messages in a live region', async () => {
      const [a, b] = [card(0), card(1)];
      await a.getByTestId('im-input').fill('Live region check');
      await a.getByTestId('im-input').press('Enter');
      const announce = b.getByTestId('im-announce');
      expect(await announce.getAttribute('aria-live')).toBe('polite');
      await announce.getByText(`${who.a.name}: Live region check`).waitFor();
    });

    it('puts failure reasons in words, with the code in a tooltip', async () => {
      const [a, b] = [card(0), card(1)];
      const off = await http('PUT', `/sandbox/phones/${encodeURIComponent(who.b.phone)}`, {
        reachable: false,
      });
      expect(off.status).toBe(200);
      await b.getByTestId('im-offline').check();
      await vp.locator('[data-testid=im-card][data-server-mode=offline]').waitFor();
      await a.getByTestId('im-input').fill('This one cannot arrive');
      await a.getByTestId('im-input').press('Enter');
      const status = a
        .getByTestId('im-message')
        .filter({ hasText: 'This one cannot arrive' })
        .getByTestId('im-msg-status');
      await status.getByText(/failed/).waitFor({ timeout: 30_000 });
      expect(await status.textContent()).toMatch(
        /failed: the SMS was not delivered: the phone is unreachable/,
      );
      expect(await status.textContent()).not.toMatch(/sms_undelivered/);
      expect(await status.getAttribute('title')).toMatch(/sms_undelivered_30003/);
      await shot('failure-reason');
      await http('PUT', `/sandbox/phones/${encodeURIComponent(who.b.phone)}`, { reachable: true });
    });

    it('shows on the phone card the SMS its phone sent from the IM card in offline mode', async () => {
      const b = card(1);
      // B is in offline mode, in the conversation with A: B's reply goes as an SMS from B's phone.
      expect(await b.getByTestId('im-chat-name').textContent()).toBe(who.a.name);
      await b.getByTestId('im-input').fill('Replying by SMS');
      await b.getByTestId('im-input').press('Enter');
      await b
        .getByTestId('im-message')
        .filter({ hasText: 'Replying by SMS' })
        .getByText('texted from your phone')
        .waitFor();
      const phone = vp.getByTestId('phone-card').first();
      await phone.getByTestId('phone-number').fill(who.b.phone);
      await phone.getByTestId('phone-number').press('Enter');
      const out = phone.getByTestId('phone-message').filter({ hasText: `@${aNumber} Replying by SMS` });
      await out.waitFor();
      expect(await out.getAttribute('data-dir')).toBe('out');
      await b.getByTestId('im-offline').uncheck();
      expect(await axeViolations(vp)).toEqual([]);
      await shot('phone-outbox');
    });

    it('does not call a …0099 phone "On network", and "+ phone" is a new number', async () => {
      await vp.getByTestId('add-phone').click();
      const added = vp.getByTestId('phone-card').last();
      const imPhones = [who.a.phone, who.b.phone];
      expect(imPhones).not.toContain(await added.getByTestId('phone-number').inputValue());
      await added.getByTestId('phone-number').fill('+14155550099');
      await added.getByTestId('phone-number').press('Enter');
      await added.getByTestId('phone-status').getByText('Unreachable').waitFor();
      expect(await added.getByTestId('phone-status').getAttribute('title')).toMatch(/0099/);
    });

    it('keeps every card reachable at a glance from the desk nav, and the log one step away', async () => {
      await vp.getByTestId('add-im').click();
      const cards = vp.locator('[data-testid=im-card], [data-testid=phone-card]');
      expect(await cards.count()).toBe(5);
      const nav = vp.getByTestId('desk-nav-card');
      expect(await nav.count()).toBe(5);
      // The nav itself is on screen without scrolling the page.
      await vp.evaluate(() => window.scrollTo(0, 0));
      const navBox = await vp.getByTestId('desk-nav').boundingBox();
      expect(navBox!.y + navBox!.height).toBeLessThanOrEqual(height);
      for (let i = 0; i < 5; i += 1) {
        const target = await nav.nth(i).getAttribute('data-target');
        await nav.nth(i).click();
        await waitFullyInView(vp, vp.locator(`[data-card-id="${target}"]`));
        await vp.locator(`[data-testid=desk-nav-card][data-target="${target}"].in-view`).waitFor();
      }
      await shot('desk');
      await vp.getByTestId('desk-nav-log').click();
      const log = vp.getByTestId('activity-log');
      const handle = await log.elementHandle();
      await vp.waitForFunction((el) => {
        const r = (el as Element).getBoundingClientRect();
        return r.top < window.innerHeight && r.bottom > 0;
      }, handle);
      // On a phone the log is at most a card's height down the page, not five.
      const top = await vp.evaluate(
        () => document.getElementById('activity-log')!.getBoundingClientRect().top + window.scrollY,
      );
      expect(top).toBeLessThan(height * 1.6);
      await shot('log');
      expect(errors).toEqual([]);
    });
  },
);

async function http(method: string, p: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${p}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
