/**
 * Passkeys in real Chromium through real nginx, with a CDP virtual
 * authenticator (ctap2, internal transport, resident keys, user
 * verification): register on /profile → sign out → passwordless sign-in
 * (button, and autofill) lands on the protected app; a passkey as the second
 * factor after a password; a deleted passkey gets the "removed" message; the
 * "cancelled", "no passkey yet" and "origin mismatch" messages.
 *
 * The portal is http://auth.gh.localhost:<port>: Chromium treats
 * http://*.localhost as a secure context, and the RP ID defaults to the
 * portal's host name (auth.gh.localhost). See test/support/browser.ts for why
 * the hosts sit under gh.localhost.
 *
 * The virtual authenticator answers a conditional (autofill) request at once
 * when it holds a passkey for the site and presence simulation is on. Tests
 * that must not be signed in by autofill the moment the login page loads turn
 * presence simulation off first, and on again just before they click.
 */
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NewUser } from '../../src/users/user-service.js';
import { PASSKEY_ERRORS } from '../../src/passkeys/passkey-errors.js';
import { BROWSER_APP_HOST, BROWSER_PORTAL_HOST, newPage, screenshot } from '../support/browser.js';
import { startBrowserStack, type BrowserStack } from '../support/browser-stack.js';
import type { GatehouseHandle, ProxyHandle, Upstream } from '../support/proxies.js';

const ALICE = { username: 'alice', password: 'passkey admin passphrase 1', role: 'admin', displayName: 'Alice Admin' } satisfies NewUser;
const BOB = { username: 'bob', password: 'passkey editor passphrase 2', role: 'editor' } satisfies NewUser;
const CAROL = { username: 'carol', password: 'passkey viewer passphrase 3', role: 'viewer' } satisfies NewUser;
const DAVE = { username: 'dave', password: 'passkey viewer passphrase 4', role: 'viewer' } satisfies NewUser;

