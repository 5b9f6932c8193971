/**
 * Settings → Proxy check in real Chromium behind real nginx, from a first run: the
 * home page's checklist leads to it, it shows the nginx peer as soon as checks arrive
 * (refreshed live, no reload), an error shows up with its fix and a Copy button that
 * puts the fix on the clipboard, and Start over forgets what was seen.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_APP_HOST, newPage } from '../support/browser.js';
import { startBrowserStack, type BrowserStack } from '../support/browser-stack.js';
import { rawCheck } from '../support/raw-check.js';

/** A check as a misconfigured nginx would send it (no X-Original-Method). */
const brokenCheck = (port: number) => rawCheck(port, { 'x-original-url': `http://${BROWSER_APP_HOST}/x`, 'x-forwarded-for': '127.0.0.1' }, { endpoint: 'auth-request' });

describe('Settings → Proxy check in Chromium through nginx', () => {
  let stack: BrowserStack;
  let admin: { context: BrowserContext; page: Page };
  const browserLog: string[] = [];

  beforeAll(async () => {
    stack = await startBrowserStack({ config: { mode: 'open' } });
    admin = await newPage(stack.browser);
    await admin.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.portal });
    admin.page.on('pageerror', (error) => browserLog.push(`pageerror: ${error.message}`));
  });

  afterAll(async () => {
    await admin?.context.close();
    await stack?.close();
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') console.error(await stack.failureReport(task.name, [['admin', admin?.page]], browserLog));
  });

  const page = () => admin.page;

  it('the first-run home page is titled "Gatehouse" and its "Run the doctor" step opens the Proxy check tab', async () => {
    await page().goto(`${stack.portal}/`);
    expect(await page().title()).toBe('Gatehouse');
    await page().getByRole('link', { name: 'Run the doctor' }).click();
    await page().waitForFunction(() => document.documentElement.dataset.settingsReady === 'true');
    await expect.poll(() => page().getByRole('tab', { name: 'Proxy check' }).getAttribute('aria-selected')).toBe('true');
    await page().locator('#proxy-findings li[data-code="no_checks"]').waitFor();
  });

  it('shows the nginx peer, live, once the browser has been through nginx to the app', async () => {
    const visitor = await newPage(stack.browser);
    try {
      for (let i = 0; i < 12; i++) {
        const res = await visitor.page.goto(stack.appUrl(`/page/${i}`));
        expect(res?.status()).toBe(200);
      }
    } finally {
      await visitor.context.close();
    }
    const row = page().locator('#proxy-peers tr[data-peer="127.0.0.1"]');
    await expect.poll(() => row.locator('td').nth(1).textContent(), { timeout: 10_000 }).toBe('nginx');
    expect(await row.locator('td').nth(2).textContent()).toBe('yes');
    await expect.poll(() => page().locator('#proxy-summary').getAttribute('data-ok')).toBe('true');
    expect(await page().locator('#proxy-findings li[data-code="no_checks"]').count()).toBe(0);
    expect(await page().locator('#proxy-findings li.level-error').count()).toBe(0);
  });

  it('an error appears with its nginx fix, and Copy puts the fix on the clipboard', async () => {
    for (let i = 0; i < 3; i++) expect(await brokenCheck(stack.gatehouse.port)).toBe(400);
    const item = page().locator('#proxy-findings li[data-code="missing_header"]');
    await item.waitFor({ timeout: 10_000 });
    expect(await item.textContent()).toContain('x-original-method');
    expect(await page().locator('#proxy-summary').getAttribute('data-ok')).toBe('false');
    const fix = await item.locator('pre').textContent();
    expect(fix).toContain('proxy_set_header X-Original-Method $request_method;');
    await item.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => item.getByRole('button').first().textContent()).toBe('Copied');
    expect(await page().evaluate(() => navigator.clipboard.readText())).toBe(fix);
  });

  it('Start over forgets the checks seen so far', async () => {
    const reset = page().locator('#proxy-reset');
    await reset.click();
    await expect.poll(() => reset.textContent()).toBe('Forget the checks seen so far');
    await reset.click();
    await page().locator('#proxy-status .notice').waitFor();
    await page().locator('#proxy-findings li[data-code="no_checks"]').waitFor();
    expect(await page().locator('#proxy-findings li[data-code="missing_header"]').count()).toBe(0);
    expect(await page().locator('#proxy-peers').textContent()).toBe('No checks seen lately.');
  });
});
