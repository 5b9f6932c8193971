/**
 * Real Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for
 * the browser e2e tests in test/e2e/.
 *
 * A missing Chromium is an error, never a skip. Each test gets a fresh
 * context (its own cookie jar); screenshots go to test-output/screenshots/
 * (gitignored).
 *
 * Host names: Chromium resolves every `*.localhost` name to loopback by
 * itself, so no /etc/hosts or DNS is needed. But it refuses a cookie with
 * `Domain=localhost` (or `.localhost`): `localhost` counts as a top-level
 * domain, like `com`, so such a cookie is dropped instead of being shared by
 * `app.localhost` and `auth.localhost`. A parent one level down works:
 * `Domain=gh.localhost`, set by `auth.gh.localhost`, reaches `app.gh.localhost`.
 * The browser tests therefore use BROWSER_DOMAIN with the hosts below it.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { SYSTEM_BINARIES } from './system-binaries.js';

export const CHROMIUM_PATH = SYSTEM_BINARIES.chromium!.path;

/** The session cookie's Domain: a parent of both hosts that Chromium accepts (see above). */
export const BROWSER_DOMAIN = 'gh.localhost';
export const BROWSER_APP_HOST = `app.${BROWSER_DOMAIN}`;
export const BROWSER_PORTAL_HOST = `auth.${BROWSER_DOMAIN}`;

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
] as const;

export const SCREENSHOT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-output', 'screenshots');

/**
 * Launches Debian's Chromium headless; throws (never skips) when it is not
 * installed. `executablePath` is for the test that proves exactly that.
 */
export async function launchBrowser(options: { executablePath?: string } = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!existsSync(executablePath)) {
    const pkg = SYSTEM_BINARIES.chromium!.pkg;
    throw new Error(`${executablePath} is missing: install the Debian package ${pkg} (apt-get install -y ${pkg}); the browser e2e tests never skip`);
  }
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS], timeout: 20_000 });
}

/** A fresh context (empty cookie jar) and one page in it, with short default timeouts. */
export async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  context.setDefaultTimeout(8_000);
  context.setDefaultNavigationTimeout(10_000);
  const page = await context.newPage();
  return { context, page };
}

/** Saves a full-page screenshot as test-output/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  // A full-page capture waits for a rendered frame, which under the whole suite's load on
  // two CPUs has taken longer than the 8 s the pages' actions get.
  await page.screenshot({ path: file, fullPage: true, timeout: 30_000 });
  return file;
}
