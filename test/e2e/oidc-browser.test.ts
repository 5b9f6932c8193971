/**
 * oauth2 mode end to end in real Chromium through real nginx, against a real
 * OpenID provider (`oidc-provider`, test/support/oidc-provider.ts):
 * protected app → Gatehouse's login page → "Sign in with <provider>" →
 * the provider's login form → Gatehouse's callback → back on the app, whose
 * upstream sees Remote-User = preferred_username and Remote-Groups starting
 * with the mapped role (admins → admin, editors → editor). A user in no
 * mapped group gets `fallbackRole`: viewer (reads, a POST is refused), or,
 * on a second Gatehouse with `deny`, a clear refusal and no session.
 *
 * Hosts: the app and the portal are app.gh.localhost and auth.gh.localhost
 * behind nginx, with the session cookie on Domain=gh.localhost (Chromium drops
 * Domain=localhost, see test/support/browser.ts). GATEHOUSE_PORTAL_URL is
 * http://auth.gh.localhost:<nginx port>, so the callback URL is fixed and
 * registered at the provider exactly. The provider is http://127.0.0.1:<port>
 * (a loopback issuer may be plain http). Every origin here is loopback, so no
 * request goes from a less private address space to a more private one and
 * Chromium's private/local network access checks have nothing to block; every
 * hop is a top-level navigation anyway. The flow cookie (host-only on the
 * portal, Path=/api/auth/oidc, SameSite=Lax, not Secure because the portal is
 * http) comes back on the provider's cross-site redirect to the callback
 * because that is a top-level GET.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../config/schema.js';
import { SESSION_COOKIE } from '../../src/http/cookies.js';
import { FLOW_COOKIE } from '../../src/oidc/flow-cookie.js';
import { BROWSER_APP_HOST, BROWSER_DOMAIN, BROWSER_PORTAL_HOST, launchBrowser, newPage, screenshot } from '../support/browser.js';
import { ADMIN_GROUP, EDITOR_GROUP, startOidcProvider, TEST_USERS, type TestOidcProvider, type TestUser } from '../support/oidc-provider.js';
import { freePort, startGatehouse, startNginx, startUpstream, type GatehouseHandle, type ProxyHandle, type Upstream } from '../support/proxies.js';

const CALLBACK_PATH = '/api/auth/oidc/callback';

type FallbackRole = NonNullable<NonNullable<ConfigInput['oauth2']>['fallbackRole']>;

/** One Gatehouse in oauth2 mode behind its own nginx (its own port, so its own portal URL). */
interface Stack {
  readonly port: number;
  readonly portal: string;
  readonly gatehouse: GatehouseHandle;
  readonly nginx: ProxyHandle;
  appUrl(path: string): string;
  loginUrl(target: string, method?: string): string;
}

