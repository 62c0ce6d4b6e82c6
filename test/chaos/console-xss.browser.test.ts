import type { Browser, Locator, Page } from 'playwright-core';
import { openBrowserPage } from '../support/browser';
import { http, type E2eUser } from '../support/e2e-client';
import {
  connect,
  inboxOf,
  phoneTexts,
  signUp,
  startChaosStack,
  type ChaosStack,
} from './support/chaos-stack';
import { crashes, findLeaks } from './support/privacy';

/**
 * Script and markup from users, in Debian's Chromium: a name with markup is refused (names cannot hold it),
 * and markup in IM messages, in texts from phones, in SMS on a phone card and in what the user types is shown
 * as text. Each payload would set window.__pwned if it ever ran; none may, and none may become an element.
 */

const PAYLOADS = [
  `<img src=x onerror="window.__pwned='img'">`,
  `<script>window.__pwned='script'</script>`,
  `<svg onload="window.__pwned='svg'"><circle r="1"/></svg>`,
  `"><iframe srcdoc="<script>parent.__pwned='iframe'</script>"></iframe>`,
  `<a href="javascript:window.__pwned='href'">tap me</a>`,
  `<details open ontoggle="window.__pwned='details'">x</details>`,
  `&lt;b&gt;entities&lt;/b&gt; &amp; <b>bold</b> \${window.__pwned='template'} {{constructor.constructor('window.__pwned=1')()}}`,
];
/** Elements and attributes the console never makes itself; any of them would be a payload turned into markup. */
const INJECTED =
  'body img, body iframe, body svg, body b, body script:not([src]), [onerror], [onload], [ontoggle], ' +
  '[srcdoc], a[href^="javascript"]';

jest.setTimeout(90_000);

let cs: ChaosStack;
let browser: Browser;
let page: Page;
let bob: E2eUser;
let carol: E2eUser;
const pageErrors: string[] = [];

beforeAll(async () => {
  cs = await startChaosStack();
  bob = await signUp(cs.base, cs.phones, cs.secrets, '+14155550901', 'bob');
  carol = await signUp(cs.base, cs.phones, cs.secrets, '+14155550902', 'carol');
  PAYLOADS.forEach((p) => cs.secrets.text(p));
  ({ browser, page } = await openBrowserPage(pageErrors));
  await page.goto(`${cs.base}/`);
  await page.getByTestId('im-card').nth(1).waitFor();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await cs?.stop();
});

const pwned = () => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);
const injected = () => page.locator(INJECTED).count();
const aliceCard = () => page.getByTestId('im-card').nth(0);
const texts = (list: Locator) => list.locator('.msg-text').allTextContents();

describe('markup in names', () => {
  it('a name with markup is refused with 400 invalid_name, by the API and in the console', async () => {
    const phone = cs.secrets.phone('+14155550903');
    await http(cs.base, 'POST', '/auth/start', { phone });
    const code = cs.secrets.code(/(\d{6})/.exec((await inboxOf(cs.phones, phone))[0].body)![1]);
    const byApi = await http(cs.base, 'POST', '/auth/verify', {
      phone,
      code,
      name: PAYLOADS[0].slice(0, 30),
    });

    const card = aliceCard();
    await card.getByTestId('im-phone').fill('+14155550904');
    await card.getByTestId('im-name').fill(`x<svg onload=__pwned=1>`);
    await card.getByTestId('im-send-code').click();
    await card.getByTestId('im-inbox-sms').filter({ hasText: /\d{6}/ }).waitFor();
    await card.getByTestId('im-use-code').click();
    await card.getByTestId('im-verify').click();
    const error = card.getByTestId('im-error');
    await error.filter({ hasText: /name/ }).waitFor();

    expect(byApi.status).toBe(400);
    expect(byApi.json.error.code).toBe('invalid_name');
    expect(await error.textContent()).toMatch(/^name must be/);
    expect(await injected()).toBe(0);
    expect(await pwned()).toBeUndefined();
  });
});

