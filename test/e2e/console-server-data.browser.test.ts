import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { openBrowserPage } from '../support/browser';
import { startLocalStack, type LocalStack } from '../../infra/local/stack';
import { ImClient, signUp } from '../support/e2e-client';

/**
 * The console on the server's data, in headless Chromium on the whole local stack: contacts come from
 * `getContacts` with presence dots that `presence` frames move live, a conversation's history comes from the
 * server's `history` (so it survives a reload that wiped the browser's copy), and an invitation sent from an IM
 * card is answered YES from the invitee's phone card, after which inviter and invitee are each other's contacts.
 */

const AMY = { phone: '+14155550181', name: 'Amy' };
const BO = { phone: '+14155550182', name: 'Bo' };
const CARA = { phone: '+14155550183', name: 'Cara' };

jest.setTimeout(180_000);

let stack: LocalStack;
let browser: Browser;
let page: Page;
let base: string;
const dataDir = mkdtempSync(path.join(tmpdir(), 'imsms-console-data-'));
const pageErrors: string[] = [];
let amyNumber = '';
let boNumber = '';

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, dataDir, quiet: true });
  base = `http://127.0.0.1:${stack.port}`;
  // The two bundled modules are built on their first request: build them before the page waits on them.
  for (const p of ['/console/rules.js', '/console/client.js'])
    expect((await fetch(`${base}${p}`)).status).toBe(200);
  ({ browser, page } = await openBrowserPage(pageErrors));
  page.setDefaultTimeout(45_000); // a loaded machine: a wait that is merely slow is not a failure
  await page.goto(`${base}/`);
  await page.getByTestId('im-card').nth(1).waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const card = (i: number) => page.getByTestId('im-card').nth(i);

/** Logs a card in with the code from the phone's sandbox inbox; returns the imNumber. */
async function logIn(c: Locator, who: { phone: string; name: string }): Promise<string> {
  await c.getByTestId('im-phone').fill(who.phone);
  await c.getByTestId('im-name').fill(who.name);
  await c.getByTestId('im-send-code').click();
  await c
    .getByTestId('im-inbox-sms')
    .filter({ hasText: /code is \d{6}/ })
    .waitFor();
  await c.getByTestId('im-use-code').click();
  await c.getByTestId('im-verify').click();
  await c.getByTestId('im-presence').getByText('Online').waitFor();
  return ((await c.getByTestId('im-number').textContent()) ?? '').trim();
}

/** The contact button of `imNumber` on a card's contact list. */
const contact = (c: Locator, imNumber: string) =>
  c.locator(`[data-testid=im-contact][data-im-number="${imNumber}"]`);

it('lists the server’s contacts with presence, and moves a presence dot live', async () => {
  const [amy, bo] = [card(0), card(1)];
  amyNumber = await logIn(amy, AMY);
  boNumber = await logIn(bo, BO);

  await amy.getByTestId('im-add-contact-box').locator('summary').click();
  // A refusal from the server is shown in words, with its code: no user has that number.
  await amy.getByTestId('im-add-contact-number').fill('99999999');
  await amy.getByTestId('im-add-contact').click();
  const unknown = amy.getByTestId('im-add-contact-error').getByText(/unknown_recipient/);
  await unknown.waitFor();
  // In words said once: the server's "no user has that imNumber" adds nothing to the reason.
  expect(await unknown.textContent()).toBe('no user has that IM number (unknown_recipient)');
  await amy.getByTestId('im-add-contact-number').fill(boNumber);
  await amy.getByTestId('im-add-contact').click();
  await amy.getByTestId('im-chat-name').getByText(BO.name).waitFor();
  await amy.getByTestId('im-back').click();
  // Adding Bo again: the refusal is shown once, beside the form, in words said once; not also as the card's notice.
  await amy.getByTestId('im-add-contact-box').locator('summary').click();
  await amy.getByTestId('im-add-contact-number').fill(boNumber);
  await amy.getByTestId('im-add-contact').click();
  const refused = amy.getByTestId('im-add-contact-error').getByText(/contact_exists/);
  await refused.waitFor();
  expect(await refused.textContent()).toBe('already in your contacts (contact_exists)');
  // The notice, were it shown, is set by a 0 ms timer queued with the frame: a later 50 ms timer runs after it.
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 50)));
  expect(await amy.getByTestId('im-notice').isHidden()).toBe(true);
  await amy.getByTestId('im-add-contact-box').locator('summary').click();

  const dot = contact(amy, boNumber).getByTestId('im-contact-presence');
  await page.waitForFunction(
    (el) => (el as HTMLElement).dataset.status === 'online',
    await dot.elementHandle(),
  );
  // Bo goes to offline mode: the server tells Amy, whose dot turns grey without a reload, then back.
  await bo.getByTestId('im-offline').check();
  await amy.locator(`[data-testid=im-contact][data-im-number="${boNumber}"] [data-status=offline]`).waitFor();
  await bo.getByTestId('im-offline').uncheck();
  await amy.locator(`[data-testid=im-contact][data-im-number="${boNumber}"] [data-status=online]`).waitFor();
  expect(await contact(amy, boNumber).getAttribute('aria-label')).toMatch(/online/);

  // Amy's socket goes away; Bo goes offline while it is away (no frame can tell her). When she reconnects the
  // list is asked for whole: her cached version is unchanged, but Bo's presence is not.
  await amy.getByTestId('im-connect').click();
  await amy.getByTestId('im-presence').getByText('Disconnected').waitFor();
  await bo.getByTestId('im-offline').check();
  await amy.getByTestId('im-connect').click();
  await amy.getByTestId('im-presence').getByText('Online').waitFor();
  await amy.locator(`[data-testid=im-contact][data-im-number="${boNumber}"] [data-status=offline]`).waitFor();
  await bo.getByTestId('im-offline').uncheck();
});