describe('oauth2 mode in Chromium through nginx, against a real OpenID provider', () => {
  let browser: Browser;
  let upstream: Upstream;
  let idp: TestOidcProvider;
  /** fallbackRole viewer (the default) and deny: two Gatehouses, one provider client with both callbacks. */
  let viewerStack: Stack;
  let denyStack: Stack;
  const stacks: Stack[] = [];

  let context: BrowserContext;
  let page: Page;
  let consoleLines: string[];

  async function startStack(port: number, fallbackRole: FallbackRole): Promise<Stack> {
    const portal = `http://${BROWSER_PORTAL_HOST}:${port}`;
    const gatehouse = await startGatehouse({
      config: {
        mode: 'oauth2',
        domains: [BROWSER_DOMAIN],
        session: { cookieDomain: BROWSER_DOMAIN },
        oauth2: {
          issuerUrl: idp.issuer,
          clientId: idp.clientId,
          clientSecret: idp.clientSecret,
          adminGroupValues: [ADMIN_GROUP],
          editorGroupValues: [EDITOR_GROUP],
          fallbackRole,
        },
      },
      env: { portalUrl: portal },
    });
    let nginx: ProxyHandle;
    try {
      nginx = await startNginx({ gatehousePort: gatehouse.port, upstreamPort: upstream.port, port, appHost: BROWSER_APP_HOST, portalHost: BROWSER_PORTAL_HOST });
    } catch (error) {
      await gatehouse.close();
      throw error;
    }
    const stack: Stack = {
      port,
      portal,
      gatehouse,
      nginx,
      appUrl: (path) => `http://${BROWSER_APP_HOST}:${port}${path}`,
      loginUrl: (target, method = 'GET') => `${portal}/login?rd=${encodeURIComponent(target)}&rm=${method}`,
    };
    stacks.push(stack);
    return stack;
  }

  beforeAll(async () => {
    // The browser first: a missing Chromium fails here, before anything else starts.
    browser = await launchBrowser();
    upstream = await startUpstream();
    const [viewerPort, denyPort] = [await freePort(), await freePort()];
    // The provider knows each Gatehouse's callback exactly (portal URL + callback path), and starts
    // first so that Gatehouse's discovery at boot finds it.
    idp = await startOidcProvider({
      redirectUris: [viewerPort, denyPort].map((p) => `http://${BROWSER_PORTAL_HOST}:${p}${CALLBACK_PATH}`),
      postLogoutRedirectUris: [viewerPort, denyPort].map((p) => `http://${BROWSER_PORTAL_HOST}:${p}/login`),
    });
    viewerStack = await startStack(viewerPort, 'viewer');
    denyStack = await startStack(denyPort, 'deny');
  });

  afterAll(async () => {
    await browser?.close();
    for (const stack of stacks) {
      await stack.nginx.close();
      await stack.gatehouse.close();
    }
    await idp?.close();
    await upstream?.close();
  });

  beforeEach(async () => {
    upstream.requests.length = 0;
    ({ context, page } = await newPage(browser));
    consoleLines = [];
    page.on('console', (message) => consoleLines.push(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => consoleLines.push(`pageerror: ${error.message}`));
    // Every navigation, so a failure shows the whole redirect chain.
    page.on('response', (res) => {
      if (res.request().isNavigationRequest()) consoleLines.push(`nav ${res.request().method()} ${res.url()} → ${res.status()}${res.headers().location ? ` → ${res.headers().location}` : ''}`);
    });
  });

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail' && page) {
      const shot = await screenshot(page, `oidc-failed-${task.name.slice(0, 40)}`).catch((error: Error) => `no screenshot: ${error.message}`);
      const logs = await Promise.all(stacks.map(async (s) => `--- gatehouse :${s.port} ---\n${s.gatehouse.logs().slice(-4000)}\n${await s.nginx.diagnostics()}`));
      console.error(`[${task.name}] page ${page.url()}; ${shot}\n--- browser ---\n${consoleLines.join('\n')}\n${logs.join('\n')}`);
    }
    await context?.close();
  });

  /** What reached the app, without the browser's own /favicon.ico fetches. */
  const appRequests = () => upstream.requests.filter((r) => r.url !== '/favicon.ico');

  async function cookie(name: string) {
    return (await context.cookies()).find((c) => c.name === name && c.value !== '');
  }

  /**
   * Opens the protected `path`: nginx sends the browser to the portal's login page, which offers
   * the provider; clicking it goes through /api/auth/oidc/start to the provider's login form.
   */
  async function openAppAndReachProvider(stack: Stack, path: string, shot?: string): Promise<void> {
    await page.goto(stack.appUrl(path));
    expect(page.url()).toBe(stack.loginUrl(stack.appUrl(path)));
    await expect.poll(() => page.title()).toBe('Sign in · Gatehouse');
    const providerHost = new URL(idp.issuer).hostname;
    const signIn = page.getByRole('link', { name: `Sign in with ${providerHost}`, exact: true });
    expect(await signIn.getAttribute('href')).toBe(`/api/auth/oidc/start?rd=${encodeURIComponent(stack.appUrl(path))}`);
    if (shot) await screenshot(page, shot);

    const [started] = await Promise.all([
      page.waitForResponse((res) => res.url().startsWith(`${stack.portal}/api/auth/oidc/start?`)),
      page.waitForURL((url) => url.href.startsWith(`${idp.issuer}/interaction/`)),
      signIn.click(),
    ]);
    // The flow cookie Gatehouse set for this browser: host-only on the portal, scoped to the OIDC routes.
    expect(started.status()).toBe(302);
    const flow = await cookie(FLOW_COOKIE);
    expect(flow).toMatchObject({ domain: BROWSER_PORTAL_HOST, path: '/api/auth/oidc', httpOnly: true, sameSite: 'Lax' });
    await expect.poll(() => page.title()).toBe('Test IdP');
    expect(appRequests()).toHaveLength(0);
  }

  /** Fills the provider's login form; resolves with the response of Gatehouse's callback. */
  async function signInAtProvider(stack: Stack, user: TestUser, shot?: string) {
    await page.locator('input[name="username"]').fill(user.username);
    await page.locator('input[name="password"]').fill(user.password);
    if (shot) await screenshot(page, shot);
    const [callback] = await Promise.all([
      page.waitForResponse((res) => res.url().startsWith(`${stack.portal}${CALLBACK_PATH}?`)),
      page.getByRole('button', { name: 'Sign in', exact: true }).click(),
    ]);
    await page.waitForLoadState('load');
    return callback;
  }

  /** Whole login of `user` on `stack` to the app's `path`; checks the callback's 303 back to it. */
  async function loginThroughProvider(stack: Stack, user: TestUser, path: string, shots: { portal?: string; provider?: string } = {}): Promise<void> {
    await openAppAndReachProvider(stack, path, shots.portal);
    const callback = await signInAtProvider(stack, user, shots.provider);
    expect(callback.status()).toBe(303);
    expect(callback.headers().location).toBe(stack.appUrl(path));
    await page.waitForURL(stack.appUrl(path));
  }

  /** The upstream's JSON answer as the page shows it. */
  async function appJson(): Promise<{ upstream: string; method: string; url: string; headers: Record<string, string> }> {
    return JSON.parse(await page.locator('pre').first().innerText());
  }

  it('admin-group user: app → portal → provider login → callback → app; the upstream sees Remote-User and role admin first', async () => {
    const alice = TEST_USERS.alice;
    await loginThroughProvider(viewerStack, alice, '/dashboard?tab=1', { portal: 'oidc-login-page', provider: 'oidc-provider-login' });

    const shown = await appJson();
    expect(shown).toMatchObject({ upstream: 'app', method: 'GET', url: '/dashboard?tab=1' });
    expect(shown.headers['remote-user']).toBe(alice.username);
    expect(shown.headers['remote-groups']).toBe(`admin,staff,${ADMIN_GROUP}`);
    await screenshot(page, 'oidc-app-as-admin');

    expect(appRequests()).toHaveLength(1);
    const seen = appRequests()[0]!;
    expect(upstream.headerValues(seen, 'remote-user')).toEqual([alice.username]);
    expect(upstream.headerValues(seen, 'remote-groups')).toEqual([`admin,staff,${ADMIN_GROUP}`]);
    expect(upstream.headerValues(seen, 'remote-name')).toEqual([alice.name]);
    expect(upstream.headerValues(seen, 'remote-email')).toEqual([alice.email]);

    // A normal Gatehouse session on the parent domain; the single-use flow cookie is gone.
    expect(await cookie(SESSION_COOKIE)).toMatchObject({ domain: `.${BROWSER_DOMAIN}`, path: '/', httpOnly: true, secure: false, sameSite: 'Lax' });
    expect(await cookie(FLOW_COOKIE)).toBeUndefined();

    // An admin may write.
    const post = await page.evaluate(async () => (await fetch('/items', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' })).status);
    expect(post).toBe(200);
    expect(appRequests().map((r) => `${r.method} ${r.url}`)).toEqual(['GET /dashboard?tab=1', 'POST /items']);
  });

  it('editor-group user: lands on the app with role editor', async () => {
    const erin = TEST_USERS.erin;
    await loginThroughProvider(viewerStack, erin, '/docs');
    expect((await appJson()).headers).toMatchObject({ 'remote-user': erin.username, 'remote-groups': `editor,staff,${EDITOR_GROUP}` });
    expect(appRequests()).toHaveLength(1);
    expect(upstream.headerValues(appRequests()[0]!, 'remote-groups')).toEqual([`editor,staff,${EDITOR_GROUP}`]);
    await screenshot(page, 'oidc-app-as-editor');
  });

  it('no matching group, fallbackRole viewer: lands on the app as viewer; a POST is refused with 403 and never reaches it', async () => {
    const vic = TEST_USERS.vic;
    await loginThroughProvider(viewerStack, vic, '/');
    expect((await appJson()).headers).toMatchObject({ 'remote-user': vic.username, 'remote-groups': 'viewer,guests' });
    expect(upstream.headerValues(appRequests()[0]!, 'remote-groups')).toEqual(['viewer,guests']);
    await screenshot(page, 'oidc-app-as-viewer');

    const fetched = await page.evaluate(async () => {
      const res = await fetch('/x', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
      return { status: res.status, redirected: res.redirected };
    });
    expect(fetched).toEqual({ status: 403, redirected: false });
    expect(appRequests().map((r) => `${r.method} ${r.url}`)).toEqual(['GET /']);
    expect(await cookie(SESSION_COOKIE)).toBeDefined();
  });

  it('no matching group, fallbackRole deny: refused with a clear message on the portal, no session, the app never reached', async () => {
    const vic = TEST_USERS.vic;
    await openAppAndReachProvider(denyStack, '/secret');
    const callback = await signInAtProvider(denyStack, vic);
    expect(callback.status()).toBe(403);
    // The browser stays on the callback URL, which shows the oauth2 login page with the reason.
    expect(page.url().startsWith(`${denyStack.portal}${CALLBACK_PATH}?`)).toBe(true);
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.innerText()).toContain('not in a group that may use this site');
    await screenshot(page, 'oidc-deny-refused');
    // The page offers a fresh start that still leads back to the app.
    expect(await page.getByRole('link', { name: `Sign in with ${new URL(idp.issuer).hostname}`, exact: true }).getAttribute('href')).toBe(
      `/api/auth/oidc/start?rd=${encodeURIComponent(denyStack.appUrl('/secret'))}`,
    );

    expect(await cookie(SESSION_COOKIE)).toBeUndefined();
    expect(await cookie(FLOW_COOKIE)).toBeUndefined();
    expect(denyStack.gatehouse.logs()).toMatch(/no group in claim groups \(\[\\"guests\\"\]\) maps to a role and fallbackRole is deny/);

    // Back to the app: still sent to the login page; the app never saw a request.
    await page.goto(denyStack.appUrl('/secret'));
    expect(page.url()).toBe(denyStack.loginUrl(denyStack.appUrl('/secret')));
    expect(appRequests()).toHaveLength(0);
  });

  it('fallbackRole deny still lets a mapped user in', async () => {
    await loginThroughProvider(denyStack, TEST_USERS.erin, '/secret');
    expect((await appJson()).headers).toMatchObject({ 'remote-user': 'erin', 'remote-groups': `editor,staff,${EDITOR_GROUP}` });
  });
});