describe('passkeys in Chromium through nginx (virtual authenticator)', () => {
  let stack: BrowserStack;
  let upstream: Upstream;
  let gatehouse: GatehouseHandle;
  let nginx: ProxyHandle;
  let browser: Browser;
  let port: number;
  let portal: string;

  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let consoleLines: string[];

  beforeAll(async () => {
    stack = await startBrowserStack({ users: [ALICE, BOB, CAROL, DAVE] });
    ({ browser, upstream, gatehouse, nginx, port, portal } = stack);
  });

  afterAll(async () => {
    await stack?.close();
  });

  beforeEach(async () => {
    upstream.requests.length = 0;
    ({ context, page } = await newPage(browser));
    consoleLines = [];
    page.on('console', (message) => consoleLines.push(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    }));
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) {
      const shot = await screenshot(page, `failed-passkeys-${task.name.slice(0, 40)}`).catch((error: Error) => `no screenshot: ${error.message}`);
      console.error(`[${task.name}] page ${page.url()}; ${shot}\n--- browser ---\n${consoleLines.join('\n')}\n${await nginx.diagnostics()}\n--- gatehouse ---\n${gatehouse.logs().slice(-4000)}`);
    }
    await context?.close();
  });

  const appUrl = (path: string) => `http://${BROWSER_APP_HOST}:${port}${path}`;
  const presence = (enabled: boolean) => cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId, enabled });
  const status = () => page.locator('#passkey-status');
  const appRequests = () => upstream.requests.filter((r) => r.url !== '/favicon.ico');

  async function passwordSignIn(user: NewUser, path: string): Promise<void> {
    await page.goto(appUrl(path));
    await page.locator('#username').fill(user.username);
    await page.locator('#password').fill(user.password!);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
  }

  /** /profile → "Add a passkey": the virtual authenticator creates it; the list shows it. */
  async function addPasskey(): Promise<void> {
    await page.goto(`${portal}/profile`);
    await page.locator('#passkeys').waitFor();
    await expect.poll(() => page.locator('#passkey-empty').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect.poll(() => status().innerText()).toBe('Passkey “Passkey” added. You can now sign in with it.');
    await expect.poll(() => page.locator('#passkey-rows tr').count()).toBe(1);
  }

  async function signOut(): Promise<void> {
    await page.goto(`${portal}/logout`);
    await Promise.all([page.waitForURL(`${portal}/login`), page.getByRole('button', { name: 'Sign out' }).click()]);
  }

  /** Who the browser's cookies sign in as, asked from a second tab on the portal. */
  async function signedInAs(): Promise<Record<string, unknown>> {
    const probe = await context.newPage();
    try {
      await probe.goto(`${portal}/`);
      return await probe.evaluate(async () => (await fetch('/api/auth/status')).json());
    } finally {
      await probe.close();
    }
  }

  /**
   * The login page with its autofill request open while presence simulation is
   * off, so nothing answers it; then presence on, ready for a click.
   */
  async function loginPageWaiting(url: string): Promise<void> {
    await presence(false);
    await page.goto(url);
    await page.locator('#passkey-signin-block[data-autofill="waiting"]').waitFor({ state: 'attached' });
    await presence(true);
  }

  it('register → sign out → "Sign in with a passkey" lands on the protected app; then autofill signs in by itself', async () => {
    await passwordSignIn(ALICE, '/start');
    expect(page.url()).toBe(appUrl('/start'));
    await addPasskey();
    const row = page.locator('#passkey-rows tr').first();
    expect(await row.locator('td').nth(3).innerText()).toBe('This device only');
    expect(await row.locator('td').nth(4).innerText()).toBe('No');
    await screenshot(page, 'passkeys-profile-list');

    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]).toMatchObject({ rpId: BROWSER_PORTAL_HOST, isResidentCredential: true });

    // Off before the login page loads, so autofill can't answer before the button is clicked.
    await presence(false);
    await signOut();
    upstream.requests.length = 0;
    await loginPageWaiting(appUrl('/dashboard?from=passkey'));
    expect(await page.locator('#username').getAttribute('autocomplete')).toBe('username webauthn');
    await screenshot(page, 'passkeys-login-page');
    await Promise.all([page.waitForURL(appUrl('/dashboard?from=passkey')), page.getByRole('button', { name: 'Sign in with a passkey' }).click()]);
    expect(appRequests()).toHaveLength(1);
    expect(upstream.headerValues(appRequests()[0]!, 'remote-user')).toEqual(['alice']);
    expect(await signedInAs()).toMatchObject({ user: 'alice', acr: 'aal2', amr: ['hwk'] });

    // Conditional UI: with presence on when the login page loads, its autofill request is answered at once.
    await presence(false);
    await signOut();
    await presence(true);
    await page.goto(appUrl('/autofill'));
    await page.waitForURL(appUrl('/autofill'));
    expect(upstream.headerValues(appRequests().at(-1)!, 'remote-user')).toEqual(['alice']);
    expect(await signedInAs()).toMatchObject({ user: 'alice', amr: ['hwk'] });
  });

  it('password, then the passkey as the second factor on /login/2fa', async () => {
    await passwordSignIn(BOB, '/');
    await addPasskey();
    await presence(false);
    await signOut();

    await presence(false);
    await passwordSignIn(BOB, '/second?factor=passkey');
    expect(page.url()).toBe(`${portal}/login/2fa?rd=${encodeURIComponent(appUrl('/second?factor=passkey'))}`);
    const button = page.getByRole('button', { name: 'Use a passkey' });
    await button.waitFor();
    await screenshot(page, 'passkeys-second-factor');
    await presence(true);
    await Promise.all([page.waitForURL(appUrl('/second?factor=passkey')), button.click()]);
    expect(upstream.headerValues(appRequests().at(-1)!, 'remote-user')).toEqual(['bob']);
    expect(await signedInAs()).toMatchObject({ user: 'bob', acr: 'aal2', amr: ['pwd', 'hwk'] });
  });

  it('delete the passkey on /profile → signing in with it says it was removed from Gatehouse', async () => {
    await passwordSignIn(CAROL, '/');
    await addPasskey();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('#passkey-rows tr').first().getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => status().innerText()).toBe('Passkey deleted. It was your last second factor, so your sessions have ended. Sign in again');
    await expect.poll(() => page.locator('#passkey-rows tr').count()).toBe(0);

    await loginPageWaiting(`${portal}/login`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect.poll(() => status().innerText()).toBe(PASSKEY_ERRORS.passkey_removed);
    expect(await status().getAttribute('class')).toContain('error');
    await screenshot(page, 'passkeys-removed-message');
    expect(await signedInAs()).toMatchObject({ error: 'authentication_required' });
  });

  it('messages: no passkey for this site yet; cancelled (user verification refused)', async () => {
    await page.goto(`${portal}/login`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect.poll(() => status().innerText()).toMatch(/^No passkey for this site yet on this device/);

    await passwordSignIn(DAVE, '/');
    await addPasskey();
    await presence(false);
    await signOut();
    await loginPageWaiting(`${portal}/login`);
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect.poll(() => status().innerText()).toMatch(/^Cancelled: the passkey prompt was closed or timed out/);
    expect(page.url()).toBe(`${portal}/login`);
  });

  it('a login page opened at 127.0.0.1 instead of the portal’s name says where passkeys work', async () => {
    await page.goto(`http://127.0.0.1:${gatehouse.port}/login`);
    await expect
      .poll(() => status().innerText())
      .toBe(`Passkeys for this Gatehouse work at ${portal} (RP ID ${BROWSER_PORTAL_HOST}), but this page was opened at http://127.0.0.1:${gatehouse.port}. Open ${portal}/login instead. Open ${portal}`);
    expect(await status().locator('a').getAttribute('href')).toBe(`${portal}/login`);
  });
});
