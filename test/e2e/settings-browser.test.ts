/**
 * The settings page in real Chromium through real nginx, from a first run in
 * open mode: the switch to userPassword is refused until an admin exists
 * (created on the Users tab), then made and confirmed from a new-mode
 * session; a second switch nobody confirms rolls back by itself; a viewer
 * created on the Users tab is refused a POST through nginx; a rule edited on
 * the Access rules tab is checked with "Try a request". A screenshot of each
 * tab lands in test-output/screenshots/.
 *
 * The steps run in order against one Gatehouse (each `it` continues where the
 * previous one left off). Hosts: app.gh.localhost / auth.gh.localhost with the
 * session cookie on gh.localhost (see test/support/browser.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_APP_HOST, BROWSER_DOMAIN, BROWSER_PORTAL_HOST, launchBrowser, newPage, screenshot } from '../support/browser.js';
import { freePort, send, startGatehouse, startNginx, startUpstream, type GatehouseHandle, type ProxyHandle, type Upstream } from '../support/proxies.js';

const ADMIN = { username: 'alice', password: 'settings admin passphrase 1' };
const VIEWER = { username: 'victor', password: 'settings viewer passphrase 2' };
/** How long a mode switch waits for confirmation here: long enough to sign in, short enough to wait out. */
const CONFIRM_WINDOW_MS = 6_000;

