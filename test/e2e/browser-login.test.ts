/**
 * The userPassword login flow in real Chromium through real nginx
 * (auth_request → Gatehouse), with a recording upstream app behind it:
 * protected app → portal login → back on the app with Remote-User /
 * Remote-Groups; a viewer's POST refused; logout → redirected again; a wrong
 * password shows the error and sets no session.
 *
 * Hosts are app.gh.localhost and auth.gh.localhost with the session cookie on
 * Domain=gh.localhost: Chromium drops a Domain=localhost cookie (see
 * test/support/browser.ts).
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { NewUser } from '../../src/users/user-service.js';
import { BROWSER_APP_HOST, BROWSER_DOMAIN, launchBrowser, newPage, screenshot } from '../support/browser.js';
import { startBrowserStack, type BrowserStack } from '../support/browser-stack.js';
import type { GatehouseHandle, ProxyHandle, Upstream } from '../support/proxies.js';

const ADMIN = { username: 'alice', password: 'browser admin passphrase 42', role: 'admin', displayName: 'Alice Admin', email: 'alice@example.com' } satisfies NewUser;
const VIEWER = { username: 'victor', password: 'browser viewer passphrase 7', role: 'viewer', displayName: 'Victor Viewer' } satisfies NewUser;

const SESSION_COOKIE = 'gatehouse_session';

describe('browser login through nginx (userPassword mode, real Chromium)', () => {
  let stack: BrowserStack;
  let upstream: Upstream;
  let gatehouse: GatehouseHandle;
  let nginx: ProxyHandle;
  let browser: Browser;
  let port: number;
  let portal: string;

  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    stack = await startBrowserStack({ users: [ADMIN, VIEWER] });
    ({ browser, upstream, gatehouse, nginx, port, portal } = stack);
  });

  afterAll(async () => {
    await stack?.close();
  });

  let consoleLines: string[];

  beforeEach(async () => {
    upstream.requests.length = 0;
    ({ context, page } = await newPage(browser));
    consoleLines = [];
    page.on('console', (message) => consoleLines.push(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
  });

  afterEach(async ({ task }) => {
    // afterEach sees the outcome already: on failure keep a screenshot and say what each part logged.
    if (task.result?.state === 'fail' && page) {
      const shot = await screenshot(page, `failed-${task.name.slice(0, 40)}`).catch((error: Error) => `no screenshot: ${error.message}`);
      console.error(`[${task.name}] page ${page.url()}; ${shot}\n--- browser ---\n${consoleLines.join('\n')}\n${await nginx.diagnostics()}\n--- gatehouse ---\n${gatehouse.logs().slice(-4000)}`);
    }
    await context?.close();
  });

  const appUrl = (path: string) => `http://${BROWSER_APP_HOST}:${port}${path}`;
  const loginUrl = (target: string, method = 'GET') => `${portal}/login?rd=${encodeURIComponent(target)}&rm=${method}`;

  /** What reached the app, without the browser's own /favicon.ico fetches. */
  const appRequests = () => upstream.requests.filter((r) => r.url !== '/favicon.ico');
  const appRequestLines = () => appRequests().map((r) => `${r.method} ${r.url}`);

  async function sessionCookie() {
    return (await context.cookies()).find((c) => c.name === SESSION_COOKIE && c.value !== '');
  }

  /** Opens the protected `path` and checks it lands on the portal's login form for it. */
  async function openAppExpectingLogin(path: string): Promise<void> {
    await page.goto(appUrl(path));
    expect(page.url()).toBe(loginUrl(appUrl(path)));
    await expect.poll(() => page.title()).toBe('Sign in · Gatehouse');
    const form = page.locator('form[action="/login"][method="post"]');
    await form.waitFor();
    expect(await form.locator('input[name="rd"]').inputValue()).toBe(appUrl(path));
    expect(await form.locator('input[name="csrf"]').inputValue()).not.toBe('');
    expect(await page.locator('#username').getAttribute('autocomplete')).toBe('username webauthn');
    expect(await page.locator('#password').getAttribute('type')).toBe('password');
    expect(await page.getByRole('button', { name: 'Sign in', exact: true }).isVisible()).toBe(true);
  }

  /** Fills the login form and submits it, waiting for the navigation it causes. */
  async function submitLogin(username: string, password: string): Promise<void> {
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(password);
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign in', exact: true }).click()]);
  }

  /** The upstream's JSON answer as the page shows it. */
  async function appJson(): Promise<{ upstream: string; method: string; url: string; headers: Record<string, string> }> {
    return JSON.parse(await page.locator('pre').first().innerText());
  }

  it('admin: app → portal login → back on the app, whose upstream saw Remote-User and Remote-Groups', async () => {
    await openAppExpectingLogin('/dashboard?tab=1');
    expect(appRequests()).toHaveLength(0);
    await screenshot(page, 'login-page');

    await submitLogin(ADMIN.username, ADMIN.password);
    expect(page.url()).toBe(appUrl('/dashboard?tab=1'));

    const shown = await appJson();
    expect(shown).toMatchObject({ upstream: 'app', method: 'GET', url: '/dashboard?tab=1' });
    expect(shown.headers['remote-user']).toBe('alice');
    expect(shown.headers['remote-groups']).toBe('admin');
    await screenshot(page, 'app-after-login');

    expect(appRequests()).toHaveLength(1);
    const seen = appRequests()[0]!;
    expect(upstream.headerValues(seen, 'remote-user')).toEqual(['alice']);
    expect(upstream.headerValues(seen, 'remote-groups')).toEqual(['admin']);
    expect(upstream.headerValues(seen, 'remote-name')).toEqual(['Alice Admin']);
    expect(upstream.headerValues(seen, 'remote-email')).toEqual(['alice@example.com']);
    // The browser's own session cookie goes to the app too (same parent domain); that is the SSO design.
    expect(seen.headers.cookie).toContain(`${SESSION_COOKIE}=`);

    // One cookie on the parent domain, so app and portal share it; plain http on .localhost → not Secure.
    const cookie = await sessionCookie();
    expect(cookie).toMatchObject({ domain: `.${BROWSER_DOMAIN}`, path: '/', httpOnly: true, secure: false, sameSite: 'Lax' });

    // An admin may POST to the app.
    const post = await page.evaluate(async () => {
      const res = await fetch('/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"widget"}' });
      return { status: res.status, body: await res.text() };
    });
    expect(post.status).toBe(200);
    expect(appRequestLines()).toEqual(['GET /dashboard?tab=1', 'POST /items']);
    expect(appRequests()[1]!.body).toBe('{"name":"widget"}');
  });

  it('viewer: reads the app, a POST is refused with 403 and never reaches it; logout → redirected to login again', async () => {
    await openAppExpectingLogin('/');
    await submitLogin(VIEWER.username, VIEWER.password);
    expect(page.url()).toBe(appUrl('/'));
    expect((await appJson()).headers).toMatchObject({ 'remote-user': 'victor', 'remote-groups': 'viewer' });
    expect(appRequests()).toHaveLength(1);
    expect(upstream.headerValues(appRequests()[0]!, 'remote-groups')).toEqual(['viewer']);

    // A script's POST: 403 from nginx (auth_request got 403), body never forwarded.
    const fetched = await page.evaluate(async () => {
      const res = await fetch('/x', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
      return { status: res.status, redirected: res.redirected, url: res.url };
    });
    expect(fetched).toEqual({ status: 403, redirected: false, url: appUrl('/x') });

    // A form POST (a browser navigation): also a plain 403, not a login redirect.
    await page.setContent(`<form method="post" action="${appUrl('/form')}"><input name="b" value="2"><button>Send</button></form>`);
    const [response] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send' }).click()]);
    expect(response?.status()).toBe(403);
    expect(page.url()).toBe(appUrl('/form'));

    expect(appRequestLines()).toEqual(['GET /']);
    expect(await sessionCookie()).toBeDefined();

    // Logout: GET shows who is signed in and a button; the button POSTs.
    await page.goto(`${portal}/logout`);
    await expect.poll(() => page.locator('main p').first().innerText()).toBe('Signed in as victor.');
    await screenshot(page, 'logout-page');
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Sign out' }).click()]);
    expect(page.url()).toBe(`${portal}/login`);
    expect(await sessionCookie()).toBeUndefined();

    // The next visit to the app is sent to the login page again; the app is never asked.
    await openAppExpectingLogin('/again');
    expect(appRequestLines()).toEqual(['GET /']);
  });

  it('wrong password: "Incorrect username or password." on the login page, no session, still redirected', async () => {
    await openAppExpectingLogin('/secret');
    const [response] = await Promise.all([
      page.waitForResponse((res) => res.url() === `${portal}/login` && res.request().method() === 'POST'),
      submitLogin(ADMIN.username, `${ADMIN.password}!`),
    ]);
    expect(response.status()).toBe(401);
    expect(page.url()).toBe(`${portal}/login`);
    await expect.poll(() => page.getByText('Incorrect username or password.').count()).toBe(1);
    // The form is shown again, username kept, password not, the destination kept.
    expect(await page.locator('#username').inputValue()).toBe(ADMIN.username);
    expect(await page.locator('#password').inputValue()).toBe('');
    expect(await page.locator('input[name="rd"]').inputValue()).toBe(appUrl('/secret'));
    await screenshot(page, 'login-wrong-password');

    expect(await sessionCookie()).toBeUndefined();
    await openAppExpectingLogin('/secret');
    expect(appRequests()).toHaveLength(0);
  });
});

describe('browser e2e prerequisites', () => {
  it('a missing Chromium is an error, never a skip', async () => {
    await expect(launchBrowser({ executablePath: '/nonexistent/chromium' })).rejects.toThrow(/\/nonexistent\/chromium is missing: install the Debian package chromium/);
  });
});
