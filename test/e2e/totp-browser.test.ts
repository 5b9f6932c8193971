/**
 * TOTP as the second factor in real Chromium through real nginx
 * (auth_request → Gatehouse), with codes from an independent generator
 * (oathtool, OATH Toolkit): enrol on /profile by reading the manual key off
 * the page → 10 recovery codes shown once → sign out → password + a current
 * code lands on the protected app → the used code is refused next time; a
 * recovery code signs in once and is refused the second time → an admin
 * resets the user's 2FA on the settings page's Users tab: the user's session
 * ends and a password alone signs in again.
 *
 * The steps run in order against one Gatehouse, as one user (bob) in one
 * browser context (each `it` continues where the previous one left off); the
 * admin gets a context of their own. A TOTP time step is accepted once per
 * user, so the sign-in after enrolment waits for the next 30 s step (only as
 * long as it has to); everything later uses recovery codes or none.
 *
 * Hosts: app.gh.localhost / auth.gh.localhost with the session cookie on
 * gh.localhost (see test/support/browser.ts).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NewUser } from '../../src/users/user-service.js';
import { newPage, screenshot } from '../support/browser.js';
import { oathtoolCode } from '../support/mfa.js';
import { readAuditFile } from '../support/user-password.js';
import { startBrowserStack, type BrowserStack } from '../support/browser-stack.js';
import type { GatehouseHandle, Upstream } from '../support/proxies.js';

const ADMIN = { username: 'alice', password: 'totp admin passphrase 1', role: 'admin', displayName: 'Alice Admin' } satisfies NewUser;
const USER = { username: 'bob', password: 'totp editor passphrase 2', role: 'editor', displayName: 'Bob Editor' } satisfies NewUser;

const STEP_MS = 30_000;
const stepOf = (ms: number) => Math.floor(ms / STEP_MS);

describe('TOTP in Chromium through nginx: enrol, password + code, recovery code, admin reset (oathtool codes)', () => {
  let stack: BrowserStack;
  let upstream: Upstream;
  let gatehouse: GatehouseHandle;
  let browser: Browser;
  let portal: string;

  /** bob's browser, kept across the steps. */
  let user: { context: BrowserContext; page: Page };
  let admin: { context: BrowserContext; page: Page } | undefined;
  const browserLog: string[] = [];

  // What the steps hand on to each other.
  let secret = '';
  let recoveryCodes: string[] = [];
  let enrolStep = 0;
  let loginCode = '';
  let loginStep = 0;

  function logPage(name: string, page: Page): void {
    page.on('console', (message) => browserLog.push(`${name} console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => browserLog.push(`${name} pageerror: ${error.message}`));
  }

  beforeAll(async () => {
    stack = await startBrowserStack({ users: [ADMIN, USER] });
    ({ browser, upstream, gatehouse, portal } = stack);
    user = await newPage(browser);
    logPage('bob', user.page);
  });

  afterAll(async () => {
    await admin?.context.close();
    await user?.context.close();
    await stack?.close();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') console.error(await stack.failureReport(`totp-${task.name}`, [['bob', user?.page], ['alice', admin?.page]], browserLog));
  });

  const page = () => user.page;
  const appUrl = (path: string) => stack.appUrl(path);
  const loginUrl = (target: string) => `${portal}/login?rd=${encodeURIComponent(target)}&rm=GET`;
  const twoFactorUrl = (target: string) => `${portal}/login/2fa?rd=${encodeURIComponent(target)}`;
  const appRequests = () => upstream.requests.filter((r) => r.url !== '/favicon.ico');
  const appPaths = () => appRequests().map((r) => r.url);
  const errorText = () => page().locator('p.error[role="alert"]').innerText();

  /** Who bob's cookies sign in as, asked from a second tab on the portal. */
  async function signedInAs(): Promise<Record<string, unknown>> {
    const probe = await user.context.newPage();
    try {
      await probe.goto(`${portal}/`);
      return await probe.evaluate(async () => {
        const res = await fetch('/api/auth/status');
        return { status: res.status, ...(await res.json()) };
      });
    } finally {
      await probe.close();
    }
  }

  const auditEvents = async () => (await readAuditFile(gatehouse.dataDir)).events;

  /** Opens the protected `path`: lands on the portal's login form for it, the app never asked. */
  async function openAppExpectingLogin(path: string): Promise<void> {
    const before = appRequests().length;
    await page().goto(appUrl(path));
    expect(page().url()).toBe(loginUrl(appUrl(path)));
    await page().locator('form[action="/login"] #password').waitFor();
    expect(appRequests()).toHaveLength(before);
  }

  async function submitPassword(): Promise<void> {
    await page().locator('#username').fill(USER.username);
    await page().locator('#password').fill(USER.password);
    await Promise.all([page().waitForNavigation(), page().getByRole('button', { name: 'Sign in', exact: true }).click()]);
  }

  /** App → login → password: /login/2fa asks for a code; the app has not been reached. */
  async function passwordExpectingCodePrompt(path: string): Promise<void> {
    await openAppExpectingLogin(path);
    const before = appRequests().length;
    await submitPassword();
    expect(page().url()).toBe(twoFactorUrl(appUrl(path)));
    expect(await page().title()).toBe('Two-factor authentication · Gatehouse');
    await page().locator('form[action="/login/2fa"] #code').waitFor();
    expect(appRequests()).toHaveLength(before);
    // A partial (password-only) session is not signed in for the app, nor for the API.
    expect(await signedInAs()).toMatchObject({ status: 401, error: 'authentication_required' });
  }

  /** Types `code` on /login/2fa and presses Verify; resolves with the status of the POST. */
  async function submitCode(code: string): Promise<number> {
    await page().locator('#code').fill(code);
    const [response] = await Promise.all([
      page().waitForResponse((res) => res.url() === `${portal}/login/2fa` && res.request().method() === 'POST'),
      page().waitForNavigation(),
      page().getByRole('button', { name: 'Verify' }).click(),
    ]);
    return response.status();
  }

  /** Signed in on the app: the page shows the upstream's answer for `path`, whose request carried Remote-User: bob. */
  async function expectOnApp(path: string): Promise<void> {
    expect(page().url()).toBe(appUrl(path));
    const shown = JSON.parse(await page().locator('pre').first().innerText()) as { url: string; headers: Record<string, string> };
    expect(shown.url).toBe(path);
    expect(shown.headers['remote-user']).toBe(USER.username);
    const seen = appRequests().at(-1)!;
    expect(seen.url).toBe(path);
    expect(upstream.headerValues(seen, 'remote-user')).toEqual([USER.username]);
    expect(upstream.headerValues(seen, 'remote-groups')).toEqual(['editor']);
  }

  async function signOut(): Promise<void> {
    await page().goto(`${portal}/logout`);
    await Promise.all([page().waitForURL(`${portal}/login`), page().getByRole('button', { name: 'Sign out' }).click()]);
    expect(await signedInAs()).toMatchObject({ status: 401 });
  }

  /** The "Recovery codes left" count on /profile/2fa (the manage page, once TOTP is on). */
  async function recoveryCodesLeft(): Promise<string> {
    await page().goto(`${portal}/profile/2fa`);
    return page().locator('#recovery-left').innerText();
  }

  it('enrolment on /profile: the manual key read off the page plus an oathtool code turn TOTP on and show 10 recovery codes once', async () => {
    await openAppExpectingLogin('/start');
    await submitPassword();
    await expectOnApp('/start');
    expect(await signedInAs()).toMatchObject({ user: 'bob', acr: 'aal1', amr: ['pwd'], mfa: { enrolled: false, methods: [] } });

    await page().goto(`${portal}/profile`);
    await Promise.all([page().waitForURL(`${portal}/profile/2fa`), page().getByRole('link', { name: 'Set up or manage two-factor authentication' }).click()]);
    expect(await page().title()).toBe('Set up two-factor authentication · Gatehouse');
    expect(await page().locator('figure.qr svg').count()).toBe(1);
    secret = (await page().locator('#manual-key').innerText()).trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await screenshot(page(), 'totp-enrol-page');

    // Not on until confirmed: a new sign-in now would need no code.
    expect(await signedInAs()).toMatchObject({ mfa: { enrolled: false } });

    const now = Date.now();
    enrolStep = stepOf(now);
    await page().locator('#code').fill(oathtoolCode(secret, now));
    await Promise.all([page().waitForNavigation(), page().getByRole('button', { name: 'Turn on two-factor authentication' }).click()]);
    expect(await page().title()).toBe('Your recovery codes · Gatehouse');
    recoveryCodes = (await page().locator('#recovery-codes li').allInnerTexts()).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[A-HJKMNP-Z2-9]{5}-[A-HJKMNP-Z2-9]{5}$/);
    expect(await page().getByRole('link', { name: 'Continue' }).getAttribute('href')).toBe(`${portal}/profile`);
    await screenshot(page(), 'totp-recovery-codes');

    // Confirming proved the factor: this session is a full one now.
    expect(await signedInAs()).toMatchObject({ user: 'bob', acr: 'aal2', mfa: { enrolled: true, methods: ['otp'], recoveryCodesLeft: 10 } });
    // The manage page shows the count, never the codes again.
    expect(await recoveryCodesLeft()).toBe('10');
    expect(await page().locator('#recovery-codes').count()).toBe(0);
    const html = await page().content();
    for (const code of recoveryCodes) expect(html).not.toContain(code);
    expect(html).not.toContain(secret);
    expect(await auditEvents()).toContainEqual(expect.objectContaining({ event: 'mfa.totp.enrol', actor: 'bob', target: 'bob' }));
  });

  it('sign-in after enrolment: the password alone stops at /login/2fa; a current oathtool code lands on the app with Remote-User', async () => {
    expect(secret).not.toBe('');
    await signOut();
    upstream.requests.length = 0;
    await passwordExpectingCodePrompt('/dashboard?after=totp');
    await screenshot(page(), 'totp-login-2fa');

    // The enrolment's time step is spent: the next code is the one of a later step.
    const wait = (enrolStep + 1) * STEP_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 50));
    const now = Date.now();
    loginStep = stepOf(now);
    loginCode = oathtoolCode(secret, now);
    expect(await submitCode(loginCode)).toBe(303);
    await expectOnApp('/dashboard?after=totp');
    expect(appPaths()).toEqual(['/dashboard?after=totp']);
    expect(await signedInAs()).toMatchObject({ user: 'bob', acr: 'aal2', amr: ['pwd', 'otp'] });
    // Up to one 30 s step of waiting for a fresh code, on top of the sign-in: more than the suite's default 30 s.
  }, 50_000);

  it('the same TOTP code is refused at the next sign-in; a recovery code signs in once, and that recovery code again is refused', async () => {
    expect(loginCode).not.toBe('');
    await signOut();
    upstream.requests.length = 0;

    // Replay: still inside the ±1-step window, so only "already used" can refuse it.
    await passwordExpectingCodePrompt('/replay');
    expect(stepOf(Date.now()) - loginStep, 'the replayed code must still be inside the ±1 step window').toBeLessThanOrEqual(1);
    expect(await submitCode(loginCode)).toBe(401);
    expect(page().url()).toBe(`${portal}/login/2fa`);
    expect(await errorText()).toBe('That code is not right.');
    expect(await signedInAs()).toMatchObject({ status: 401 });

    // A recovery code, typed the way it reads on paper (lower case, a space for the dash).
    const [first, second] = recoveryCodes as [string, string];
    expect(await submitCode(first.toLowerCase().replace('-', ' '))).toBe(303);
    await expectOnApp('/replay');
    expect(await signedInAs()).toMatchObject({ user: 'bob', acr: 'aal2', amr: ['pwd', 'rec'], mfa: { recoveryCodesLeft: 9 } });
    expect(await recoveryCodesLeft()).toBe('9');
    expect(await auditEvents()).toContainEqual(expect.objectContaining({ event: 'mfa.recovery.use', target: 'bob' }));

    // The same recovery code again: refused, the app not reached.
    await signOut();
    upstream.requests.length = 0;
    await passwordExpectingCodePrompt('/reuse');
    expect(await submitCode(first)).toBe(401);
    expect(await errorText()).toBe('That code is not right.');
    expect(await signedInAs()).toMatchObject({ status: 401 });
    expect(appRequests()).toHaveLength(0);

    // Another one of the set still works: bob ends up signed in, for the admin's reset to end.
    expect(await submitCode(second)).toBe(303);
    await expectOnApp('/reuse');
    expect(await signedInAs()).toMatchObject({ user: 'bob', mfa: { recoveryCodesLeft: 8 } });
  });

  it('the admin resets bob’s 2FA on the Users tab: bob’s session ends and a password alone signs him in, no code asked', async () => {
    expect(await signedInAs()).toMatchObject({ user: 'bob', acr: 'aal2' });

    admin = await newPage(browser);
    logPage('alice', admin.page);
    const a = admin.page;
    await a.goto(`${portal}/settings`);
    expect(a.url()).toBe(`${portal}/login?rd=${encodeURIComponent(`${portal}/settings`)}`);
    await a.locator('#username').fill(ADMIN.username);
    await a.locator('#password').fill(ADMIN.password);
    await Promise.all([a.waitForURL(`${portal}/settings`), a.getByRole('button', { name: 'Sign in', exact: true }).click()]);
    await a.waitForFunction(() => document.documentElement.dataset.settingsReady === 'true');

    await a.getByRole('tab', { name: 'Users' }).click();
    const bobRow = a.locator('#users-rows tr[data-user="bob"]');
    await expect.poll(() => bobRow.locator('td').nth(3).innerText()).toBe('authenticator app');
    await bobRow.getByRole('button', { name: 'Edit bob' }).click();
    await expect.poll(() => a.locator('#user-mfa').innerText()).toBe('Second factors: authenticator app. Recovery codes left: 8.');

    // A confirm button: the first click arms it, the second resets.
    const reset = a.locator('#user-reset-2fa');
    await reset.click();
    await expect.poll(() => reset.innerText()).toBe('Really remove all second factors? Click again');
    await reset.click();
    await expect.poll(() => a.locator('#users-status').innerText()).toBe('Removed the second factors of bob; 1 session(s) ended.');
    await expect.poll(() => bobRow.locator('td').nth(3).innerText()).toBe('none');
    await expect.poll(() => a.locator('#user-mfa').innerText()).toBe('Second factors: none. Recovery codes left: 0.');
    await screenshot(a, 'totp-admin-reset');
    expect(await auditEvents()).toContainEqual(expect.objectContaining({ event: 'mfa.reset', actor: 'alice', target: 'bob' }));

    // bob's session is gone: the app sends him to sign in again.
    expect(await signedInAs()).toMatchObject({ status: 401 });
    upstream.requests.length = 0;
    await openAppExpectingLogin('/after-reset');

    // The password alone lands on the app: no /login/2fa on the way.
    const visited: string[] = [];
    const onFrame = (frame: { url(): string }) => void visited.push(frame.url());
    page().on('framenavigated', onFrame);
    await submitPassword();
    page().off('framenavigated', onFrame);
    await expectOnApp('/after-reset');
    expect(visited.filter((url) => url.startsWith(`${portal}/login/2fa`) || url.startsWith(`${portal}/profile/2fa`))).toEqual([]);
    expect(appPaths()).toEqual(['/after-reset']);
    expect(await signedInAs()).toMatchObject({ user: 'bob', acr: 'aal1', amr: ['pwd'], mfa: { enrolled: false, methods: [], recoveryCodesLeft: 0 } });
  });
});
