/**
 * Real nginx (auth_request → /api/authz/auth-request) in front of a real
 * Gatehouse in token mode and a recording upstream app, configured by
 * test/e2e/proxies/nginx.conf.template (the config README.md shows). The
 * cases every proxy shares are in proxy-contract.ts; here are nginx's own:
 * its error_page turns Gatehouse's 401 into the login redirect, and the check
 * is retargeted with X-Original-URL, never the client's.
 */
import { describe, expect, it } from 'vitest';
import { startNginx } from '../support/proxies.js';
import { proxyContract } from './proxy-contract.js';

proxyContract(
  'nginx auth_request in front of Gatehouse (token mode)',
  {
    endpoint: 'auth-request',
    portalRoute: 'through the portal behind nginx',
    dropsUnderscoreHeaders: true,
    startProxy: (ports) => startNginx(ports),
  },
  (stack) => {
    const { app, appUrl, loginUrl, context } = stack;
    describe('without credentials', () => {
      it('redirects a browser navigation to the portal login with a 302 (error_page), rd = the original URL', async () => {
        const res = await app('/docs/page?x=1&y=two', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
        expect(res.status, await context(res)).toBe(302);
        expect(res.headers.location).toBe(loginUrl('/docs/page?x=1&y=two'));
        expect(stack.upstream.requests).toHaveLength(0);
      });

      it('redirects a browser form POST too, with rm=POST (the check itself is sent as a GET)', async () => {
        const res = await app('/form', { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, 'POST', 'a=1');
        expect(res.status, await context(res)).toBe(302);
        expect(res.headers.location).toBe(loginUrl('/form', 'POST'));
        expect(stack.upstream.requests).toHaveLength(0);
      });

      it('answers 401 to an API request (no text/html in Accept) and does not call the app', async () => {
        const res = await app('/api/items', { accept: 'application/json' });
        expect(res.status, await context(res)).toBe(401);
        expect(res.headers.location).toBeUndefined();
        expect(stack.upstream.requests).toHaveLength(0);
      });
    });

    describe('client-sent-x-original-url-cannot-retarget-the-check', () => {
      it('judges the real URL, not a client X-Original-URL / X-Original-Method pointing at a bypass path', async () => {
        const res = await app('/admin', { 'x-original-url': appUrl('/public/x'), 'x-original-method': 'GET', accept: 'application/json' });
        expect(res.status, await context(res)).toBe(401);
        expect(stack.upstream.requests).toHaveLength(0);
      });
    });
  },
);
