/**
 * What every supported proxy in front of Gatehouse must do, whatever its
 * config looks like: a real Gatehouse in token mode (one bypass rule on
 * /public) and a recording upstream app, with the proxy under test between
 * them and the client. nginx.test.ts, caddy.test.ts and
 * traefik-harness.test.ts each start their proxy and add what only it does.
 */
import { randomBytes } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  APP_HOST,
  cookiePair,
  freePort,
  hiddenField,
  loginThroughPortal,
  PORTAL_HOST,
  send,
  sha256Hex,
  startGatehouse,
  startUpstream,
  type GatehouseHandle,
  type SimpleResponse,
  type Upstream,
} from '../support/proxies.js';

export const IDENTITY_HEADERS = ['remote-user', 'remote-groups', 'remote-email', 'remote-name'];

/** Identity headers a client forges, hoping the app trusts them. */
const SPOOFED_REMOTE: OutgoingHttpHeaders = {
  'Remote-User': 'admin',
  'Remote-Groups': 'admin,superadmin',
  'Remote-Email': 'mallory@example.com',
  'Remote-Name': 'Mallory',
};

/** The proxy under test, listening on the app's and the portal's port. */
export interface ProxyUnderTest {
  close(): Promise<void>;
  /** What the proxy logged, added to failure messages when it has anything to say. */
  diagnostics?(): Promise<string>;
}

export interface ProxyContractOptions {
  /**
   * The check endpoint the proxy calls. nginx's `auth_request` calls
   * /api/authz/auth-request with X-Original-URL and maps Gatehouse's 401 itself
   * (its cases live in nginx.test.ts); Caddy's and Traefik's forward auth call
   * /api/authz/forward-auth with X-Forwarded-* and pass Gatehouse's answer on as is.
   */
  readonly endpoint: 'auth-request' | 'forward-auth';
  /** How the portal login is reached, for the test name: "through the portal behind nginx". */
  readonly portalRoute: string;
  /**
   * Whether the proxy's config drops a client's `Remote_User` (CGI-style apps
   * read it as REMOTE_USER too), so the spoofing cases may send it.
   */
  readonly dropsUnderscoreHeaders: boolean;
  startProxy(ports: { gatehousePort: number; upstreamPort: number; port: number }): Promise<ProxyUnderTest>;
}

/** The running stack, for a proxy's own cases; its fields are set once `beforeAll` has run. */
export interface ProxyStack {
  /** The instance token (bearer) Gatehouse accepts. */
  readonly token: string;
  readonly upstream: Upstream;
  readonly gatehouse: GatehouseHandle;
  /** The proxy's port, for both the app and the portal host. */
  readonly port: number;
  /** The portal's origin. */
  readonly portal: string;
  /** Sends a request for the protected app through the proxy. */
  app(path: string, headers?: OutgoingHttpHeaders, method?: string, body?: string): Promise<SimpleResponse>;
  appUrl(path: string): string;
  /** Where Gatehouse sends a browser that is not signed in. */
  loginUrl(path: string, method?: string): string;
  /** Extra context when an assertion fails: what the proxy and Gatehouse logged. */
  context(res: SimpleResponse): Promise<string>;
}

/**
 * Registers `describe(name)` with the cases every proxy shares, then calls
 * `proxySpecific` inside it for the cases only this proxy has.
 */
