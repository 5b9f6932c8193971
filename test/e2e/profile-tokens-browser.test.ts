/**
 * Own API tokens on /profile in real Chromium, with real nginx in front of
 * Gatehouse and a recording upstream app: a viewer creates a token (shown
 * once), a script uses it as `Authorization: Bearer` through nginx and the
 * app sees the viewer, the token is never shown again, revoking it on the
 * page locks the script out, and a role above the owner's is refused.
 */
import { request } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NewUser } from '../../src/users/user-service.js';
import { BROWSER_APP_HOST, BROWSER_DOMAIN, BROWSER_PORTAL_HOST, launchBrowser, newPage, screenshot } from '../support/browser.js';
import { freePort, startGatehouse, startNginx, startUpstream, type GatehouseHandle, type ProxyHandle, type Upstream } from '../support/proxies.js';

const ADMIN = { username: 'alice', password: 'browser admin passphrase 42', role: 'admin' } satisfies NewUser;
const VIEWER = { username: 'victor', password: 'browser viewer passphrase 7', role: 'viewer', displayName: 'Victor Viewer' } satisfies NewUser;

/** A script's GET through nginx to the protected app, with only the headers given. */
function scriptGet(port: number, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `${BROWSER_APP_HOST}:${port}`, accept: 'application/json', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('own API tokens on /profile (real Chromium through nginx)', () => {
  let upstream: Upstream;
  let gatehouse: GatehouseHandle;
  let nginx: ProxyHandle;
  let browser: Browser;
  let port: number;
  let portal: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    browser = await launchBrowser();
    upstream = await startUpstream();
    port = await freePort();
    portal = `http://${BROWSER_PORTAL_HOST}:${port}`;
    gatehouse = await startGatehouse({
      config: { mode: 'userPassword', domains: [BROWSER_DOMAIN], session: { cookieDomain: BROWSER_DOMAIN }, security: { bcryptCost: 12, regulation: { maxRetries: 100 } } },
      env: { portalUrl: portal },
      users: [ADMIN, VIEWER],
    });
    nginx = await startNginx({ gatehousePort: gatehouse.port, upstreamPort: upstream.port, port, appHost: BROWSER_APP_HOST, portalHost: BROWSER_PORTAL_HOST });
  });

  afterAll(async () => {
    await browser?.close();
    await nginx?.close();
    await gatehouse?.close();
    await upstream?.close();
  });

  beforeEach(async () => {
    upstream.requests.length = 0;
    ({ context, page } = await newPage(browser));
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) {
      const shot = await screenshot(page, `failed-${task.name.slice(0, 40)}`).catch((error: Error) => `no screenshot: ${error.message}`);
      console.error(`[${task.name}] page ${page.url()}; ${shot}\n${await nginx.diagnostics()}\n--- gatehouse ---\n${gatehouse.logs().slice(-4000)}`);
    }
    await context?.close();
  });

  async function signInToProfile(user: NewUser): Promise<void> {
    await page.goto(`${portal}/login?rd=${encodeURIComponent(`${portal}/profile`)}`);
    await page.locator('#username').fill(user.username);
    await page.locator('#password').fill(user.password!);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
    expect(page.url()).toBe(`${portal}/profile`);
    await page.locator('#tokens').waitFor({ state: 'visible' });
  }

  it('a viewer creates a token, a script gets through nginx with it as the viewer, and revoking it locks the script out', async () => {
    await signInToProfile(VIEWER);
    await expect.poll(() => page.locator('#token-empty').isVisible()).toBe(true);

    await page.getByLabel('Name').fill('backup script');
    await page.getByLabel('Expires after (e.g. 30d; empty for never)').fill('30d');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect.poll(() => page.locator('#new-token-shown').isVisible()).toBe(true);
    const token = await page.locator('#new-token-value').inputValue();
    expect(token).toMatch(/^gh_/);
    await expect.poll(() => page.locator('#token-rows tr').count()).toBe(1);
    const row = page.locator('#token-rows tr').first();
    expect(await row.locator('td').nth(0).innerText()).toBe('backup script');
    expect(await row.locator('td').nth(1).innerText()).toBe('viewer');
    expect(await row.locator('td').nth(3).innerText()).not.toBe('never');
    await screenshot(page, 'profile-tokens');

    // The script: no cookie, only the bearer token, through nginx.
    const allowed = await scriptGet(port, '/reports', { authorization: `Bearer ${token}` });
    expect(allowed.status).toBe(200);
    const seen = upstream.requests.find((r) => r.url === '/reports');
    expect(seen && upstream.headerValues(seen, 'remote-user')).toEqual(['victor']);
    expect(seen && upstream.headerValues(seen, 'remote-groups')).toEqual(['viewer']);

    // Shown once: a fresh page lists the token without its value anywhere.
    await page.reload();
    await expect.poll(() => page.locator('#token-rows tr').count()).toBe(1);
    expect(await page.locator('#new-token-shown').isVisible()).toBe(false);
    expect(await page.content()).not.toContain(token);

    await page.getByRole('button', { name: 'Revoke token backup script' }).click();
    await expect.poll(() => page.locator('#token-status').innerText()).toBe('Revoked backup script.');
    await expect.poll(() => page.locator('#token-empty').isVisible()).toBe(true);
    const refused = await scriptGet(port, '/reports-again', { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(401);
    expect(upstream.requests.some((r) => r.url === '/reports-again')).toBe(false);
  });

  it('privilege escalation: a viewer asking for an admin token is refused on the page and no token exists', async () => {
    await signInToProfile(VIEWER);
    await page.getByLabel('Name').fill('sneaky');
    await page.getByLabel('Role (no higher than yours)').selectOption('admin');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect.poll(() => page.locator('#token-status').innerText()).toMatch(/^Could not create the token: /);
    expect(await page.locator('#new-token-shown').isVisible()).toBe(false);
    await expect.poll(() => page.locator('#token-empty').isVisible()).toBe(true);
  });
});