describe('settings page in Chromium through nginx', () => {
  let upstream: Upstream;
  let gatehouse: GatehouseHandle;
  let nginx: ProxyHandle;
  let browser: Browser;
  let port: number;
  let portal: string;
  let admin: { context: BrowserContext; page: Page };
  const browserLog: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    upstream = await startUpstream();
    port = await freePort();
    portal = `http://${BROWSER_PORTAL_HOST}:${port}`;
    gatehouse = await startGatehouse({
      config: {
        mode: 'open',
        domains: [BROWSER_DOMAIN],
        session: { cookieDomain: BROWSER_DOMAIN },
        security: { bcryptCost: 12, switchConfirmWindow: `${CONFIRM_WINDOW_MS / 1000}s`, regulation: { maxRetries: 100 } },
      },
      env: { portalUrl: portal },
    });
    nginx = await startNginx({ gatehousePort: gatehouse.port, upstreamPort: upstream.port, port, appHost: BROWSER_APP_HOST, portalHost: BROWSER_PORTAL_HOST });
    admin = await newPage(browser);
    admin.page.on('pageerror', (error) => browserLog.push(`pageerror: ${error.message}`));
    admin.page.on('console', (message) => browserLog.push(`console.${message.type()}: ${message.text()}`));
  });

  afterAll(async () => {
    await admin?.context.close();
    await browser?.close();
    await nginx?.close();
    await gatehouse?.close();
    await upstream?.close();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && admin?.page) {
      const shot = await screenshot(admin.page, `failed-settings-${task.name.slice(0, 40)}`).catch((error: Error) => `no screenshot: ${error.message}`);
      console.error(`[${task.name}] page ${admin.page.url()}; ${shot}\n--- browser ---\n${browserLog.join('\n')}\n${await nginx.diagnostics()}\n--- gatehouse ---\n${gatehouse.logs().slice(-4000)}`);
    }
  });

  const appUrl = (path: string) => `http://${BROWSER_APP_HOST}:${port}${path}`;
  const page = () => admin.page;

  async function openTab(name: string): Promise<void> {
    await page().getByRole('tab', { name }).click();
    await expect.poll(() => page().getByRole('tab', { name }).getAttribute('aria-selected')).toBe('true');
  }

  /** Loads the settings page afresh on `tab` (a new document: going from #a to #b would not reload it). */
  async function openSettings(tab = 'mode'): Promise<void> {
    if (page().url().startsWith(`${portal}/settings`)) await page().goto('about:blank');
    await page().goto(`${portal}/settings#${tab}`);
    await page().waitForFunction(() => document.documentElement.dataset.settingsReady === 'true');
  }

  /** Fills the portal's password form on the current page; lands back on the settings page. */
  async function signIn(user: { username: string; password: string }): Promise<void> {
    await page().locator('#username').fill(user.username);
    await page().locator('#password').fill(user.password);
    await Promise.all([page().waitForURL(`${portal}/settings#mode`), page().getByRole('button', { name: 'Sign in', exact: true }).click()]);
    await page().waitForFunction(() => document.documentElement.dataset.settingsReady === 'true');
    // The mode tab has loaded what the API says.
    await page().locator('#mode-descriptions dt').first().waitFor();
  }

  async function auditEvents(): Promise<Array<{ event: string; actor: string }>> {
    const text = await readFile(join(gatehouse.dataDir, 'audit.log'), 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { event: string; actor: string });
  }

  async function addUser(username: string, password: string, role: 'admin' | 'editor' | 'viewer'): Promise<void> {
    await openTab('Users');
    await page().locator('#add-username').fill(username);
    await page().locator('#add-role').selectOption(role);
    await page().locator('#add-password').fill(password);
    await page().getByRole('button', { name: 'Add user' }).click();
    // Adding a user hashes the password (bcrypt cost 12, at nice 19): under the full suite's load that can take longer than expect.poll's default second.
    await expect.poll(() => page().locator('#users-status').innerText(), { timeout: 15_000 }).toContain(`Added ${username} (${role})`);
    await expect.poll(() => page().locator(`#users-rows tr[data-user="${username}"] td`).nth(1).innerText()).toBe(role);
  }

  async function checkSwitch(mode: string): Promise<void> {
    await page().locator('#mode-select').selectOption(mode);
    await page().getByRole('button', { name: 'Check this switch' }).click();
    await page().locator('#mode-preflight-result').waitFor();
  }

  it('open mode: tabs work by keyboard; the switch to userPassword is refused until an admin is created on the Users tab, then made', async () => {
    await openSettings();
    await expect.poll(() => page().locator('#mode-descriptions dt').allInnerTexts()).toEqual(['open (in force)', 'token', 'userPassword', 'oauth2']);
    expect(await page().locator('#mode-current').innerText()).toBe('open');
    expect(await page().locator('.banner.danger').innerText()).toContain('Open mode');

    // Arrow keys move between tabs (roving tabindex), Home/End jump.
    await page().getByRole('tab', { name: 'Auth mode' }).focus();
    await page().keyboard.press('ArrowRight');
    expect(await page().evaluate(() => document.activeElement?.id)).toBe('tab-users');
    expect(await page().locator('#panel-users').isVisible()).toBe(true);
    await page().keyboard.press('End');
    expect(await page().evaluate(() => document.activeElement?.id)).toBe('tab-proxy');
    await page().keyboard.press('Home');
    expect(await page().evaluate(() => document.activeElement?.id)).toBe('tab-mode');
    expect(await page().locator('[role=tab][tabindex="0"]').count()).toBe(1);

    await checkSwitch('userPassword');
    expect(await page().locator('#mode-preflight-title').innerText()).toBe('Switching to userPassword is refused:');
    expect(await page().locator('#mode-problems').innerText()).toMatch(/admin with a password/);
    expect(await page().locator('#mode-switch').isVisible()).toBe(false);
    await screenshot(page(), 'settings-auth-mode-refused');

    await addUser(ADMIN.username, ADMIN.password, 'admin');

    await openTab('Auth mode');
    await checkSwitch('userPassword');
    expect(await page().locator('#mode-preflight-title').innerText()).toBe('Switching to userPassword is possible.');
    expect(await page().locator('#mode-effects').innerText()).toMatch(/confirm the switch within/);
    await page().getByRole('button', { name: 'Switch to userPassword now' }).click();
    await expect.poll(() => page().locator('#mode-status').innerText()).toMatch(/^Switched to userPassword\./);
    // This browser has no session under the new mode: the page says so and offers the way in.
    await page().locator('#session-problem a').waitFor();
    expect(await page().locator('#mode-pending-text').innerText()).toMatch(/switched from open to userPassword/);
  });

  it('signs in as the admin on the portal and confirms the switch', async () => {
    await Promise.all([page().waitForURL(/\/login\?rd=/), page().locator('#session-problem a').click()]);
    await signIn(ADMIN);

    await page().getByRole('button', { name: 'Confirm switch' }).waitFor();
    expect(await page().locator('#mode-current').innerText()).toBe('userPassword');
    expect(await page().locator('.banner.danger').count()).toBe(0);
    await page().getByRole('button', { name: 'Confirm switch' }).click();
    await expect.poll(() => page().locator('#mode-status').innerText()).toBe('The switch to userPassword is confirmed.');
    await expect.poll(() => page().locator('#mode-pending').isHidden()).toBe(true);
    await screenshot(page(), 'settings-auth-mode');
    expect(await auditEvents()).toContainEqual(expect.objectContaining({ event: 'mode.confirm', actor: ADMIN.username }));

    // Past the window nothing rolls back: the confirmed mode stays.
    await new Promise((r) => setTimeout(r, CONFIRM_WINDOW_MS + 500));
    await openSettings();
    await expect.poll(() => page().locator('#mode-current').innerText()).toBe('userPassword');
  });

  it('a second switch (to token, with an instance token shown once) left unconfirmed rolls back by itself', async () => {
    await page().getByRole('button', { name: 'Create instance token' }).click();
    await expect.poll(() => page().locator('#instance-token-value').inputValue()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expect.poll(() => page().locator('#instance-token-state').innerText()).toMatch(/An instance token exists/);

    await checkSwitch('token');
    await page().getByRole('button', { name: 'Switch to token now' }).click();
    await expect.poll(() => page().locator('#mode-status').innerText()).toMatch(/^Switched to token\./);
    const switchedAt = Date.now();

    // Nobody confirms. Under token mode this browser's session is not valid: /settings sends it to the token login.
    await page().goto(`${portal}/settings`);
    expect(page().url()).toMatch(/\/login\?rd=/);
    expect(await page().locator('#token').count()).toBe(1);
    // Until Gatehouse switches back by itself: the login page asks for a password again.
    await expect
      .poll(
        async () => {
          await page().goto(`${portal}/login?rd=${encodeURIComponent(`${portal}/settings#mode`)}`);
          return (await page().locator('#username').count()) === 1 ? 'userPassword' : 'token';
        },
        { timeout: CONFIRM_WINDOW_MS + 8_000, interval: 1_000 },
      )
      .toBe('userPassword');
    expect(Date.now() - switchedAt).toBeGreaterThanOrEqual(CONFIRM_WINDOW_MS - 1_000);
    await expect.poll(auditEvents).toContainEqual(expect.objectContaining({ event: 'mode.rollback', actor: 'system' }));
    await signIn(ADMIN);
    expect(await page().locator('#mode-current').innerText()).toBe('userPassword');
    expect(await page().locator('#mode-pending').isHidden()).toBe(true);

    // The audit tab shows it, newest first, filtered by event prefix.
    await openTab('Audit log');
    await page().locator('#audit-event').fill('mode');
    await page().getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page().locator('#audit-rows tr td:nth-child(2)').allInnerTexts()).toEqual(['mode.rollback', 'mode.switch', 'mode.confirm', 'mode.switch']);
    await screenshot(page(), 'settings-audit-log');
  });

  it('a viewer created on the Users tab is refused a POST through nginx; the admin sees and ends their session', async () => {
    await openSettings('users');
    await addUser(VIEWER.username, VIEWER.password, 'viewer');

    const viewer = await newPage(browser);
    try {
      await viewer.page.goto(appUrl('/items'));
      expect(viewer.page.url()).toMatch(/\/login\?rd=/);
      await viewer.page.locator('#username').fill(VIEWER.username);
      await viewer.page.locator('#password').fill(VIEWER.password);
      await Promise.all([viewer.page.waitForURL(appUrl('/items')), viewer.page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
      const post = await viewer.page.evaluate(async () => (await fetch('/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
      expect(post).toBe(403);
      expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
      expect(upstream.requests.some((r) => r.method === 'GET' && r.url === '/items')).toBe(true);
      // The viewer cannot open the settings page either.
      const settings = await viewer.page.goto(`${portal}/settings`);
      expect(settings?.status()).toBe(403);

      // The admin sees the viewer's session and ends it.
      await openSettings('users');
      await expect.poll(() => page().locator(`#users-rows tr[data-user="${VIEWER.username}"] td`).nth(4).innerText()).toBe('1');
      await page().getByRole('button', { name: `Edit ${VIEWER.username}` }).click();
      await page().locator('#user-sessions button').first().click();
      await expect.poll(() => page().locator('#users-status').innerText()).toBe(`Ended a session of ${VIEWER.username}.`);
      await screenshot(page(), 'settings-users');
      await viewer.page.goto(appUrl('/items'));
      expect(viewer.page.url()).toMatch(/\/login\?rd=/);
    } finally {
      await viewer.context.close();
    }
  });

  it('a rule added and then edited on the Access rules tab is checked with "Try a request" (and by nginx)', async () => {
    await openSettings('rules');
    await page().locator('#rule-name').fill('public pages');
    await page().locator('#rule-domain').fill(BROWSER_APP_HOST);
    await page().locator('#rule-path').fill('/public');
    await page().locator('#rule-policy').selectOption('bypass');
    await page().getByRole('button', { name: 'Add rule' }).click();
    expect(await page().locator('#rules-dirty').isVisible()).toBe(true);
    await page().getByRole('button', { name: 'Save rules' }).click();
    await expect.poll(() => page().locator('#rules-status').innerText()).toBe('Saved 1 rule; they are in force now.');

    const tryIt = async (url: string, method = 'GET', user = '') => {
      await page().locator('#try-user').fill(user);
      await page().locator('#try-url').fill(url);
      await page().locator('#try-method').selectOption(method);
      await page().locator('#try-result').evaluate((node) => node.replaceChildren());
      await page().getByRole('button', { name: 'Try', exact: true }).click();
      await page().locator('#try-result [data-decision]').waitFor();
      return { decision: await page().locator('#try-result [data-decision]').getAttribute('data-decision'), rule: await page().locator('#try-result [data-rule]').getAttribute('data-rule') };
    };
    expect(await tryIt(appUrl('/public/page'))).toEqual({ decision: 'allow', rule: 'rules[0] (public pages)' });
    expect(await tryIt(appUrl('/private'))).toEqual({ decision: 'login', rule: 'defaultPolicy' });
    expect(await tryIt(appUrl('/private'), 'POST', VIEWER.username)).toEqual({ decision: 'deny', rule: 'defaultPolicy' });
    expect((await send({ port, host: BROWSER_APP_HOST, path: '/public/page' })).status).toBe(200);

    // Edit: the same rule now denies.
    await page().getByRole('button', { name: 'Edit rule 1' }).click();
    expect(await page().locator('#rule-path').inputValue()).toBe('/public');
    await page().locator('#rule-policy').selectOption('deny');
    await page().getByRole('button', { name: 'Update rule' }).click();
    await page().getByRole('button', { name: 'Save rules' }).click();
    await expect.poll(() => page().locator('#rules-status').innerText()).toBe('Saved 1 rule; they are in force now.');
    expect(await tryIt(appUrl('/public/page'), 'GET', ADMIN.username)).toEqual({ decision: 'deny', rule: 'rules[0] (public pages)' });
    expect((await send({ port, host: BROWSER_APP_HOST, path: '/public/page' })).status).toBe(403);
    await screenshot(page(), 'settings-access-rules');

    // An invalid rule is refused by the server, which says why.
    await page().locator('#rule-domain').fill('not a host!');
    await page().getByRole('button', { name: 'Add rule' }).click();
    await page().getByRole('button', { name: 'Save rules' }).click();
    await expect.poll(() => page().locator('#rules-status .error').innerText()).toMatch(/^The rules were not saved: rule 2\.domain/);
  });

  it('the other tabs: OIDC settings, API tokens (own token shown once), security settings; readable on a phone', async () => {
    await openSettings('oidc');
    await expect.poll(() => page().locator('#oidc-form').isVisible()).toBe(true);
    await expect.poll(() => page().getByLabel('Callback (redirect) URL').inputValue()).toBe(`${portal}/api/auth/oidc/callback`);
    expect(await page().getByRole('button', { name: 'Test discovery' }).isVisible()).toBe(true);
    await screenshot(page(), 'settings-oidc');

    await openTab('API tokens');
    await page().locator('#token-name').fill('deploy script');
    await page().locator('#token-expires').fill('30d');
    await page().getByRole('button', { name: 'Create token' }).click();
    await expect.poll(() => page().locator('#token-value').inputValue()).toMatch(/^gh_[0-9a-f]{16}_/);
    await expect.poll(() => page().locator('#tokens-rows tr td:first-child').allInnerTexts()).toEqual(['deploy script']);
    await screenshot(page(), 'settings-api-tokens');

    await openTab('Security');
    await expect.poll(() => page().locator('#sec-stepup').inputValue()).toBe('10m');
    await page().getByLabel('Failures before a ban').fill('7');
    await page().getByRole('button', { name: 'Save security settings' }).click();
    await expect.poll(() => page().locator('#security-status').innerText()).toBe('Security settings saved.');
    const config = JSON.parse(await readFile(join(gatehouse.dataDir, 'config.json'), 'utf8')) as { security: { regulation: { maxRetries: number } } };
    expect(config.security.regulation.maxRetries).toBe(7);
    await screenshot(page(), 'settings-security');

    // A phone: nothing wider than the screen but the tables, which scroll inside their own box.
    await page().setViewportSize({ width: 375, height: 740 });
    await openSettings('users');
    await page().locator(`#users-rows tr[data-user="${VIEWER.username}"]`).waitFor();
    expect(await page().evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page(), 'settings-users-phone');
    expect(browserLog.filter((line) => line.startsWith('pageerror'))).toEqual([]);
  });
});