describe('markup in messages is text', () => {
  it('IM from another user, and texts from a plain phone, show exactly as sent', async () => {
    const card = aliceCard();
    await card.getByTestId('im-login-back').click();
    await card.getByTestId('im-name').fill('Alice');
    await card.getByTestId('im-send-code').click();
    await card.getByTestId('im-inbox-sms').filter({ hasText: /\d{6}/ }).waitFor();
    await card.getByTestId('im-use-code').click();
    await card.getByTestId('im-verify').click();
    await card.getByTestId('im-presence').getByText('Online').waitFor();
    const alice = (await card.getByTestId('im-number').textContent())!.trim();
    const b = await connect(cs, bob);
    PAYLOADS.forEach((text, i) => b.send({ action: 'sendMessage', to: alice, text, clientId: `x${i}` }));
    for (const text of PAYLOADS.slice(0, 3)) await phoneTexts(cs, '+14155550905', `@${alice} ${text}`);

    await card.getByTestId('im-contact').filter({ hasText: 'bob' }).click();
    const messages = card.getByTestId('im-messages');
    await messages
      .getByTestId('im-message')
      .nth(PAYLOADS.length - 1)
      .waitFor();
    const fromBob = await texts(messages);
    await card.getByTestId('im-back').click();
    await card.getByTestId('im-contact').filter({ hasNotText: 'bob' }).first().click();
    await messages.getByTestId('im-message').nth(2).waitFor();
    const fromPhone = await texts(messages);

    expect(fromBob).toEqual(PAYLOADS);
    expect(fromPhone).toEqual(PAYLOADS.slice(0, 3));
    expect(await injected()).toBe(0);
    expect(await pwned()).toBeUndefined();
  });

  it('SMS with markup on a phone card, and markup the user types, show exactly as written', async () => {
    const card = aliceCard();
    const phone = page.getByTestId('phone-card').first();
    await phone.getByTestId('phone-number').fill(carol.phone);
    await phone.getByTestId('phone-number').press('Enter');
    const b = await connect(cs, bob);
    PAYLOADS.forEach((text, i) =>
      b.send({ action: 'sendMessage', to: carol.imNumber, text, clientId: `c${i}` }),
    );
    const fromBob = phone.getByTestId('phone-message').filter({ hasText: `bob @${bob.imNumber}` });
    await fromBob.nth(PAYLOADS.length - 1).waitFor();
    const onPhone = await fromBob.locator('.msg-text').allTextContents();

    await card.getByTestId('im-back').click();
    await card.getByTestId('im-contact').filter({ hasText: 'bob' }).click();
    const typed = PAYLOADS[1];
    await card.getByTestId('im-input').fill(typed);
    await card.getByTestId('im-input').press('Enter');
    const got = await b.waitFor((f) => f.type === 'message' && f.text === typed);
    await phone.getByTestId('phone-input').fill(`@bob ${PAYLOADS[3]}`);
    await phone.getByTestId('phone-send').click();
    await phone.getByTestId('phone-message').filter({ hasText: 'iframe' }).nth(1).waitFor();

    expect(onPhone).toEqual(PAYLOADS.map((t) => `bob @${bob.imNumber}: ${t}`));
    expect(got.text).toBe(typed);
    expect(await card.locator('[data-testid=im-message][data-dir=out] .msg-text').allTextContents()).toEqual([
      typed,
    ]);
    expect(await texts(phone.getByTestId('phone-messages'))).toContain(`@bob ${PAYLOADS[3]}`);
    expect(await injected()).toBe(0);
    expect(await pwned()).toBeUndefined();
  });

  it('the activity log showed every payload as text too, and nothing was refused by the CSP', async () => {
    const log = await page.getByTestId('log-list').textContent();

    expect(PAYLOADS.filter((p) => !log?.includes(p))).toEqual([]);
    expect(await injected()).toBe(0);
    expect(await pwned()).toBeUndefined();
    expect(pageErrors).toEqual([]);
  });
});

describe('the run', () => {
  it('logged no phone number, code or message text, and no handler crashed', () => {
    expect(cs.logs.length).toBeGreaterThan(20);
    expect(findLeaks(cs.logs, cs.secrets)).toEqual([]);
    expect(crashes(cs.logs)).toEqual([]);
  });
});