export function proxyContract(name: string, options: ProxyContractOptions, proxySpecific?: (stack: ProxyStack) => void): void {
  const token = `gh-e2e-${randomBytes(24).toString('base64url')}`;
  const spoofed: OutgoingHttpHeaders = options.dropsUnderscoreHeaders ? { ...SPOOFED_REMOTE, Remote_User: 'admin' } : SPOOFED_REMOTE;
  let upstream: Upstream;
  let gatehouse: GatehouseHandle;
  let proxy: ProxyUnderTest;
  let port: number;
  let portal: string;

  const app = (path: string, headers: OutgoingHttpHeaders = {}, method = 'GET', body?: string): Promise<SimpleResponse> =>
    send({ port, host: APP_HOST, path, method, headers, ...(body === undefined ? {} : { body }) });
  const appUrl = (path: string) => `http://${APP_HOST}:${port}${path}`;
  const loginUrl = (path: string, method = 'GET') => `${portal}/login?rd=${encodeURIComponent(appUrl(path))}&rm=${method}`;
  const context = async (res: SimpleResponse) =>
    `status ${res.status}, body ${res.body.slice(0, 300)}\n${proxy.diagnostics ? `${await proxy.diagnostics()}\n` : ''}--- gatehouse ---\n${gatehouse.logs().slice(-3000)}`;
  const stack: ProxyStack = {
    token,
    get upstream() {
      return upstream;
    },
    get gatehouse() {
      return gatehouse;
    },
    get port() {
      return port;
    },
    get portal() {
      return portal;
    },
    app,
    appUrl,
    loginUrl,
    context,
  };

  describe(name, () => {
    beforeAll(async () => {
      upstream = await startUpstream();
      port = await freePort();
      portal = `http://${PORTAL_HOST}:${port}`;
      gatehouse = await startGatehouse({
        config: {
          mode: 'token',
          token: { hash: sha256Hex(token) },
          rules: [{ name: 'public', domain: APP_HOST, path: '/public', policy: 'bypass' }],
        },
        env: { portalUrl: portal },
      });
      proxy = await options.startProxy({ gatehousePort: gatehouse.port, upstreamPort: upstream.port, port });
    });

    afterAll(async () => {
      await proxy?.close();
      await gatehouse?.close();
      await upstream?.close();
    });

    beforeEach(() => {
      upstream.requests.length = 0;
    });

    describe('without credentials', () => {
      if (options.endpoint === 'forward-auth') {
        it('redirects a browser navigation to the portal login with a 302, rd = the original URL', async () => {
          const res = await app('/docs/page?x=1&y=two', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
          expect(res.status, await context(res)).toBe(302);
          expect(res.headers.location).toBe(loginUrl('/docs/page?x=1&y=two'));
          expect(upstream.requests).toHaveLength(0);
        });

        it('redirects a browser form POST with a 303 and rm=POST (the check itself is sent as a GET)', async () => {
          const res = await app('/form', { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, 'POST', 'a=1');
          expect(res.status, await context(res)).toBe(303);
          expect(res.headers.location).toBe(loginUrl('/form', 'POST'));
          expect(upstream.requests).toHaveLength(0);
        });

        it('answers 401 to an API request (no text/html in Accept) and does not call the app', async () => {
          const res = await app('/api/items', { accept: 'application/json' });
          expect(res.status, await context(res)).toBe(401);
          // Gatehouse's 401 names the login page; the proxy passes it on as is.
          expect(res.headers.location).toBe(loginUrl('/api/items'));
          expect(upstream.requests).toHaveLength(0);
        });
      }

      it('answers 401 to an XHR even when it accepts text/html', async () => {
        const res = await app('/api/items', { accept: 'text/html', 'x-requested-with': 'XMLHttpRequest' });
        expect(res.status, await context(res)).toBe(401);
        expect(upstream.requests).toHaveLength(0);
      });

      it('answers 401 to an API POST and never forwards its body', async () => {
        const res = await app('/api/items', { 'content-type': 'application/json' }, 'POST', '{"name":"x"}');
        expect(res.status, await context(res)).toBe(401);
        expect(upstream.requests).toHaveLength(0);
      });

      it('lets an anonymous request through on a bypass rule', async () => {
        const res = await app('/public/logo.svg');
        expect(res.status, await context(res)).toBe(200);
        expect(upstream.requests).toHaveLength(1);
      });
    });

    describe('with the bearer token', () => {
      it('reaches the app, which sees Remote-User: token and Remote-Groups: admin', async () => {
        const res = await app('/api/items?page=2', { authorization: `Bearer ${token}`, accept: 'application/json' });
        expect(res.status, await context(res)).toBe(200);
        expect(JSON.parse(res.body)).toMatchObject({ upstream: 'app', url: '/api/items?page=2' });
        expect(upstream.requests).toHaveLength(1);
        const seen = upstream.requests[0]!;
        expect(upstream.headerValues(seen, 'remote-user')).toEqual(['token']);
        expect(upstream.headerValues(seen, 'remote-groups')).toEqual(['admin']);
        expect(upstream.headerValues(seen, 'remote-name')).toEqual(['Instance token']);
      });

      it('passes a POST through with its method and body intact', async () => {
        const res = await app('/api/items', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, 'POST', '{"name":"widget"}');
        expect(res.status, await context(res)).toBe(200);
        expect(upstream.requests).toHaveLength(1);
        expect(upstream.requests[0]).toMatchObject({ method: 'POST', url: '/api/items', body: '{"name":"widget"}' });
        expect(upstream.requests[0]!.headers['remote-user']).toBe('token');
      });
    });

    describe('wrong-bearer-token-is-rejected', () => {
      it('answers 401 with WWW-Authenticate and never calls the app', async () => {
        const res = await app('/api/items', { authorization: 'Bearer not-the-token', accept: 'application/json' });
        expect(res.status, await context(res)).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="Gatehouse"/);
        expect(upstream.requests).toHaveLength(0);
      });

      it('does not turn a browser with a wrong token into a login redirect', async () => {
        const res = await app('/docs', { authorization: 'Bearer not-the-token', accept: 'text/html' });
        expect(res.status, await context(res)).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
        expect(res.headers.location).toBeUndefined();
        expect(upstream.requests).toHaveLength(0);
      });
    });

    describe('portal session', () => {
      it(`logs in ${options.portalRoute}, then reaches the app with the session cookie`, async () => {
        const first = await app('/dashboard?tab=1', { accept: 'text/html' });
        expect(first.status, await context(first)).toBe(302);
        const rd = new URL(first.headers.location!).searchParams.get('rd')!;
        expect(rd).toBe(appUrl('/dashboard?tab=1'));

        const login = await loginThroughPortal({ port, portalHost: PORTAL_HOST, token, rd });
        expect(login.result.status, await context(login.result)).toBe(303);
        expect(login.result.headers.location).toBe(rd);
        expect(login.sessionCookie).toMatch(/^gatehouse_session=[^;\s]+$/);

        const res = await app('/dashboard?tab=1', { accept: 'text/html', cookie: login.sessionCookie! });
        expect(res.status, await context(res)).toBe(200);
        expect(upstream.requests).toHaveLength(1);
        expect(upstream.headerValues(upstream.requests[0]!, 'remote-user')).toEqual(['token']);
        expect(upstream.headerValues(upstream.requests[0]!, 'remote-groups')).toEqual(['admin']);
      });

      it('refuses a login POST whose Origin is another site (CSRF)', async () => {
        const page = await send({ port, host: PORTAL_HOST, path: '/login', headers: { accept: 'text/html' } });
        expect(page.status).toBe(200);
        const res = await send({
          port,
          host: PORTAL_HOST,
          path: '/login',
          method: 'POST',
          // The page's real form token and cookie: only the Origin is wrong.
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.localhost', cookie: cookiePair(page.headers, 'gatehouse_csrf')! },
          body: new URLSearchParams({ token, csrf: hiddenField(page.body, 'csrf')!, rd: appUrl('/') }).toString(),
        });
        expect(res.status).toBe(403);
        expect(res.headers['set-cookie']?.some((c) => c.startsWith('gatehouse_session=')) ?? false).toBe(false);
      });
    });

    describe('client-sent-remote-user-is-stripped', () => {
      it('without credentials: refused, and the app never sees the request', async () => {
        const res = await app('/admin', { ...spoofed, accept: 'application/json' });
        expect(res.status).toBe(401);
        expect(upstream.requests).toHaveLength(0);
      });

      it('with a valid token: the app sees only Gatehouse\'s identity, never the client\'s values', async () => {
        const res = await app('/admin', { ...spoofed, authorization: `Bearer ${token}` });
        expect(res.status, await context(res)).toBe(200);
        const seen = upstream.requests[0]!;
        expect(upstream.headerValues(seen, 'remote-user')).toEqual(['token']);
        expect(upstream.headerValues(seen, 'remote-groups')).toEqual(['admin']);
        expect(upstream.headerValues(seen, 'remote-name')).toEqual(['Instance token']);
        // The token principal has no e-mail: the client's must not fill the gap.
        expect(upstream.headerValues(seen, 'remote-email')).toEqual([]);
      });

      it('on a bypass path (anonymous allowed): the app sees no identity header at all', async () => {
        const res = await app('/public/page', { ...spoofed, 'remote-user': ['admin', 'root'] });
        expect(res.status, await context(res)).toBe(200);
        const seen = upstream.requests[0]!;
        for (const name of IDENTITY_HEADERS) expect(upstream.headerValues(seen, name), name).toEqual([]);
      });
    });

    if (options.endpoint === 'forward-auth') {
      describe('client-sent-x-forwarded-headers-cannot-retarget-the-check', () => {
        it('judges the real request, not client X-Forwarded-Uri/Host/Method/For pointing at a bypass path', async () => {
          const res = await app('/admin', {
            'x-forwarded-uri': '/public/x',
            'x-forwarded-host': `${APP_HOST}:${port}`,
            'x-forwarded-method': 'GET',
            'x-forwarded-proto': 'http',
            'x-forwarded-for': '192.0.2.10',
            accept: 'application/json',
          });
          expect(res.status, await context(res)).toBe(401);
          expect(res.headers.location).toBe(loginUrl('/admin'));
          expect(upstream.requests).toHaveLength(0);
        });
      });
    }

    describe('portal-host-does-not-expose-check-endpoints', () => {
      it('answers 404 for /api/authz/* on the portal host', async () => {
        // The headers a check from this proxy would carry.
        const headers: OutgoingHttpHeaders =
          options.endpoint === 'auth-request' ? { 'x-original-url': appUrl('/'), 'x-original-method': 'GET' } : { 'x-forwarded-uri': '/', 'x-forwarded-method': 'GET' };
        for (const path of ['/api/authz/auth-request', '/api/authz/forward-auth']) {
          const res = await send({ port, host: PORTAL_HOST, path, headers });
          expect(res.status, path).toBe(404);
        }
      });

      it('does serve the login page on the portal host', async () => {
        const res = await send({ port, host: PORTAL_HOST, path: '/login', headers: { accept: 'text/html' } });
        expect(res.status).toBe(200);
        expect(res.body).toContain('name="token"');
      });
    });

    proxySpecific?.(stack);
  });
}