it('loads a conversation’s history from the server, so it survives a reload that wiped the browser’s copy', async () => {
  const amy = card(0);
  await contact(amy, boNumber).click();
  await amy.getByTestId('im-input').fill('Kept by the server');
  await amy.getByTestId('im-input').press('Enter');
  await amy
    .getByTestId('im-message')
    .filter({ hasText: 'Kept by the server' })
    .getByTestId('im-msg-status')
    .filter({ hasText: 'delivered' })
    .waitFor();
  await amy.getByTestId('im-back').click();

  // Forget every user's cached contacts and history; the cards keep only their sign-in.
  const wiped = await page.evaluate(() => {
    const keys = Object.keys(localStorage).filter((k) => k.startsWith('imsms.console.v1.user.'));
    for (const k of keys) localStorage.removeItem(k);
    return keys.length;
  });
  expect(wiped).toBeGreaterThan(0);
  await page.reload();
  const again = card(0);
  await contact(again, boNumber).waitFor(); // the list, from getContacts
  await contact(again, boNumber).click();
  const kept = again.getByTestId('im-message').filter({ hasText: 'Kept by the server' });
  await kept.waitFor(); // the conversation, from history
  expect(await kept.getAttribute('data-dir')).toBe('out');
  expect(await kept.getAttribute('data-id')).toMatch(/\S/);
  await again.getByTestId('im-back').click();
});

it('sends an invitation, shows a refusal clearly, and a YES from the phone card makes both contacts', async () => {
  const amy = card(0);
  await amy.getByTestId('im-invite-box').locator('summary').click();
  // Refusals in words, nothing sent: a local-format phone, then an existing user.
  await amy.getByTestId('im-invite-phone').fill('4155550183');
  await amy.getByTestId('im-invite-name').fill(CARA.name);
  await amy.getByTestId('im-invite').click();
  await amy
    .getByTestId('im-invite-error')
    .getByText(/invalid_phone/)
    .waitFor();
  await amy.getByTestId('im-invite-phone').fill(BO.phone);
  await amy.getByTestId('im-invite').click();
  await amy
    .getByTestId('im-invite-error')
    .getByText(/existing_user/)
    .waitFor();

  await amy.getByTestId('im-invite-phone').fill(CARA.phone);
  await amy.getByTestId('im-invite-name').fill(CARA.name);
  await amy.getByTestId('im-invite').click();
  await amy.getByTestId('im-invite-sent').waitFor();
  const invitation = amy.locator(`[data-testid=im-invitation][data-phone="${CARA.phone}"]`);
  expect(await invitation.getAttribute('data-status')).toBe('pending');

  // Cara's plain phone gets the SMS and answers YES with one tap.
  const phone = page.getByTestId('phone-card').first();
  await phone.getByTestId('phone-number').fill(CARA.phone);
  await phone.getByTestId('phone-number').press('Enter');
  await phone
    .getByTestId('phone-message')
    .filter({ hasText: `${AMY.name} (@${amyNumber}) invites you` })
    .waitFor();
  await phone.locator('[data-testid=phone-answer][data-answer=YES]').click();
  await phone.locator('[data-testid=phone-message][data-dir=out]').filter({ hasText: 'YES' }).waitFor();

  // Amy hears it by an `invitation` frame; Cara is now in her contacts.
  await amy
    .locator(`[data-testid=im-invitation][data-phone="${CARA.phone}"][data-status=accepted]`)
    .waitFor();
  await amy.getByTestId('im-contact').filter({ hasText: CARA.name }).first().waitFor();

  // Cara signs in on the second card (Bo logs out): Amy is already in her contacts.
  const second = card(1);
  await second.getByTestId('im-logout').click();
  await logIn(second, CARA);
  await contact(second, amyNumber).waitFor();
  expect(await contact(second, amyNumber).locator('.contact-name').textContent()).toContain(AMY.name);
  expect(pageErrors).toEqual([]);
});

it('loads every page of a contact list longer than one frame (issue 14, item 7: getContacts in pages)', async () => {
  // Another device of Amy's adds 130 phone contacts with 64-character names: some 39 KB of list, two pages.
  const device = await signUp(base, AMY.phone);
  const sockets = [await ImClient.connect(base, device.token), await ImClient.connect(base, device.token)];
  const phones = Array.from({ length: 130 }, (_, i) => `+1650555${2000 + i}`);
  try {
    // Two sockets, so neither passes the per-connection frame rate.
    await Promise.all(
      sockets.map(async (s, k) => {
        for (const [i, phone] of phones.entries())
          if (i % 2 === k) await s.api.addContact({ phone, name: '😀'.repeat(63) + String(i % 10) });
      }),
    );
    expect((await sockets[0]!.api.getContacts()).nextCursor).toEqual(expect.any(String));
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
  }

  // Amy's card asks for the whole list when it reconnects: every page of it shows.
  const amy = card(0);
  await amy.getByTestId('im-connect').click();
  await amy.getByTestId('im-presence').getByText('Disconnected').waitFor();
  await amy.getByTestId('im-connect').click();
  await amy.getByTestId('im-presence').getByText('Online').waitFor();
  const added = amy.locator(
    '[data-testid=im-contact][data-key^="phone:+165055520"], [data-testid=im-contact][data-key^="phone:+165055521"]',
  );
  await amy.locator(`[data-testid=im-contact][data-key="phone:${phones.at(-1)}"]`).waitFor();
  expect(await added.count()).toBe(phones.length);
  await contact(amy, boNumber).waitFor(); // the first page's contacts stay too
  expect(pageErrors).toEqual([]);
});
