/**
 * Own API tokens on /profile in real Chromium, with real nginx in front of
 * Gatehouse and a recording upstream app: a viewer creates a token (shown
 * once), a script uses it as `Authorization: Bearer` through nginx and the
 * app sees the viewer, the token is never shown again, revoking it on the
 * page locks the script out, and a role above the owner's is refused.
 */
import { request } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NewUser } from '../../src/users/user-service.js';
import { BROWSER_APP_HOST, newPage, screenshot } from '../support/browser.js';
import { startBrowserStack, type BrowserStack } from '../support/browser-stack.js';

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
  let stack: BrowserStack;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    stack = await startBrowserStack({ users: [ADMIN, VIEWER] });
  });

  afterAll(async () => {
    await stack?.close();
  });

  beforeEach(async () => {
    stack.upstream.requests.length = 0;
    ({ context, page } = await newPage(stack.browser));
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') console.error(await stack.failureReport(task.name, [['victor', page]]));
    await context?.close();
  });

  async function signInToProfile(user: NewUser): Promise<void> {
    await page.goto(`${stack.portal}/login?rd=${encodeURIComponent(`${stack.portal}/profile`)}`);
    await page.locator('#username').fill(user.username);
    await page.locator('#password').fill(user.password!);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
    expect(page.url()).toBe(`${stack.portal}/profile`);
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
    const allowed = await scriptGet(stack.port, '/reports', { authorization: `Bearer ${token}` });
    expect(allowed.status).toBe(200);
    const seen = stack.upstream.requests.find((r) => r.url === '/reports');
    expect(seen && stack.upstream.headerValues(seen, 'remote-user')).toEqual(['victor']);
    expect(seen && stack.upstream.headerValues(seen, 'remote-groups')).toEqual(['viewer']);

    // Shown once: a fresh page lists the token without its value anywhere.
    await page.reload();
    await expect.poll(() => page.locator('#token-rows tr').count()).toBe(1);
    expect(await page.locator('#new-token-shown').isVisible()).toBe(false);
    expect(await page.content()).not.toContain(token);

    await page.getByRole('button', { name: 'Revoke token backup script' }).click();
    await expect.poll(() => page.locator('#token-status').innerText()).toBe('Revoked backup script.');
    await expect.poll(() => page.locator('#token-empty').isVisible()).toBe(true);
    const refused = await scriptGet(stack.port, '/reports-again', { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(401);
    expect(stack.upstream.requests.some((r) => r.url === '/reports-again')).toBe(false);
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
