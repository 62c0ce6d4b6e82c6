import type { Browser, Page } from 'playwright-core';
import { openBrowserPage } from '../support/browser';
import { SPOKEN } from '../../shared/core/ivr/answer';
import { eventually, ImClient, signUp } from '../support/e2e-client';
import { useLocalStack } from '../support/e2e-stack';

/**
 * The console's phone card places a voice call through the sandbox (the IVR direct call) and shows what the
 * caller hears, whom the call rang, and what the callee heard before the bridge.
 */
jest.setTimeout(90_000);

const e2e = useLocalStack('console-ivr');
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  ({ browser, page } = await openBrowserPage(pageErrors));
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

it('a phone card calls a service number, keys a contact, and shows what the caller hears', async () => {
  const alice = await signUp(e2e.base, '+14155550181', 'Alice');
  const bob = await signUp(e2e.base, '+14155550182', 'Bob');
  const a = await ImClient.connect(e2e.base, alice.token);
  a.send({ action: 'addContact', imNumber: bob.imNumber });
  await eventually(() => a.frames.find((f) => f.type === 'contact'));
  await a.close();

  await page.goto(`${e2e.base}/`);
  const phone = page.getByTestId('phone-card').first();
  const number = phone.getByTestId('phone-number');
  await number.fill(alice.phone);
  await number.press('Enter');
  const call = phone.getByTestId('phone-call');
  await call.locator('summary').click();
  await call.getByTestId('phone-call-to').locator('option').first().waitFor({ state: 'attached' });

  await call.getByTestId('phone-call-start').click();
  await call.getByTestId('phone-call-said').getByText(SPOKEN.prompt).waitFor();
  await call.getByTestId('phone-call-keys').fill(`${bob.imNumber}#`);
  await call.getByTestId('phone-call-press').click();
  await call.getByTestId('phone-call-said').getByText(SPOKEN.connecting('Bob')).waitFor();

  expect(await call.getByTestId('phone-call-said').allTextContents()).toEqual([
    SPOKEN.welcome,
    SPOKEN.prompt,
    SPOKEN.connecting('Bob'),
  ]);
  expect(await call.getByTestId('phone-call-status').textContent()).toBe('Call ended');
  const dialed = (await call.getByTestId('phone-call-dialed').textContent()) ?? '';
  expect(dialed).toContain(`Rang ${bob.phone}, showing +`);
  expect(dialed).toContain(`Call from Alice, IM number ${[...alice.imNumber].join(' ')}`);
  expect(await call.getByTestId('phone-call-keys').isDisabled()).toBe(true);
  expect(pageErrors).toEqual([]);
});
